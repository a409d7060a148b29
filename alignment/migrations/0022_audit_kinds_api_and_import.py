from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("alignment", "0021_single_sign_on_and_two_factor"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="kind",
            field=models.CharField(choices=[('signed_in', 'Signed in'), ('signed_out', 'Signed out'), ('sign_in_failed', 'Sign-in failed'), ('organisation_settings_changed', 'Organisation settings changed'), ('admin_added', 'Admin added'), ('admin_removed', 'Admin removed'), ('team_created', 'Team created'), ('team_settings_changed', 'Team settings changed'), ('team_archived', 'Team archived'), ('team_restored', 'Team restored'), ('member_added', 'Member added'), ('roles_changed', 'Roles changed'), ('member_moved', 'Member moved'), ('member_removed', 'Member removed'), ('member_left', 'Member left'), ('invitation_sent', 'Invitation sent'), ('invitation_revoked', 'Invitation revoked'), ('invitation_accepted', 'Invitation accepted'), ('charter_ratified', 'Charter ratified'), ('consent_given', 'Consent given'), ('objection_raised', 'Objection raised'), ('objection_answered', 'Objection answered'), ('decision_call_recorded', "Decision's final call recorded"), ('retro_privacy_changed', 'Retrospective anonymity or hiding changed'), ('calendar_address_made', 'Calendar feed address made'), ('calendar_feed_stopped', 'Calendar feed stopped'), ('audit_exported', 'Audit trail exported'), ('audit_purged', 'Old audit events purged'), ('site_admin_change', "Change in the site's admin"), ('person_deactivated', 'Person deactivated'), ('person_reactivated', 'Person reactivated'), ('data_export_requested', 'Data export requested'), ('data_export_downloaded', 'Data export downloaded'), ('account_erasure_scheduled', 'Account deletion scheduled'), ('account_erasure_cancelled', 'Account deletion cancelled'), ('account_erasure_held', 'Account deletion held back'), ('account_erased', 'Account erased'), ('checkin_words_erased', 'Old check-in words erased'), ('two_factor_added', 'Two-factor method added'), ('two_factor_removed', 'Two-factor method removed'), ('recovery_codes_made', 'Recovery codes made anew'), ('two_factor_failed', 'Two-factor code refused'), ('sessions_ended', 'Other sessions signed out'), ('identity_provider_changed', 'Identity provider changed'), ('identity_provider_removed', 'Identity provider removed'), ('single_sign_on', 'Signed in through the identity provider'), ('person_provisioned', 'Person created by the identity provider'), ('break_glass_sign_in', 'Admin signed in with a password while single sign-on is required'), ('provisioning_token_made', 'Provisioning (SCIM) token made'), ('api_token_made', 'API token made'), ('api_token_revoked', 'API token revoked'), ('api_call', 'API call'), ('data_imported', 'Spreadsheet imported')], max_length=40, verbose_name="what"),
        ),
    ]

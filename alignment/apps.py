from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = _("Organisations and teams")

    def ready(self) -> None:
        from allauth.account import signals as account_signals
        from allauth.mfa import signals as mfa_signals
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth import signals as auth_signals
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_save

        from alignment import accounts, audit, fragments, panels, two_factor, urls

        # Parts of pages drawn while a request runs are kept in the shared cache together, when it ends.
        request_started.connect(fragments.storing_at_the_end, dispatch_uid="fragments-storing-at-the-end")
        request_finished.connect(fragments.stored_at_the_end, dispatch_uid="fragments-stored-at-the-end")

        panels.register_tabs("", urls.tabs)
        # Sign-ins and the site admin's changes are Django's to tell; the audit trail keeps them.
        auth_signals.user_logged_in.connect(audit.on_signed_in, dispatch_uid="audit-signed-in")
        auth_signals.user_logged_out.connect(audit.on_signed_out, dispatch_uid="audit-signed-out")
        auth_signals.user_login_failed.connect(audit.on_sign_in_failed, dispatch_uid="audit-sign-in-failed")
        # allauth's sign-in: who came through an organisation's identity provider, and two-factor changes.
        auth_signals.user_logged_in.connect(two_factor.on_signed_in, dispatch_uid="two-factor-signed-in")
        account_signals.user_logged_in.connect(accounts.on_social_sign_in, dispatch_uid="sso-signed-in")
        account_signals.user_signed_up.connect(accounts.on_social_sign_up, dispatch_uid="sso-signed-up")
        mfa_signals.authenticator_added.connect(accounts.on_authenticator_added, dispatch_uid="audit-2fa-added")
        mfa_signals.authenticator_removed.connect(accounts.on_authenticator_removed, dispatch_uid="audit-2fa-removed")
        mfa_signals.authenticator_reset.connect(accounts.on_authenticator_reset, dispatch_uid="audit-2fa-reset")
        mfa_signals.authentication_failed.connect(accounts.on_two_factor_failed, dispatch_uid="audit-2fa-failed")
        post_save.connect(audit.on_site_admin_change, sender=LogEntry, dispatch_uid="audit-site-admin")

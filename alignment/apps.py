from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = _("Organisations and teams")

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth import signals as auth_signals
        from django.db.models.signals import post_save

        from alignment import audit, panels, urls

        panels.register_tabs("", urls.tabs)
        # Sign-ins and the site admin's changes are Django's to tell; the audit trail keeps them.
        auth_signals.user_logged_in.connect(audit.on_signed_in, dispatch_uid="audit-signed-in")
        auth_signals.user_logged_out.connect(audit.on_signed_out, dispatch_uid="audit-signed-out")
        auth_signals.user_login_failed.connect(audit.on_sign_in_failed, dispatch_uid="audit-sign-in-failed")
        post_save.connect(audit.on_site_admin_change, sender=LogEntry, dispatch_uid="audit-site-admin")

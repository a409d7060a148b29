from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "transfer"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from alignment import panels
        from alignment.erasure import register_eraser
        from notifications import services as notifications
        from transfer import erase, selectors, services

        # Where people find it: a card on the team page, a section of the team's settings for its leaders, and
        # a link among the organisation page's admin links.
        panels.register_team_panel("transfer/_team_panel.html", selectors.team_panel)
        panels.register_team_settings_section("transfer/_team_settings.html")
        panels.register_organisation_admin_link(panels.PageLink("Export", "transfer:organisation_export"))
        # The organisation's export is ready: told once, in the centre and by e-mail, with the link.
        notifications.register_kind(services.EXPORT_READY, "Organisation export ready",
                                    description="For an organisation's admins: the export of the whole "
                                                "organisation you asked for is ready to download.",
                                    audience=notifications.ADMIN)
        register_eraser("transfer", erase.erase)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = _("Organisations and teams")

    def ready(self) -> None:
        from alignment import panels, urls

        panels.register_tabs("", urls.tabs)


from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Public API")

    def ready(self) -> None:
        from alignment.panels import PageLink, register_organisation_admin_link, register_profile_link

        register_profile_link(PageLink("API tokens", "api:tokens",
                                       "personal tokens that let a script or tool use Charter as you"))
        register_organisation_admin_link(PageLink("API tokens", "api:service_tokens"))

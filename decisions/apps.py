from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decision log")

    def ready(self) -> None:
        from alignment import panels
        from decisions import urls

        panels.register_tabs(urls.app_name, urls.tabs)

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters: decisions judged against each demo charter."""
        from decisions.demo import seed_decisions

        seed_decisions(organisation)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decision log")

    def ready(self) -> None:
        from alignment import panels
        from alignment.permissions import Capability

        # The log is the team's own: the rest of the organisation does not see the link.
        panels.register_team_link(panels.TeamLink("Decision log", "decisions:list", app_name="decisions",
                                                  needs=Capability.READ_TEAM))

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters: decisions judged against each demo charter."""
        from decisions.demo import seed_decisions

        seed_decisions(organisation)

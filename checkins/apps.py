from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        from alignment import panels
        from alignment.permissions import Capability

        # Writing one's own check-in, and reading the team's: two links, each for whoever may.
        panels.register_team_link(panels.TeamLink("This week", "checkins:this_week", app_name="checkins",
                                                  url_names=("this_week", "save_draft", "submit"),
                                                  needs=Capability.CHECK_IN))
        panels.register_team_link(panels.TeamLink("Team week", "checkins:week", app_name="checkins",
                                                  url_names=("week", "checkin", "reply", "acknowledge", "person"),
                                                  needs=Capability.READ_TEAM))
        panels.register_team_link(panels.TeamLink("Trends", "checkins:trends", app_name="checkins",
                                                  url_names=("trends",), needs=Capability.READ_TEAM))
        panels.register_team_link(panels.TeamLink(
            "Commitments", "checkins:commitments", app_name="checkins", needs=Capability.READ_TEAM,
            url_names=("commitments", "create_commitment", "ask_commitment", "commitment", "renegotiate",
                       "mark_done", "answer_request"),
        ))

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters and decisions: twelve weeks of check-ins."""
        from checkins.demo import seed_checkins

        seed_checkins(organisation)

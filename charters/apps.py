from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"

    def ready(self) -> None:
        from alignment import panels
        from charters import selectors

        panels.register_team_link(panels.TeamLink("Charter", "charters:detail", app_name="charters",
                                                  url_names=("detail", "version")))
        panels.register_team_link(panels.TeamLink("Versions", "charters:history", app_name="charters",
                                                  url_names=("history", "diff")))
        panels.register_team_panel("charters/_team_panel.html", selectors.team_panel)
        panels.register_organisation_panel("charters/_organisation_panel.html", selectors.organisation_panel)

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo`: every demo team's charter, with a consent round."""
        from charters.demo import seed_charters

        seed_charters(organisation)

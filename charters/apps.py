from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"

    def ready(self) -> None:
        from alignment import panels
        from charters import organisation_map, selectors

        panels.register_team_link(panels.TeamLink("Charter", "charters:detail", app_name="charters",
                                                  url_names=("detail", "version")))
        panels.register_team_link(panels.TeamLink("Versions", "charters:history", app_name="charters",
                                                  url_names=("history", "diff")))
        panels.register_team_panel("charters/_team_panel.html", selectors.team_panel)
        panels.register_organisation_panel("charters/_organisation_panel.html", organisation_map.load_cards)
        panels.register_team_filter(organisation_map.NO_CHARTER, "No ratified charter yet",
                                    organisation_map.without_ratified_charter)
        panels.register_team_filter(organisation_map.FALLING, "Confidence falling", organisation_map.confidence_falling)
        panels.register_team_filter(organisation_map.OLDER_THAN, "Charter older than N cycles",
                                    organisation_map.charter_older_than, values=organisation_map.OLDER_THAN_CHOICES)
        panels.register_organisation_summary("charters/_organisation_panel.html#summary",
                                             organisation_map.organisation_summary)

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo`: every demo team's charter, with a consent round."""
        from charters.demo import seed_charters

        seed_charters(organisation)

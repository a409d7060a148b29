from django.apps import AppConfig


def _team_changed(sender, team, **kwargs) -> None:
    """A team renamed, archived or restored: the map's cross-team signals name teams at work."""
    from charters.organisation_map import forget_signals

    forget_signals(team.organisation_id)


class ChartersConfig(AppConfig):
    name = "charters"

    def ready(self) -> None:
        # Its part of "Download my data" (alignment/data_export.py).
        from alignment.data_export import register_export_source
        from charters import export

        register_export_source("charters", export.collect)
        # What erasing a person does to its rows (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from charters import erase

        register_eraser("charters", erase.erase)

        from alignment import panels
        from charters import organisation_map, selectors, urls

        panels.register_tabs(urls.app_name, urls.tabs)
        from alignment.my_week import register_week_source
        from charters import my_week

        register_week_source(my_week.source)
        panels.register_team_panel("charters/_team_panel.html", selectors.team_panel, selectors.team_panel_reads)
        panels.register_organisation_panel("charters/_organisation_panel.html", organisation_map.load_cards,
                                          organisation_map.card_reads)
        panels.register_team_filter(organisation_map.NO_CHARTER, "No ratified charter yet",
                                    organisation_map.without_ratified_charter)
        panels.register_team_filter(organisation_map.FALLING, "Confidence falling", organisation_map.confidence_falling)
        panels.register_team_filter(organisation_map.OLDER_THAN, "Charter older than N cycles",
                                    organisation_map.charter_older_than, values=organisation_map.OLDER_THAN_CHOICES)
        panels.register_organisation_summary("charters/_organisation_panel.html#summary",
                                             organisation_map.organisation_summary)
        panels.register_organisation_section("charters/_organisation_goals.html", organisation_map.map_goal_tree,
                                            organisation_map.map_goal_tree_reads)
        from charters import cross_team

        panels.register_organisation_section("charters/_organisation_signals.html", organisation_map.map_signals)
        organisation_map.register_signal_source(cross_team.overlaps)
        organisation_map.register_signal_source(cross_team.tradeoffs)
        from alignment.signals import team_changed

        team_changed.connect(_team_changed, dispatch_uid="charters.signals_forget_team")
        self._register_webhook_event()
        self._register_notification_kinds()

    def _register_notification_kinds(self) -> None:
        """Proposals, objections, answers and ratifications (charters/notices.py)."""
        from charters import notices
        from notifications import services as notifications

        # Who may receive each (the preferences page lists a kind only to them); a kind not named here: anyone.
        consenting = (notifications.MEMBER, notifications.FACILITATOR)  # `Capability.RESPOND_TO_CHARTER`
        audiences = {notices.PROPOSED: consenting, notices.OBJECTION: notifications.LEADER,
                     notices.OBJECTION_ANSWERED: consenting, notices.CONSENT_REMINDER: consenting,
                     notices.RECONSENT: consenting, notices.ROUND_CLOSED: notifications.LEADER,
                     notices.COMMENTED: notifications.LEADER, notices.OBJECTION_RESOLVED: notifications.LEADER}
        for key, label, description in notices.KINDS:
            notifications.register_kind(key, label, description=description, reminder=key in notices.REMINDERS,
                                        audience=audiences.get(key, notifications.ANYONE))

        from alignment import schedule
        from charters import rounds

        schedule.register_preview(rounds.next_times)  # consent reminders and closings (charters.tasks)

    def _register_webhook_event(self) -> None:
        """A ratified version is posted to the team's webhooks that want it (`services.ratify` posts it)."""
        from charters import webhooks as charter_webhooks
        from notifications import webhooks

        webhooks.register_webhook_event(charter_webhooks.RATIFIED, "Charter ratified",
                                        "A new version of the charter is in force, with its purpose line.",
                                        type="charter.ratified")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo`: every demo team's charter, with a consent round."""
        from charters.demo import seed_charters

        seed_charters(organisation)

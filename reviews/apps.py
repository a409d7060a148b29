from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from alignment import panels
        from alignment.permissions import Capability
        from charters.signals import charter_ratified
        from reviews import retro_selectors, selectors

        charter_ratified.connect(_on_charter_ratified, dispatch_uid="reviews.join_open_cycle")
        panels.register_team_panel("reviews/_team_panel.html", selectors.team_panel)
        # The team's retrospectives, and how its non-negotiables held cycle after cycle.
        panels.register_team_link(panels.TeamLink("Retrospectives", "reviews:retrospectives", app_name="reviews",
                                                  url_names=RETROSPECTIVE_URL_NAMES, needs=Capability.READ_TEAM))
        panels.register_team_panel("reviews/retro/_health_trend.html", retro_selectors.health_panel)

        self._register_scheduled_kinds()
        self._register_calendar_source()

    def _register_calendar_source(self) -> None:
        """Review sessions in each person's calendar feed (notifications/calendar.py)."""
        from notifications import services as notifications
        from reviews.calendar import review_sessions

        notifications.register_calendar_source(review_sessions)

    def _register_scheduled_kinds(self) -> None:
        """The scheduler's kinds (reviews.tasks) and what `manage.py schedule_preview` shows of them."""
        from alignment import schedule
        from notifications import services as notifications
        from reviews import rollover
        from reviews.notices import RETRO_STARTED

        notifications.register_kind(rollover.SESSION, "Retrospective reminders", reminder=True,
                                    description="The day before your team's retrospective.")
        notifications.register_kind(RETRO_STARTED, "Retrospective starting",
                                    description="A facilitator started your team's retrospective: join it.")
        notifications.register_kind(rollover.ROLLOVER, "Cycle rollovers",
                                    description="When a review cycle ends and the next one opens.")
        schedule.register_preview(rollover.next_times)

        from notifications import webhooks
        from reviews.webhooks import RETRO_SUMMARY

        webhooks.register_webhook_event(RETRO_SUMMARY, "Retrospective summary",
                                        "When a retrospective closes: its themes by votes and its actions, "
                                        "never who wrote a card.")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after check-ins: two reviewed cycles per team, and a session to run."""
        from reviews.demo import seed_retrospectives

        seed_retrospectives(organisation)


# The retrospective pages: the "Retrospectives" link is the current page on each of them.
RETROSPECTIVE_URL_NAMES = (
    "retrospectives", "retro_start", "retrospective", "retro_card_edit", "retro_summary",
)


def _on_charter_ratified(sender, *, charter, **kwargs) -> None:
    from reviews.services import join_open_cycle

    join_open_cycle(charter=charter)

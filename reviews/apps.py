from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        # Its part of "Download my data" (alignment/data_export.py).
        from alignment.data_export import register_export_source
        from reviews import export

        register_export_source("reviews", export.collect)
        # What erasing a person does to its rows (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from reviews import erase

        register_eraser("reviews", erase.erase)
        from alignment.erasure import register_words_retention

        register_words_retention("checkins in closed cycles", erase.erase_checkin_words)

        from alignment import panels
        from charters.signals import charter_ratified
        from reviews import selectors, services, urls
        from reviews.retro.selectors import health_panel, health_panel_reads

        # Sent by `charters.services.ratify` inside the ratifying transaction: the ratified version's
        # goals join the team's open review cycle (its first cycle opens then).
        charter_ratified.connect(services.on_charter_ratified, dispatch_uid="reviews.join_open_cycle")

        panels.register_tabs(urls.app_name, urls.tabs)
        from alignment.my_week import register_week_source
        from reviews import my_week

        register_week_source(my_week.source)
        register_week_source(my_week.triggers)
        from charters.panels import register_charter_panel

        register_charter_panel("reviews/_charter_review.html", selectors.charter_review_panel,
                               selectors.charter_review_panel_reads)
        panels.register_team_panel("reviews/_team_panel.html", selectors.team_panel, selectors.team_panel_reads)
        panels.register_team_panel("reviews/retro/_health_trend.html", health_panel, health_panel_reads)

        self._register_scheduled_kinds()
        self._register_calendar_source()

    def _register_calendar_source(self) -> None:
        """Review sessions in each person's calendar feed (notifications/calendar.py)."""
        from notifications import services as notifications
        from reviews.calendar import charter_review_dates, review_sessions

        notifications.register_calendar_source(review_sessions)
        notifications.register_calendar_source(charter_review_dates)

    def _register_scheduled_kinds(self) -> None:
        """The scheduler's kinds (reviews.tasks) and what `manage.py schedule_preview` shows of them."""
        from alignment import schedule
        from notifications import services as notifications
        from reviews import rollover, triggers
        from reviews.notices import ACTION_COMMENTED, RETRO_STARTED

        notifications.register_kind(rollover.SESSION, "Retrospective reminders", reminder=True,
                                    description="The day before your team's retrospective.",
                                    audience=notifications.ANYONE)
        notifications.register_kind(RETRO_STARTED, "Retrospective starting",
                                    description="A facilitator started your team's retrospective: join it.",
                                    audience=notifications.ANYONE)
        notifications.register_kind(rollover.ROLLOVER, "Cycle rollovers",
                                    description="When a review cycle ends and the next one opens.",
                                    audience=notifications.ANYONE)
        notifications.register_kind(ACTION_COMMENTED, "Retrospective actions on the amendment",
                                    description="For leaders: a retrospective agreed a change to the charter, "
                                                "added as a comment on the amendment.",
                                    audience=notifications.LEADER)
        schedule.register_preview(rollover.next_times)
        notifications.register_kind(triggers.TRIGGER, "The charter asks to be revisited",
                                    description="For leaders: a non-negotiable strained week after week, "
                                                "“unclear who decides” again and again, the review date come, "
                                                "or many who consented gone: with the evidence.",
                                    audience=notifications.LEADER)
        schedule.register_preview(triggers.next_times)

        from notifications import webhooks
        from reviews.webhooks import CYCLE_CLOSED, RETRO_SUMMARY

        webhooks.register_webhook_event(CYCLE_CLOSED, "Cycle closed",
                                        "When a review cycle closes (a leader, or the scheduler at its end): "
                                        "how many key results reached their target, and the next cycle.",
                                        type="cycle.closed")
        webhooks.register_webhook_event(RETRO_SUMMARY, "Retrospective closed",
                                        "When a retrospective closes: its themes by votes and its actions, "
                                        "never who wrote a card.", type="retrospective.closed")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after check-ins: two reviewed cycles per team, and a session to run."""
        from reviews.demo import seed_retrospectives, seed_review_triggers

        seed_retrospectives(organisation)
        seed_review_triggers(organisation)

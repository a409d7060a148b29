from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        from alignment import panels
        from checkins import urls

        panels.register_tabs(urls.app_name, urls.tabs)

        # Notifications (notifications/services.py): the kinds check-ins send.
        from checkins.services import CHECKIN_REPLY, COMMITMENT_REQUEST, RENEGOTIATION
        from notifications import services as notifications

        notifications.register_kind(CHECKIN_REPLY, "Replies to your check-in",
                                    description="A leader answered something you wrote in a check-in.")
        notifications.register_kind(COMMITMENT_REQUEST, "Commitment requests",
                                    description="Someone asks you to commit to something, or hands one over to you.")
        notifications.register_kind(RENEGOTIATION, "Renegotiations",
                                    description="For leaders, a request to change a commitment; for its owner, "
                                                "the answer.")

        self._register_scheduled_kinds()
        self._register_calendar_source()

    def _register_calendar_source(self) -> None:
        """Check-in deadlines in each person's calendar feed (notifications/calendar.py)."""
        from checkins.calendar import checkin_deadlines
        from notifications import services as notifications

        notifications.register_calendar_source(checkin_deadlines)

    def _register_scheduled_kinds(self) -> None:
        """The scheduler's kinds (checkins.tasks) and what `manage.py schedule_preview` shows of them."""
        from alignment import schedule
        from checkins import reminders
        from notifications import services as notifications

        notifications.register_kind(reminders.REMINDER, "Check-in reminders", reminder=True,
                                    description="At your team's check-in time, when you have not checked in.")
        notifications.register_kind(reminders.NUDGE, "Check-in nudges", reminder=True,
                                    description="Once before the week closes, if your check-in is still missing.")
        notifications.register_kind(reminders.DIGEST, "Leader digest",
                                    description="Each week for leaders: who checked in, blockers, renegotiations, "
                                                "falling confidence and strained non-negotiables.")
        schedule.register_preview(reminders.next_times)

        from checkins.webhooks import WEEK_SUMMARY
        from notifications import webhooks

        webhooks.register_webhook_event(WEEK_SUMMARY, "Check-in summary",
                                        "Each week, with the leaders' digest: how many checked in, open "
                                        "blockers, falling confidence. Counts only, never anyone's words.")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters and decisions: twelve weeks of check-ins."""
        from checkins.demo import seed_checkins

        seed_checkins(organisation)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        # Its part of "Download my data" (alignment/data_export.py).
        from alignment.data_export import register_export_source
        from checkins import export

        register_export_source("checkins", export.collect)
        # What erasing a person does to its rows (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from checkins import erase

        register_eraser("checkins", erase.erase)

        from alignment import panels
        from checkins import urls

        panels.register_tabs(urls.app_name, urls.tabs)
        from alignment.my_week import register_week_source
        from checkins import my_week

        register_week_source(my_week.source)

        # Notifications (notifications/services.py): the kinds check-ins send.
        from checkins.services import (
            BLOCKER_NAMED,
            BLOCKER_RESOLVED,
            CHECKIN_REPLY,
            COMMITMENT_REQUEST,
            RENEGOTIATION,
        )
        from notifications import services as notifications

        # Who writes check-ins (`Capability.CHECK_IN`): what is about one's own check-in is for them.
        CHECKS_IN = (notifications.MEMBER, notifications.FACILITATOR)

        notifications.register_kind(CHECKIN_REPLY, "Replies to your check-in",
                                    description="A leader answered something you wrote in a check-in.",
                                    audience=CHECKS_IN)
        notifications.register_kind(COMMITMENT_REQUEST, "Commitment requests",
                                    description="Someone asks you to commit to something, or hands one over to you.",
                                    audience=notifications.ANYONE)
        notifications.register_kind(RENEGOTIATION, "Renegotiations",
                                    description="For leaders, a request to change a commitment; for its owner, "
                                                "the answer.", audience=notifications.ANYONE)
        from checkins.services import COMMITMENT_OVERLOAD

        notifications.register_kind(COMMITMENT_OVERLOAD, "Commitments taken on while overloaded",
                                    description="For leaders: someone whose check-in says they are overloaded "
                                                "took on a commitment anyway, and why.",
                                    audience=notifications.LEADER)
        notifications.register_kind(BLOCKER_NAMED, "Blockers you could help with",
                                    description="Someone's check-in names you as who could help with what is in "
                                                "their way (the team's leaders, when it names nobody).",
                                    audience=notifications.ANYONE)
        notifications.register_kind(BLOCKER_RESOLVED, "Blockers resolved",
                                    description="Someone resolved a blocker you raised, or one you were named as "
                                                "who could help with, and said how.",
                                    audience=notifications.ANYONE)

        self._register_scheduled_kinds()
        self._register_calendar_source()
        self._register_email_replies()

        # Someone leaving a team hands their commitments and blockers to a leader (alignment.services).
        from alignment.signals import member_carries, member_leaving
        from checkins.services import carried_by, hand_over_on_leaving

        member_leaving.connect(hand_over_on_leaving, dispatch_uid="checkins.hand_over_on_leaving")
        member_carries.connect(carried_by, dispatch_uid="checkins.carried_by")

    def _register_email_replies(self) -> None:
        """Checking in by replying to the reminder (checkins/replies.py): the reminder's Reply-To, the kind that
        tells the person what came of their reply, and erasing the record of their replies."""
        from alignment.erasure import register_eraser
        from checkins import reminders, replies
        from notifications import services as notifications

        register_eraser("checkin e-mail replies", replies.erase)
        notifications.register_reply_to(reminders.REMINDER, replies.reminder_reply_to)
        notifications.register_reply_to(reminders.NUDGE, replies.reminder_reply_to)
        notifications.register_kind(replies.CHECKIN_BY_EMAIL, "Check-ins by e-mail",
                                    description="When you reply to a check-in reminder: your reply is in your "
                                                "draft, with a link to finish or confirm it.",
                                    audience=(notifications.MEMBER, notifications.FACILITATOR))

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
                                    description="At your team's check-in time, when you have not checked in.",
                                    audience=(notifications.MEMBER, notifications.FACILITATOR))
        notifications.register_kind(reminders.NUDGE, "Check-in nudges", reminder=True,
                                    description="Once before the week closes, if your check-in is still missing.",
                                    audience=(notifications.MEMBER, notifications.FACILITATOR))
        notifications.register_kind(reminders.DIGEST, "Leader digest",
                                    description="Each week for leaders: who checked in, blockers, renegotiations, "
                                                "falling confidence and strained non-negotiables.",
                                    audience=notifications.LEADER)
        schedule.register_preview(reminders.next_times)

        from checkins import commitment_reminders

        notifications.register_kind(commitment_reminders.COMMITMENT_DUE, "Commitments coming due", reminder=True,
                                    description="The day before one of your commitments is due, and on the day.",
                                    audience=notifications.ANYONE)
        schedule.register_preview(commitment_reminders.next_times)

        from checkins.webhooks import COMMITMENT_CHANGED, SUBMITTED, WEEK_SUMMARY
        from notifications import webhooks

        webhooks.register_webhook_event(WEEK_SUMMARY, "Check-in summary",
                                        "Each week, with the leaders' digest: how many checked in, open "
                                        "blockers, falling confidence. Counts only, never anyone's words.",
                                        type="checkin.week_summary")
        webhooks.register_webhook_event(SUBMITTED, "Check-in submitted",
                                        "Each time someone submits (or updates) their check-in: who, for "
                                        "which week, late or not. Never what it says.",
                                        type="checkin.submitted", chat=False)
        webhooks.register_webhook_event(COMMITMENT_CHANGED, "Commitment changed",
                                        "A commitment made, asked for, accepted, declined, done, or "
                                        "renegotiated.", type="commitment.changed", chat=False)

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters and decisions: twelve weeks of check-ins."""
        from checkins.demo import seed_checkins

        seed_checkins(organisation)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AsksConfig(AppConfig):
    name = "asks"
    verbose_name = _("Requests between teams")

    def ready(self) -> None:
        # Its part of "Download my data" (alignment/data_export.py).
        from alignment.data_export import register_export_source
        from asks import export

        register_export_source("asks", export.collect)
        # What erasing a person does to its rows (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from asks import erase

        register_eraser("asks", erase.erase)

        from alignment import panels, schedule
        from alignment.my_week import register_week_source
        from asks import my_week, notices, receivers, reminders, selectors, urls
        from asks.models import Ask
        from checkins import pulse
        from decisions.signals import outcome_recorded
        from notifications import services as notifications
        from reviews import triggers as review_triggers

        panels.register_tabs(urls.app_name, urls.tabs)
        register_week_source(my_week.source)
        schedule.register_preview(reminders.next_times)
        pulse.register_unclear_source(selectors.unclear_in_pulse, selectors.unclear_in_pulse_reads)
        from asks import signals
        from charters.organisation_map import register_signal_source

        register_signal_source(signals.overdue_consultations)  # on the alignment map, beside charters' own
        review_triggers.register_unclear_count("requests from other teams", Ask.objects.unclear,
                                               team="receiving_team", at="created_at")
        for key, label, description, audience, reminder in notices.KINDS:
            notifications.register_kind(key, label, description=description, audience=audience, reminder=reminder)
        # A request that landed in the decision log is answered by the final call on its decision.
        outcome_recorded.connect(receivers.decision_outcome_recorded, dispatch_uid="asks.follow_decision")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters and decisions: a consultation from Platform to Growth."""
        from asks.demo import seed_asks

        seed_asks(organisation)

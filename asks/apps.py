from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AsksConfig(AppConfig):
    name = "asks"
    verbose_name = _("Requests between teams")

    def ready(self) -> None:
        from alignment import panels, schedule
        from alignment.my_week import register_week_source
        from asks import my_week, notices, receivers, reminders, selectors, urls
        from checkins import pulse
        from decisions.signals import outcome_recorded
        from notifications import services as notifications

        panels.register_tabs(urls.app_name, urls.tabs)
        register_week_source(my_week.week_items)
        schedule.register_preview(reminders.next_times)
        pulse.register_unclear_source(selectors.unclear_in_pulse)
        for key, label, description, audience, reminder in notices.KINDS:
            notifications.register_kind(key, label, description=description, audience=audience, reminder=reminder)
        # A request that landed in the decision log is answered by the final call on its decision.
        outcome_recorded.connect(receivers.decision_outcome_recorded, dispatch_uid="asks.follow_decision")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters and decisions: a consultation from Platform to Growth."""
        from asks.demo import seed_asks

        seed_asks(organisation)

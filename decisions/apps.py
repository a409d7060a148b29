from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decision log")

    def ready(self) -> None:
        # Its part of "Download my data" (alignment/data_export.py).
        from alignment.data_export import register_export_source
        from decisions import export

        register_export_source("decisions", export.collect)
        # What erasing a person does to its rows (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from decisions import erase

        register_eraser("decisions", erase.erase)

        from alignment import panels
        from decisions import urls

        panels.register_tabs(urls.app_name, urls.tabs)
        from alignment.my_week import register_week_source
        from decisions import my_week
        from decisions.calendar import review_dates
        from notifications import services as notifications

        register_week_source(my_week.source)
        notifications.register_calendar_source(review_dates)

        # A proposal logged is posted to the team's webhooks that want it (`services.log_decision` posts it).
        from decisions import webhooks as decision_webhooks
        from notifications import webhooks

        webhooks.register_webhook_event(decision_webhooks.LOGGED, "Decision logged",
                                        "A proposal logged with the verdict the purpose gives it.",
                                        type="decision.logged")

    def seed_demo(self, organisation) -> None:
        """Asked by `manage.py seed_demo` after charters: decisions judged against each demo charter."""
        from decisions.demo import seed_decisions

        seed_decisions(organisation)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Telling people things: the notification centre, e-mail, the calendar feed and team webhooks.

    Feature apps register their notification kinds, calendar sources and webhook events here from
    their own `ready()`; this app imports none of them.
    """

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from alignment import page_cache
        from notifications import context_processors, services, tasks, webhooks

        services.register_kind(webhooks.WEBHOOK_DISABLED, "Chat webhook turned off",
                               description="For a team's leaders: its chat webhook kept failing and was turned off.")
        page_cache.register_bell(context_processors.render_bell)
        # Known to Celery in every process, so that `notifications.queue` finds them by name.
        assert tasks.send_notification_email.name == "notifications.tasks.send_notification_email"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Telling people things: the notification centre, e-mail, the calendar feed and team webhooks.

    Feature apps register their notification kinds, calendar sources and webhook events here from
    their own `ready()`; this app imports none of them.
    """

    name = "notifications"
    verbose_name = _("Notifications")

    def demo_context(self):
        """Asked by `manage.py seed_demo`: what the demo's events tell people shows in the app; nobody is emailed."""
        from notifications import services

        return services.in_app_only("demo data")

    def ready(self) -> None:
        # Its part of "Download my data" (alignment/data_export.py).
        from alignment.data_export import register_export_source
        from notifications import export

        register_export_source("notifications", export.collect)
        # What erasing a person does to its rows (alignment/erasure.py).
        from alignment.erasure import register_eraser
        from notifications import erase

        register_eraser("notifications", erase.erase)

        from alignment import panels
        from alignment.permissions import register_person_rider
        from notifications.context_processors import UNREAD
        from notifications.services import unread_count_of

        # The bell's number rides on the memberships query every page with the header runs.
        register_person_rider(UNREAD, unread_count_of)

        # Celery knows these tasks in every process (web included): notifications.queue finds them by name.
        from notifications import (
            services,
            tasks,  # noqa: F401
            webhooks,
        )

        services.register_kind(webhooks.WEBHOOK_DISABLED, "Chat webhook turned off",
                               description="For a team's leaders: its chat webhook kept failing and was turned off.",
                               audience=services.LEADER)

        # The core tells of a person joining a team; its leaders hear of it from here (notifications/joins.py).
        from alignment.signals import member_joined
        from notifications import joins

        services.register_kind(joins.MEMBER_JOINED, "People joining your team",
                               description="For a team's leaders: someone accepted an invitation to the team.",
                               audience=services.LEADER)
        member_joined.connect(joins.tell_leaders, dispatch_uid="notifications.tell_leaders_of_join")
        # The team's settings page offers the team's chat webhooks.
        panels.register_team_settings_section("notifications/_team_settings_webhooks.html")

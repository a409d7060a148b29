from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from alignment.models import Membership


def navigation(request):
    """The signed-in person's teams for the team switcher (archived ones left out); queried only if a page shows it."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}

    def my_teams():
        return list(
            Membership.objects.filter(user=user)
            .in_active_teams()
            .select_related("team__organisation")
            .order_by("team__organisation__name", "team__name")
        )

    def unread_notifications() -> int:
        from alignment.notifications import unread_count

        return unread_count(user)

    # The bell's number: one query, on every page that shows the header.
    return {"nav_memberships": SimpleLazyObject(my_teams),
            "unread_notifications": SimpleLazyObject(unread_notifications)}

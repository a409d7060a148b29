from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from alignment import permissions
from alignment.models import Membership


def switcher_memberships(user) -> list[Membership]:
    """The person's teams at work, as the header's team switcher lists them (one query)."""
    return permissions.for_switcher(permissions.memberships_of(user))


def navigation(request):
    """The signed-in person's teams for the team switcher (archived ones left out); queried only if a page shows it."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}

    def my_teams():
        return switcher_memberships(user)

    return {"nav_memberships": SimpleLazyObject(my_teams)}

"""Row locks on charters, one function per lockable queryset.

Always taken in this order (after the core's, see `alignment/locks.py`):

team → charter → goal → the items of one list → responses.

Each function locks and reads; none of them writes. A function returns None (or an
empty list) when the rows are gone, so the caller can refuse in the person's words
instead of failing.
"""

from __future__ import annotations

from charters.models import Charter, CharterItem, Goal, Response


def lock_charter(charter_pk: int) -> Charter | None:
    # `of` keeps PostgreSQL from also locking the joined team and organisation rows.
    return (
        Charter.objects.select_for_update(of=("self",)).select_related("team__organisation")
        .filter(pk=charter_pk).first()
    )


def lock_goal(goal_pk: int, *, charter: Charter) -> Goal | None:
    return Goal.objects.select_for_update().filter(pk=goal_pk, charter=charter).first()


def lock_list(model: type[CharterItem], parent_pk: int) -> list[CharterItem]:
    """Every item of one list (a charter's non-negotiables, a goal's key results...) in order."""
    return list(model.objects.select_for_update().filter(**{model.parent_field: parent_pk}).order_by("position", "pk"))


def lock_response(response_pk: int, *, charter: Charter) -> Response | None:
    return Response.objects.select_for_update().select_related("member").filter(pk=response_pk, charter=charter).first()


def lock_member_response(charter: Charter, member) -> Response | None:
    return Response.objects.select_for_update().filter(charter=charter, member=member).first()

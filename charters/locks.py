"""Row locks on charters, one function per lockable queryset.

Always taken in this order (after the core's, see `alignment/locks.py`):

team → charter → goal → the items of one list → responses.

The team's row comes first also where only a charter's readings are written: the database writes the team's row as
its confidence starts or stops falling (`Team.confidence_falling`, charters' migration 0017).

The organisation's goals are locked on their own, after the core's organisation lock: the
organisation's goals (a list) → one organisation goal → its key results. A team goal newly naming
an organisation goal locks that goal after its charter (charter → organisation goal), so an admin
closing it waits or is seen; nothing locks a charter while holding an organisation goal.

Each function locks and reads; none of them writes. A function returns None (or an
empty list) when the rows are gone, so the caller can refuse in the person's words
instead of failing.
"""

from __future__ import annotations

from alignment.locks import lock_organisation
from alignment.models import Team
from charters.models import Charter, CharterItem, Goal, OrganisationGoal, OrganisationKeyResult, Response


def lock_charter(charter_pk: int) -> Charter | None:
    # `of` keeps PostgreSQL from also locking the joined team and organisation rows.
    return (
        Charter.objects.select_for_update(of=("self",)).select_related("team__organisation")
        .filter(pk=charter_pk).first()
    )


def hold_team_of_key_result(key_result_pk: int) -> tuple[int, int, int | None] | None:
    """The team of a key result's charter held (`alignment.locks.hold_team_row`), before its charter is locked:
    (team, charter, lineage) ids, read in the same statement. None when the key result is gone."""
    return (Team.objects.select_for_update(no_key=True, of=("self",)).filter(charters__goals__key_results=key_result_pk)
            .order_by().values_list("pk", "charters__pk", "charters__goals__key_results__lineage_id").first())


def lock_charter_in_force(team_pk: int) -> Charter | None:
    return Charter.objects.select_for_update().filter(team_id=team_pk).active().order_by("pk").first()


def lock_goal(goal_pk: int, *, charter: Charter) -> Goal | None:
    return Goal.objects.select_for_update().filter(pk=goal_pk, charter=charter).first()


def lock_list(model: type[CharterItem], parent_pk: int) -> list[CharterItem]:
    """Every item of one list (a charter's non-negotiables, a goal's key results...) in order."""
    return list(model.objects.select_for_update().filter(**{model.parent_field: parent_pk}).order_by("position", "pk"))


def lock_response(response_pk: int, *, charter: Charter) -> Response | None:
    return Response.objects.select_for_update().select_related("member").filter(pk=response_pk, charter=charter).first()


def lock_member_response(charter: Charter, member) -> Response | None:
    return Response.objects.select_for_update().filter(charter=charter, member=member).first()


def lock_organisation_goals(organisation_pk: int) -> list[OrganisationGoal]:
    """Every goal of the organisation, open or closed, in order: for a new goal's place and for moving one.

    The organisation's row first: with no goal yet there is no row to lock, and two first goals would
    both take the first place."""
    lock_organisation(organisation_pk)
    return list(OrganisationGoal.objects.select_for_update().filter(organisation_id=organisation_pk)
                .order_by("position", "pk"))


def lock_organisation_goal(goal_pk: int, *, organisation_pk: int) -> OrganisationGoal | None:
    return OrganisationGoal.objects.select_for_update().filter(pk=goal_pk, organisation_id=organisation_pk).first()


def lock_organisation_key_results(goal_pk: int) -> list[OrganisationKeyResult]:
    return list(OrganisationKeyResult.objects.select_for_update().filter(goal_id=goal_pk).order_by("position", "pk"))


def lock_organisation_key_result(key_result_pk: int, *, goal: OrganisationGoal) -> OrganisationKeyResult | None:
    return OrganisationKeyResult.objects.select_for_update().filter(pk=key_result_pk, goal=goal).first()

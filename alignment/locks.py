"""Row locks on the core's tables. Locks are always taken in this order, across every app:

organisation → its admins → team (two teams: by id) → leaders of the team → (feature apps' rows, see e.g.
`charters/locks.py`).

Each function locks one queryset and reads it; none of them writes. Call them inside
`transaction.atomic()`; on SQLite (development) `select_for_update` is a no-op and
SQLite's single writer serialises instead.
"""

from __future__ import annotations

from alignment.models import Membership, Organisation, Team


def lock_organisation(organisation_pk: int) -> Organisation | None:
    return Organisation.objects.select_for_update().filter(pk=organisation_pk).first()


def lock_admins(organisation: Organisation) -> list[int]:
    """The ids of the organisation's admins, their rows locked in a stable order so two removals serialise."""
    through = Organisation.admins.through
    return list(through.objects.select_for_update().filter(organisation=organisation).order_by("pk")
                .values_list("user_id", flat=True))


def lock_team(team_pk: int) -> Team | None:
    # `of` keeps PostgreSQL from also locking the joined organisation row.
    return Team.objects.select_for_update(of=("self",)).select_related("organisation").filter(pk=team_pk).first()


def hold_team_row(team_pk: int) -> Team | None:
    """The team's row held against other writes of it (`FOR NO KEY UPDATE`), at the team's place in the lock order,
    by a transaction that may have the database write it (`Team.confidence_falling`, kept by triggers): rows naming
    the team may still be added meanwhile, which `lock_team` holds off. Read: whether a charter is in force."""
    return (Team.objects.select_for_update(no_key=True, of=("self",)).only("pk", "charter_in_force")
            .filter(pk=team_pk).order_by("pk").first())


def lock_leaders(team: Team) -> list[Membership]:
    """The team's leader memberships, locked in a stable order so concurrent demotions serialise."""
    return list(Membership.objects.select_for_update().filter(team=team).leaders().order_by("pk"))

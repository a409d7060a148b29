"""Row locks on check-ins, taken after the core's and the charters' (see `alignment/locks.py`)."""

from __future__ import annotations

from checkins.models import Blocker, CheckIn, Commitment, Renegotiation


def lock_checkin(checkin_pk: int) -> CheckIn | None:
    return CheckIn.objects.select_for_update(of=("self",)).select_related("team", "acknowledged_by").filter(
        pk=checkin_pk).first()


def lock_blocker(blocker_pk: int, *, team) -> Blocker | None:
    return Blocker.objects.select_for_update().filter(pk=blocker_pk, team=team).first()


def lock_commitment(commitment_pk: int, *, team) -> Commitment | None:
    return Commitment.objects.select_for_update(of=("self",)).select_related("team").filter(
        pk=commitment_pk, team=team).first()


def lock_renegotiation(renegotiation_pk: int, *, team) -> Renegotiation | None:
    """Taken after its commitment's lock, never before."""
    return Renegotiation.objects.select_for_update(of=("self",)).select_related("decided_by").filter(
        pk=renegotiation_pk, commitment__team=team).first()


def lock_carried_blockers(blocker_pks, *, team, author, before) -> list[Blocker]:
    """Of `blocker_pks`, the author's still-open blockers from their submitted check-ins of weeks before `before`
    (a Monday), locked in id order, with their check-ins and who could help (read, not locked); taken after the
    check-in's lock."""
    return list(Blocker.objects.select_for_update(of=("self",)).select_related("check_in", "who_could_help").filter(
        pk__in=blocker_pks, team=team, check_in__author=author, check_in__week__lt=before,
        check_in__state=CheckIn.State.SUBMITTED, resolved_at__isnull=True).order_by("pk"))

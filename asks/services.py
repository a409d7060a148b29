"""Actions on requests between teams: asking, answering, consultation input, withdrawing, and following a decision.

Each owns its transaction, locks the ask (`asks/locks.py`) and reads it again before changing it, refuses in
the person's words when the world changed under them, and tells whoever must hear (`asks/notices.py`) inside
the same transaction.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.models import Membership
from asks import notices
from asks.locks import lock_ask
from asks.models import Ask, AskComment, Route
from charters.models import Boundary, Charter
from charters.organisation_map import forget_signals
from decisions import services as decision_services
from decisions.models import Decision

__all__ = ["ActionRefused", "add_comment", "answer_ask", "follow_decision", "send_ask", "withdraw_ask"]

ARCHIVED = "{team} is archived, so nothing can be asked of it or answered there."


def _refuse_if_archived(*teams) -> None:
    for team in teams:
        if team.is_archived:
            raise ActionRefused(ARCHIVED.format(team=team.name))


class AlreadyAsked(ActionRefused):
    """The same form was submitted again (Back and resubmit, a double click): `ask` is what the first one asked."""

    def __init__(self, ask: Ask):
        super().__init__("This request was already sent.")
        self.ask = ask


def send_ask(*, asker, asking_team, receiving_team, kind: str, title: str, body: str = "",
             boundary: Boundary | None, due_on: datetime.date | None = None, purpose_effect: str = "",
             metric_effect: str = "", idempotency_key: uuid.UUID | None = None) -> Ask:
    """Ask `receiving_team`, from `asking_team`, routed by the boundary picked of its charter in force.

    *fixed* → its leaders, for the owner the boundary names; *consult* → its leaders, with a due date;
    *team decides* → a proposal in its decision log, judged by its purpose with `purpose_effect` and
    `metric_effect` (`decisions.services.log_decision`); no boundary, or an unlabelled one → unclear who decides.
    The form's `idempotency_key` makes a second submit of the same form raise AlreadyAsked (the unique
    constraint is the one check, so two submits at the same instant ask once and log one decision).
    """
    if asking_team.pk == receiving_team.pk or asking_team.organisation_id != receiving_team.organisation_id:
        raise ActionRefused("Ask another team of your organisation.")
    _refuse_if_archived(asking_team, receiving_team)
    in_teams = set(Membership.objects.filter(user=asker, team__in=[asking_team, receiving_team])
                   .values_list("team_id", flat=True))
    if receiving_team.pk in in_teams:
        raise ActionRefused(f"You are in {receiving_team.name}: raise it inside the team.")
    if asking_team.pk not in in_teams:
        raise ActionRefused(f"You are no longer in {asking_team.name}; ask from a team you are in.")
    route, area, set_by, picked = Route.UNCLEAR, "", "", None
    if boundary is not None:
        in_force = Boundary.objects.filter(pk=boundary.pk, charter__team=receiving_team,
                                           charter__state=Charter.State.RATIFIED).first()
        if in_force is None:
            raise ActionRefused(f"{receiving_team.name}'s charter changed while you were writing: "
                                "choose the area of work again.")
        route = in_force.label or Route.UNCLEAR  # an unlabelled boundary does not say who decides
        area, set_by, picked = in_force.area, in_force.set_by, in_force
    if route == Route.CONSULT:
        if due_on is None:
            raise ActionRefused("Say by when the team should decide, after consulting you.")
        if due_on < timezone.localdate(timezone=receiving_team.zone):
            raise ActionRefused("The day to decide by has passed: choose today or later.")
    else:
        due_on = None
    if route == Route.TEAM_DECIDES and not (purpose_effect in Decision.PurposeEffect.values
                                            and metric_effect in Decision.MetricEffect.values):
        raise ActionRefused(f"{receiving_team.name} decides this by its purpose: say how it bears on their "
                            "purpose and their metrics.")
    try:
        with transaction.atomic():  # the decision, the ask and its notice, or none of them
            decision = None
            if route == Route.TEAM_DECIDES:
                decision = decision_services.log_decision(
                    team=receiving_team, actor=asker, title=f"{asking_team.name} asks: {title}"[:200],
                    description=body, purpose_effect=purpose_effect, metric_effect=metric_effect)
            ask = Ask.objects.create(
                asking_team=asking_team, receiving_team=receiving_team, asked_by=asker, kind=kind, title=title,
                body=body, boundary=picked, area=area, set_by=set_by, route=route, due_on=due_on,
                decision=decision, created_at=timezone.now(), idempotency_key=idempotency_key)
            notices.tell_received(ask)
            forget_signals(receiving_team.organisation_id)  # an overdue consultation is a signal on the map
    except IntegrityError:
        earlier = (Ask.objects.filter(asking_team=asking_team, idempotency_key=idempotency_key).first()
                   if idempotency_key else None)
        if earlier is None:
            raise
        raise AlreadyAsked(earlier) from None
    return ask


def _locked_open(ask: Ask) -> Ask:
    locked = lock_ask(ask.pk)
    if locked is None:
        raise ActionRefused("This request is gone.")
    _refuse_if_archived(locked.asking_team, locked.receiving_team)
    if locked.is_withdrawn:
        raise ActionRefused("The asker withdrew this request: nothing is asked any more.")
    if not locked.is_open:
        who = locked.answered_by.name if locked.answered_by else "The team"
        raise ActionRefused(f"{who} already answered: {locked.get_state_display()} — “{locked.answer}”.")
    return locked


def answer_ask(*, ask: Ask, actor, state: str, answer: str) -> Ask:
    """The receiving team's answer, once: of two leaders answering at once, the second is refused in words."""
    if state not in Ask.ANSWERS:
        raise ActionRefused("Choose whether you accept, decline, or decided otherwise.")
    answer = answer.strip()
    if not answer:
        raise ActionRefused("Say why, in a few words: the asker is told them.")
    with transaction.atomic():
        locked = _locked_open(ask)
        if locked.goes_to_decision_log:
            raise ActionRefused("This request is decided in the decision log: record the final call there.")
        locked.state, locked.answer = state, answer
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.version += 1
        locked.save(update_fields=["state", "answer", "answered_by", "answered_at", "version"])
        notices.tell_answered(locked)
        forget_signals(locked.receiving_team.organisation_id)
    return locked


def follow_decision(*, decision: Decision) -> Ask | None:
    """The final call on an ask's decision is the ask's answer (a changed call changes it); None if no ask follows."""
    with transaction.atomic():
        pk = Ask.objects.filter(decision=decision).values_list("pk", flat=True).first()
        locked = lock_ask(pk) if pk else None
        if locked is None or locked.is_withdrawn:
            return None
        proceeds = decision.outcome == Decision.Outcome.PROCEED
        locked.state = Ask.State.ACCEPTED if proceeds else Ask.State.DECLINED
        locked.answer = decision.outcome_reason or (
            f"{decision.get_outcome_display()}. The verdict by our purpose: {decision.get_verdict_display()} — "
            f"{decision.verdict_reason}")
        locked.answered_by, locked.answered_at = decision.decided_by, decision.decided_at
        locked.version += 1
        locked.save(update_fields=["state", "answer", "answered_by", "answered_at", "version"])
        notices.tell_answered(locked)
        forget_signals(locked.receiving_team.organisation_id)
    return locked


def add_comment(*, ask: Ask, author, body: str) -> AskComment:
    """Consultation input on an open ask, told to the other side."""
    body = body.strip()
    if not body:
        raise ActionRefused("Write something first.")
    with transaction.atomic():
        locked = _locked_open(ask)
        comment = AskComment.objects.create(ask=locked, author=author, body=body, created_at=timezone.now())
        receiving = list(Membership.objects.filter(team=locked.receiving_team).select_related("user").order_by("pk"))
        notices.tell_commented(comment, memberships_of_receiving=receiving)
    return comment


def withdraw_ask(*, ask: Ask, actor) -> Ask:
    """The asker takes the request back while it is open; a decision it logged stays in the log."""
    with transaction.atomic():
        locked = _locked_open(ask)
        if locked.asked_by_id != actor.pk:
            raise ActionRefused("Only who asked may withdraw the request.")
        locked.state = Ask.State.WITHDRAWN
        locked.version += 1
        locked.save(update_fields=["state", "version"])
        notices.tell_withdrawn(locked)
        forget_signals(locked.receiving_team.organisation_id)
    return locked

"""Actions on charters: drafting, proposing, consent, ratification, amendment, decisions.

Each action owns its transaction. Ratified versions are never written to again.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.template.defaultfilters import pluralize
from django.utils import timezone

from alignment.concurrency import save_if_unchanged
from alignment.services import ActionRefused
from charters.completeness import check_charter
from charters.models import (
    Boundary,
    Charter,
    Comment,
    Decision,
    Goal,
    KeyResult,
    NonNegotiable,
    Response,
    judge,
    recommended_outcome,
)
from charters.selectors import load_content
from reviews.services import ensure_open_cycle

# The text sections edited as a whole, with their fields and version counters.
SECTION_FIELDS = {
    "purpose": ["purpose_statement", "purpose_serves", "purpose_outcome", "purpose_refuses"],
    "people": ["people"],
    "process": ["process"],
}

__all__ = ["ActionRefused"]


def _require_editable(charter: Charter) -> None:
    if not charter.is_editable:
        raise ActionRefused(
            f"Version {charter.number} is {charter.get_state_display().lower()} and can no longer change. "
            "Start an amendment to change the charter."
        )


def _lock_editable(charter: Charter) -> None:
    """Refuse unless the version is still draft or proposed in the database; call in a transaction.

    The caller's copy may have been loaded before a ratification, so its own state
    proves nothing. The row lock keeps a ratification out until the change commits.
    """
    state = (
        Charter.objects.select_for_update(of=("self",)).filter(pk=charter.pk).order_by()
        .values_list("state", flat=True).first()
    )
    if state is None:
        raise ActionRefused("This version no longer exists: it was discarded.")
    charter.state = state
    _require_editable(charter)
    if state == Charter.State.PROPOSED:
        # Members who responded before this edit see that the text has changed since.
        charter.edited_at = timezone.now()
        Charter.objects.filter(pk=charter.pk).update(edited_at=charter.edited_at)


def _lock(charter: Charter) -> Charter:
    """Re-read the charter under a row lock so state changes serialise."""
    # `of` keeps PostgreSQL from also locking the joined team and organisation rows.
    return Charter.objects.select_for_update(of=("self",)).select_related("team").get(pk=charter.pk)


def _next_number(team) -> int:
    return (Charter.objects.filter(team=team).aggregate(n=Max("number"))["n"] or 0) + 1


def start_charter(*, team, actor) -> Charter:
    """Start the team's first charter as an empty draft."""
    with transaction.atomic():
        if Charter.objects.filter(team=team).exists():
            raise ActionRefused("This team already has a charter. Amend it instead.")
        return Charter.objects.create(team=team, number=1, created_by=actor)


def start_amendment(*, team, actor, note: str = "") -> Charter:
    """Copy the active version into a new draft; ratifying the draft supersedes it."""
    with transaction.atomic():
        active = Charter.objects.select_for_update().filter(team=team, state=Charter.State.RATIFIED).first()
        if active is None:
            raise ActionRefused("There is no ratified charter to amend yet.")
        if Charter.objects.filter(team=team, state__in=Charter.EDITABLE_STATES).exists():
            raise ActionRefused("An amendment is already in progress. Finish or discard it first.")
        draft = Charter.objects.create(
            team=team, number=_next_number(team), based_on=active, created_by=actor, amendment_note=note,
            **{name: getattr(active, name) for fields in SECTION_FIELDS.values() for name in fields},
        )
        _copy_items(source=active, target=draft)
    return draft


def _copy_items(*, source: Charter, target: Charter) -> None:
    content = load_content(source)
    NonNegotiable.objects.bulk_create(
        NonNegotiable(charter=target, position=i.position, title=i.title, standard=i.standard, why=i.why)
        for i in content.non_negotiables
    )
    Boundary.objects.bulk_create(
        Boundary(charter=target, position=i.position, area=i.area, label=i.label, guardrails=i.guardrails,
                 set_by=i.set_by)
        for i in content.boundaries
    )
    new_goals = Goal.objects.bulk_create(
        Goal(charter=target, cycle_id=g.cycle_id, origin=g, position=g.position, objective=g.objective,
             purpose_part=g.purpose_part, tradeoff=g.tradeoff, owner_id=g.owner_id)
        for g in content.goals
    )
    KeyResult.objects.bulk_create(
        KeyResult(goal=new_goal, origin=kr, position=kr.position, metric=kr.metric, unit=kr.unit,
                  start_value=kr.start_value, target_value=kr.target_value, current_value=kr.current_value,
                  confidence=kr.confidence)
        for old_goal, new_goal in zip(content.goals, new_goals, strict=True)
        for kr in old_goal.key_results_list
    )


def update_section(*, charter: Charter, section: str, expected_version: int, **values) -> Charter:
    """Save one text section unless someone else saved it since the editor loaded it."""
    fields = SECTION_FIELDS[section]
    with transaction.atomic():
        _lock_editable(charter)
        for name in fields:
            setattr(charter, name, values[name])
        save_if_unchanged(charter, expected_version=expected_version, fields=fields,
                          version_field=f"{section}_version")
    return charter


def add_item(*, model, parent, charter: Charter, values: dict):
    """Append a non-negotiable, boundary, goal or key result at the end of its list."""
    parent_field = "goal" if model is KeyResult else "charter"
    with transaction.atomic():
        _lock_editable(charter)
        siblings = model.objects.filter(**{parent_field: parent})
        position = (siblings.aggregate(p=Max("position"))["p"] or 0) + 1
        return model.objects.create(**{parent_field: parent}, position=position, **values)


def update_item(*, item, charter: Charter, expected_version: int, values: dict):
    with transaction.atomic():
        _lock_editable(charter)
        for name, value in values.items():
            setattr(item, name, value)
        save_if_unchanged(item, expected_version=expected_version, fields=list(values))
    return item


def delete_item(*, item, charter: Charter) -> None:
    with transaction.atomic():
        _lock_editable(charter)
        item.delete()


def move_item(*, item, charter: Charter, direction: str) -> None:
    """Swap an item with its neighbour above or below."""
    model = type(item)
    parent_field = "goal" if model is KeyResult else "charter"
    with transaction.atomic():
        _lock_editable(charter)
        siblings = list(
            model.objects.select_for_update().filter(**{parent_field: getattr(item, f"{parent_field}_id")})
            .order_by("position", "pk")
        )
        # Renumber densely first so that equal positions cannot make a swap a no-op.
        index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        moved = []
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                moved.append(sibling)
        model.objects.bulk_update(moved, ["position"])


def propose(*, charter: Charter, actor) -> Charter:
    """Put a draft to the team for comments and consent; the required checks must pass."""
    with transaction.atomic():
        charter = _lock(charter)
        if charter.state != Charter.State.DRAFT:
            raise ActionRefused("Only a draft can be proposed.")
        completeness = check_charter(load_content(charter))
        if not completeness.can_propose:
            missing = "; ".join(check.label for check in completeness.blocking)
            raise ActionRefused(f"Not ready to propose. Still missing: {missing}.")
        charter.state = Charter.State.PROPOSED
        charter.proposed_at = timezone.now()
        charter.save(update_fields=["state", "proposed_at"])
    return charter


def withdraw(*, charter: Charter, actor) -> Charter:
    """Take a proposal back to draft; responses so far are kept for the next proposal."""
    with transaction.atomic():
        charter = _lock(charter)
        if charter.state != Charter.State.PROPOSED:
            raise ActionRefused("Only a proposed charter can be taken back to draft.")
        charter.state = Charter.State.DRAFT
        charter.save(update_fields=["state"])
    return charter


def discard(*, charter: Charter, actor) -> None:
    with transaction.atomic():
        charter = _lock(charter)
        _require_editable(charter)
        charter.delete()


def respond(*, charter: Charter, member, kind: str, reason: str) -> Response:
    """Record (or change) a member's consent or objection to a proposed charter."""
    reason = reason.strip()
    if kind == Response.Kind.OBJECTION and not reason:
        raise ActionRefused("An objection needs a reason: what would harm the team, and what would fix it?")
    with transaction.atomic():
        charter = _lock(charter)
        if charter.state != Charter.State.PROPOSED:
            raise ActionRefused("You can respond only while the charter is proposed.")
        now = timezone.now()
        response, created = Response.objects.select_for_update().get_or_create(
            charter=charter, member=member,
            defaults={"kind": kind, "reason": reason, "created_at": now, "updated_at": now},
        )
        if not created:
            changed = response.kind != kind or response.reason != reason
            response.kind, response.reason, response.updated_at = kind, reason, now
            if changed:
                # A changed objection is a new objection: it needs a fresh answer.
                response.answer, response.answer_text, response.answered_by, response.answered_at = "", "", None, None
            response.save()
    return response


def answer_objection(*, response: Response, actor, answer: str, text: str, seen_reason: str | None = None) -> Response:
    """Answer an objection; `seen_reason` is the objection as the leader read it.

    If the member changed it meanwhile, the answer is refused rather than attached to
    words the leader never saw.
    """
    text = text.strip()
    if not text:
        raise ActionRefused("Explain your answer: what you changed, or why the charter stays as it is.")
    with transaction.atomic():
        charter = _lock(response.charter)
        if charter.state != Charter.State.PROPOSED:
            raise ActionRefused("Objections are answered while the charter is proposed.")
        current = Response.objects.select_for_update().get(pk=response.pk)
        if current.kind != Response.Kind.OBJECTION:
            raise ActionRefused("Only objections are answered; this response is now a consent.")
        if seen_reason is not None and current.reason != seen_reason:
            raise ActionRefused(f"{response.member.name} changed their objection while you were answering. "
                                "Read it again, then answer.")
        response.answer, response.answer_text = answer, text
        response.answered_by, response.answered_at = actor, timezone.now()
        response.save(update_fields=["answer", "answer_text", "answered_by", "answered_at"])
    return response


def ratify(*, charter: Charter, actor) -> Charter:
    """Make a proposed charter the team's active version; the previous one is superseded.

    The team's first ratification opens its first review cycle; goals join the open cycle.
    """
    with transaction.atomic():
        charter = _lock(charter)
        if charter.state != Charter.State.PROPOSED:
            raise ActionRefused("Only a proposed charter can be ratified. Propose it to the team first.")
        open_objections = charter.responses.filter(kind=Response.Kind.OBJECTION, answer="").count()
        if open_objections:
            raise ActionRefused(
                f"{open_objections} objection{pluralize(open_objections)} still "
                f"need{'' if open_objections != 1 else 's'} your answer before the charter can be ratified."
            )
        now = timezone.now()
        Charter.objects.filter(team=charter.team, state=Charter.State.RATIFIED).update(
            state=Charter.State.SUPERSEDED, superseded_at=now
        )
        charter.state, charter.ratified_at, charter.ratified_by = Charter.State.RATIFIED, now, actor
        charter.save(update_fields=["state", "ratified_at", "ratified_by"])
        cycle = ensure_open_cycle(team=charter.team, charter=charter)
        Goal.objects.filter(charter=charter, cycle__isnull=True).update(cycle=cycle)
        _carry_progress(charter)
    return charter


def _carry_progress(charter: Charter) -> None:
    """Bring key results' current values and confidence up to date from the version amended.

    Check-ins may have moved them while the amendment was being drafted. One UPDATE,
    however many key results the charter has.
    """
    origin = KeyResult.objects.filter(pk=OuterRef("origin_id"))
    KeyResult.objects.filter(goal__charter=charter, origin__isnull=False).update(
        current_value=Subquery(origin.values("current_value")[:1]),
        confidence=Subquery(origin.values("confidence")[:1]),
    )


def add_comment(*, charter: Charter, section: str, author, body: str, parent: Comment | None = None) -> Comment:
    body = body.strip()
    if not body:
        raise ActionRefused("Write something before posting a comment.")
    if parent is not None:
        section = parent.section
        if parent.parent_id:  # threads are one level deep: reply to the thread
            parent = parent.parent
    with transaction.atomic():
        if _lock(charter).was_ratified:
            raise ActionRefused("Comments are closed on ratified versions. Start an amendment to propose changes.")
        return Comment.objects.create(charter=charter, section=section, author=author, body=body, parent=parent)


def set_thread_resolved(*, comment: Comment, actor, resolved: bool) -> Comment:
    thread = comment.parent or comment
    thread.resolved_at, thread.resolved_by = (timezone.now(), actor) if resolved else (None, None)
    thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread


def log_decision(*, team, actor, **values) -> Decision:
    """Log a proposal with the verdict the team's purpose gives it."""
    verdict, _reason = judge(values["purpose_effect"], values["metric_effect"])
    if verdict != Decision.Verdict.CONSCIOUS_INVESTMENT:
        values.update(key_result=None, investment_amount="", investment_until=None)
    active = Charter.objects.filter(team=team, state=Charter.State.RATIFIED).first()
    return Decision.objects.create(team=team, charter=active, logged_by=actor, verdict=verdict, **values)


def record_outcome(*, decision: Decision, actor, outcome: str, reason: str) -> Decision:
    """The leader's final call; departing from the verdict needs a written reason."""
    reason = reason.strip()
    if outcome != recommended_outcome(decision.verdict) and not reason:
        raise ActionRefused(
            f"The verdict is “{decision.get_verdict_display()}”. To "
            f"{'proceed' if outcome == Decision.Outcome.PROCEED else 'decline'} anyway, write down why."
        )
    decision.outcome, decision.outcome_reason = outcome, reason
    decision.decided_by, decision.decided_at = actor, timezone.now()
    decision.save(update_fields=["outcome", "outcome_reason", "decided_by", "decided_at"])
    return decision

"""Actions on charters: drafting, proposing, consent, ratification, amendment.

Each action owns its transaction, takes its row locks through `charters/locks.py` (in
the order written there), re-reads what it locked and refuses in the person's words
(`ActionRefused`) when the world changed under them. Ratified versions are never
written to again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import pluralize
from django.utils import timezone

from alignment import audit
from alignment.concurrency import save_if_unchanged
from alignment.errors import ActionRefused, ItemRemoved
from alignment.locks import hold_team_row, lock_team
from alignment.models import AuditKind
from alignment.permissions import ARCHIVED_REFUSAL
from charters import notices, organisation_map, webhooks
from charters.completeness import check_charter
from charters.locks import (
    hold_team_of_key_result,
    lock_charter,
    lock_goal,
    lock_list,
    lock_member_response,
    lock_organisation_goal,
    lock_organisation_goals,
    lock_organisation_key_result,
    lock_organisation_key_results,
    lock_response,
)
from charters.models import (
    Boundary,
    Charter,
    CharterItem,
    Comment,
    ConsentGap,
    Goal,
    KeyResult,
    KeyResultProgress,
    NonNegotiable,
    OrganisationGoal,
    OrganisationKeyResult,
    OrganisationKeyResultReading,
    Response,
    Section,
)
from charters.selectors import Gap, Quorum, consent_gaps, load_content, quorum_of
from charters.signals import charter_ratified
from charters.tags import set_boundary_tags
from charters.versions import section_texts

DISCARDED = "This version no longer exists: it was discarded."


def _locked(charter: Charter) -> Charter:
    """The charter's row, locked and re-read; refused if it was discarded meanwhile."""
    locked = lock_charter(charter.pk)
    if locked is None:
        raise ActionRefused(DISCARDED)
    return locked


def _locked_editable(charter: Charter) -> Charter:
    """Locked, re-read, and still a draft or proposal in the database.

    The caller's copy may have been loaded before a ratification, so its own state
    proves nothing. The lock keeps a ratification out until the change commits.
    """
    locked = _locked(charter)
    refusal = locked.refusal_to_edit()
    if refusal:
        raise ActionRefused(refusal)
    return locked


def _mark_text_changed(charter: Charter) -> None:
    """A new revision of the text: responses given before it are to an earlier text.

    While it is proposed, whoever had consented to an earlier text is asked to confirm (`notices.tell_reconsent`:
    once per response, so a leader's series of edits asks each of them once).
    """
    now = timezone.now()
    changes = {"revision": F("revision") + 1}
    if charter.is_proposed:
        changes["edited_at"] = now
    Charter.objects.filter(pk=charter.pk).update(**changes)
    charter.refresh_from_db(fields=["revision", "edited_at"])
    if charter.is_proposed:
        consents = list(charter.responses.filter(kind=Response.Kind.CONSENT, revision__lt=charter.revision)
                        .select_related("member"))
        if consents:
            notices.tell_reconsent(charter, consents, now=now)


def text_changed_elsewhere(*, charter: Charter) -> None:
    """The version's text or items were changed outside these services (staff, in the admin): a new revision, as an
    edit in the app makes, so that what was kept for the text before it is drawn again (`charters.prose.cache_key`)
    and consent given to the earlier text is asked for again. Only a version still at work changes so."""
    if charter.is_editable:
        _mark_text_changed(charter)


def _next_number(team) -> int:
    last = Charter.objects.filter(team=team).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def start_charter(*, team, actor) -> Charter:
    """Start the team's first charter as an empty draft."""
    with transaction.atomic():
        # Two leaders clicking "Start" at once: the team's lock makes the second see the first's draft.
        if lock_team(team.pk) is None:
            raise ActionRefused("This team no longer exists.")
        if Charter.objects.filter(team=team).exists():
            raise ActionRefused("This team already has a charter. Amend it instead.")
        return Charter.objects.create(team=team, number=1, created_by=actor)


def start_amendment(*, team, actor, note: str = "") -> Charter:
    """Copy the active version into a new draft; ratifying the draft supersedes it."""
    with transaction.atomic():
        if lock_team(team.pk) is None:
            raise ActionRefused("This team no longer exists.")
        active = Charter.objects.active_for(team)
        if active is None:
            raise ActionRefused("There is no ratified charter to amend yet.")
        if Charter.objects.filter(team=team).working().exists():
            raise ActionRefused("An amendment is already in progress. Finish or discard it first.")
        draft = Charter.objects.create(
            team=team, number=_next_number(team), based_on=active, created_by=actor, amendment_note=note,
            **{name: getattr(active, name) for fields in Charter.TEXT_SECTIONS.values() for name in fields},
        )
        _copy_items(source=active, target=draft)
    return draft


def _copy_items(*, source: Charter, target: Charter) -> None:
    content = load_content(source)
    NonNegotiable.objects.bulk_create(
        NonNegotiable(charter=target, position=i.position, title=i.title, standard=i.standard, why=i.why)
        for i in content.non_negotiables
    )
    new_boundaries = Boundary.objects.bulk_create(
        Boundary(charter=target, position=i.position, area=i.area, label=i.label, guardrails=i.guardrails,
                 set_by=i.set_by)
        for i in content.boundaries
    )
    tagged = [item.pk for item in content.boundaries if item.tag_names]
    if tagged:  # their tags go with them: 1 query to read them, 1 to write them
        tags = Boundary.tags.through
        copied = {old.pk: new.pk for old, new in zip(content.boundaries, new_boundaries, strict=True)}
        tags.objects.bulk_create(tags(boundary_id=copied[boundary_id], organisationtag_id=tag_id) for boundary_id, tag_id
                                 in tags.objects.filter(boundary__in=tagged).values_list("boundary_id", "organisationtag_id"))
    new_goals = Goal.objects.bulk_create(
        Goal(charter=target, origin=g, position=g.position, objective=g.objective,
             purpose_part=g.purpose_part, contributes_to_id=g.contributes_to_id, tradeoff=g.tradeoff,
             owner_id=g.owner_id, external_id=g.external_id)
        for g in content.goals
    )
    KeyResult.objects.bulk_create(
        KeyResult(goal=new_goal, origin=kr, lineage_id=kr.lineage_key, position=kr.position, metric=kr.metric,
                  unit=kr.unit, start_value=kr.start_value, target_value=kr.target_value,
                  current_value=kr.current_value, confidence=kr.confidence, external_id=kr.external_id)
        for old_goal, new_goal in zip(content.goals, new_goals, strict=True)
        for kr in old_goal.key_results_list
    )


# Text sections ----------------------------------------------------------------------------------

def _save_section(*, charter: Charter, section: Section, expected_version: int, values: dict[str, str]) -> Charter:
    """Save one text section unless someone else saved it since the editor loaded it."""
    with transaction.atomic():
        locked = _locked_editable(charter)
        for name, value in values.items():
            setattr(locked, name, value)
        save_if_unchanged(locked, expected_version=expected_version, fields=list(values),
                          version_field=Charter.section_version_field(section))
        _mark_text_changed(locked)
    return locked


def update_purpose(*, charter: Charter, expected_version: int, purpose_statement: str, purpose_serves: str,
                   purpose_outcome: str, purpose_refuses: str) -> Charter:
    return _save_section(charter=charter, section=Section.PURPOSE, expected_version=expected_version, values={
        "purpose_statement": purpose_statement, "purpose_serves": purpose_serves,
        "purpose_outcome": purpose_outcome, "purpose_refuses": purpose_refuses,
    })


def update_people(*, charter: Charter, expected_version: int, people: str) -> Charter:
    return _save_section(charter=charter, section=Section.PEOPLE, expected_version=expected_version,
                         values={"people": people})


def update_process(*, charter: Charter, expected_version: int, process: str) -> Charter:
    return _save_section(charter=charter, section=Section.PROCESS, expected_version=expected_version,
                         values={"process": process})


# Section → its save; the fields each takes are `Charter.TEXT_SECTIONS[section]`.
UPDATE_SECTION = {Section.PURPOSE: update_purpose, Section.PEOPLE: update_people, Section.PROCESS: update_process}


# Listed items -----------------------------------------------------------------------------------

def add_item(*, charter: Charter, item: CharterItem, actor=None, tags=None) -> CharterItem:
    """Append `item` (built by its form, not yet saved) at the end of its list; a boundary with `tags`
    (of the organisation's list) carries them.

    A key result added with a current value has it recorded as its first reading (`_record_typed_progress`).
    """
    with transaction.atomic():
        locked = _locked_editable(charter)
        if isinstance(item, KeyResult):
            if lock_goal(item.goal_id, charter=locked) is None:
                raise ItemRemoved("The goal you were adding this key result to was removed meanwhile. "
                                  "Your text is below: add it to another goal.")
        elif item.charter_id != locked.pk:
            raise ActionRefused("This item belongs to another version.")
        if isinstance(item, Goal):
            _check_contribution(locked, item, before=None)
        siblings = lock_list(type(item), item.parent_id)
        item.position = max((s.position for s in siblings), default=0) + 1
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:  # the goal vanished despite the lock (e.g. SQLite): say so, keep the text
            raise ItemRemoved("The goal you were adding this key result to was removed meanwhile.") from None
        if isinstance(item, Boundary) and tags is not None:
            set_boundary_tags(item, tags, organisation_id=charter.team.organisation_id)
        if isinstance(item, KeyResult) and item.lineage_id is None:  # a new key result starts its own lineage
            item.lineage_id = item.pk
            KeyResult.objects.filter(pk=item.pk).update(lineage=item.pk)
        if isinstance(item, KeyResult):
            _record_typed_progress(item, actor=actor, before=(None, ""))
        _mark_text_changed(locked)
    return item


def update_item(*, charter: Charter, item: CharterItem, expected_version: int, actor=None,
                tags=None) -> CharterItem:
    """Save the editable fields of `item` (as its form set them) unless someone saved it first; a boundary
    given `tags` (of the organisation's list) carries exactly those.

    A key result whose current value or confidence changed has it recorded as a reading, once per change
    (`_record_typed_progress`). Raises ConcurrentEditError with the saved row, or ItemRemoved if it was removed.
    """
    with transaction.atomic():
        locked = _locked_editable(charter)
        before = None
        if isinstance(item, KeyResult):
            before = KeyResult.objects.filter(pk=item.pk).values_list("current_value", "confidence").first()
        if isinstance(item, Goal):
            _check_contribution(locked, item, before=Goal.objects.filter(pk=item.pk)
                                .values_list("contributes_to_id", flat=True).first())
        save_if_unchanged(item, expected_version=expected_version, fields=list(item.EDITABLE_FIELDS))
        if isinstance(item, Boundary) and tags is not None:
            set_boundary_tags(item, tags, organisation_id=charter.team.organisation_id)
        if before is not None:
            _record_typed_progress(item, actor=actor, before=before)
        _mark_text_changed(locked)
    return item


def _check_contribution(charter: Charter, goal: Goal, *, before: int | None) -> None:
    """A team goal contributes only to a goal of its own organisation, and newly only to an open one.

    The form offers no other; this holds when a goal was closed while the editor was open, and for
    any caller that is not the form. Keeping a link made before the goal was closed is allowed. The
    organisation goal's row is locked (after the charter's, as everywhere), so an admin closing it at the
    same moment waits for this link to be made, or is seen to have closed it first.
    """
    if goal.contributes_to_id is None:
        return
    found = (OrganisationGoal.objects.select_for_update().filter(pk=goal.contributes_to_id)
             .values_list("organisation_id", "closed_at").first())
    if found is None or found[0] != charter.team.organisation_id:
        raise ActionRefused("That organisation goal is not one of your organisation's. Choose another.")
    if found[1] is not None and goal.contributes_to_id != before:
        raise ActionRefused("That organisation goal was closed meanwhile. Choose another, or none.")


def _record_typed_progress(key_result: KeyResult, *, actor, before: tuple) -> KeyResultProgress | None:
    """The current value and confidence typed in the charter's editor are where the key result stands now:
    recorded as a reading (source "charter") through `record_progress`, so the cycle page, trends and the
    decision ledger read them like any other. Only when they changed (`before` is what was saved), and only
    with a value: a confidence alone is no reading."""
    if key_result.current_value is None or not key_result.confidence:
        return None
    if (key_result.current_value, key_result.confidence) == tuple(before):
        return None
    return record_progress(key_result=key_result, actor=actor, value=key_result.current_value,
                           confidence=key_result.confidence, source=KeyResultProgress.Source.CHARTER)


def delete_item(*, charter: Charter, item: CharterItem) -> None:
    """Remove an item; removing one already removed (a double click) changes nothing more."""
    with transaction.atomic():
        locked = _locked_editable(charter)
        if type(item).objects.filter(pk=item.pk).delete()[0]:
            _mark_text_changed(locked)


def move_item(*, charter: Charter, item: CharterItem, direction: str) -> None:
    """Swap an item with its neighbour above or below."""
    model = type(item)
    with transaction.atomic():
        locked = _locked_editable(charter)
        siblings = lock_list(model, item.parent_id)
        index = next((i for i, s in enumerate(siblings) if s.pk == item.pk), None)
        if index is None:
            raise ItemRemoved(f"This {model.kind_label} was removed meanwhile, so it cannot move.")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        # Renumber densely so that equal positions cannot make a swap a no-op.
        moved = []
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                moved.append(sibling)
        model.objects.bulk_update(moved, ["position"])
        if moved:
            _mark_text_changed(locked)


# Consent ----------------------------------------------------------------------------------------

def propose(*, charter: Charter, actor, responses_close_on: date | None = None, quorum_percent: int | None = None,
            stances_hidden: bool = False) -> Charter:
    """Put a draft to the team for comments and consent; the required checks must pass.

    `responses_close_on` is an optional day, in the team's time zone, by which members
    should respond; it is shown to them. `quorum_percent` is the optional share of the people who
    can respond whose word ratifying needs (`set_quorum` changes it while proposed);
    `stances_hidden` hides who said what until the round ends (`permissions.stance_visibility`).
    """
    with transaction.atomic():
        charter = _locked(charter)
        if not charter.is_draft:
            raise ActionRefused("Only a draft can be proposed.")
        if responses_close_on is not None and responses_close_on < timezone.localdate(timezone=charter.team.zone):
            raise ActionRefused("The closing date for responses is in the past. Choose today or a later day.")
        completeness = check_charter(load_content(charter))
        if not completeness.can_propose:
            missing = "; ".join(check.label for check in completeness.blocking)
            raise ActionRefused(f"Not ready to propose. Still missing: {missing}.")
        charter.state = Charter.State.PROPOSED
        charter.proposed_at = timezone.now()
        charter.responses_close_on = responses_close_on
        charter.quorum_percent = _checked_quorum(quorum_percent)
        charter.stances_hidden = bool(stances_hidden)
        charter.reminded_at = charter.round_closed_at = None  # a new consent round
        charter.save(update_fields=["state", "proposed_at", "responses_close_on", "quorum_percent", "stances_hidden",
                                    "reminded_at", "round_closed_at"])
        notices.tell_proposed(charter, actor=actor)
    return charter


def _checked_quorum(quorum_percent: int | None) -> int | None:
    if quorum_percent in (None, ""):
        return None
    if not 1 <= int(quorum_percent) <= 100:
        raise ActionRefused("A quorum is a share of the team between 1% and 100%, or empty for none.")
    return int(quorum_percent)


def set_quorum(*, charter: Charter, actor, quorum_percent: int | None) -> Charter:
    """Change the quorum of a proposal while its round runs (empty: none). Ratifying reads it under the
    same lock, so a ratification never counts against a quorum that was changed at the same moment."""
    with transaction.atomic():
        charter = _locked(charter)
        if not charter.is_proposed:
            raise ActionRefused("The quorum changes while the charter is proposed; set it when you propose it.")
        charter.quorum_percent = _checked_quorum(quorum_percent)
        charter.save(update_fields=["quorum_percent"])
    return charter


def withdraw(*, charter: Charter, actor) -> Charter:
    """Take a proposal back to draft; responses so far are kept for the next proposal."""
    with transaction.atomic():
        charter = _locked(charter)
        if not charter.is_proposed:
            raise ActionRefused("Only a proposed charter can be taken back to draft.")
        charter.state = Charter.State.DRAFT
        charter.save(update_fields=["state"])
    return charter


def discard(*, charter: Charter, actor) -> None:
    with transaction.atomic():
        charter = _locked(charter)
        refusal = charter.refusal_to_edit()
        if refusal:
            raise ActionRefused(refusal)
        charter.delete()


def respond(*, charter: Charter, member, kind: str, reason: str, seen_revision: int | None = None) -> Response:
    """Record (or change) a member's consent or objection to a proposed charter.

    `seen_revision` is the revision of the text the member read (the form carries it).
    If the leader changed the text since, the response is refused rather than counted
    for words the member never saw. None means the current text (seeding, scripts).
    """
    reason = reason.strip()
    if kind == Response.Kind.OBJECTION and not reason:
        raise ActionRefused("An objection needs a reason: what would harm the team, and what would fix it?")
    with transaction.atomic():
        charter = _locked(charter)
        if not charter.is_proposed:
            raise ActionRefused("You can respond only while the charter is proposed.")
        if seen_revision is not None and seen_revision != charter.revision:
            raise ActionRefused("The charter changed after you opened it. Read it again, then record your "
                                "response: what you wrote is kept below.")
        now = timezone.now()
        response = lock_member_response(charter, member)
        changed = response is None or response.kind != kind or response.reason != reason
        if response is None:
            response = Response(charter=charter, member=member, created_at=now)
        elif changed:
            # A changed objection is a new objection: it needs a fresh answer.
            response.answer, response.answer_text, response.answered_by, response.answered_at = "", "", None, None
            response.resolved_by_amendment = False
        response.kind, response.reason, response.updated_at = kind, reason, now
        response.revision, response.text_seen = charter.revision, _text_now(charter)
        response.save()
        if changed:
            audit.record(AuditKind.OBJECTION_RAISED if response.is_objection else AuditKind.CONSENT_GIVEN,
                         team=charter.team, actor=member,
                         summary=f"{member.email} {'objected to' if response.is_objection else 'consented to'} "
                                 f"version {charter.number} of the charter",
                         # Not the reason's words: they are the member's to take back or erase, the trail is not.
                         changes={"charter_version": charter.number, "response": kind})
        if changed and response.is_objection:
            notices.tell_objection(response)
    return response


def _text_now(charter: Charter) -> dict[str, str]:
    """The charter's text as it stands, kept with a response so that "since you responded" can show what
    changed after it (4 queries)."""
    return section_texts(load_content(charter))


def answer_objection(*, response: Response, actor, answer: str, text: str, seen_reason: str | None = None) -> Response:
    """Answer an objection; `seen_reason` is the objection as the leader read it.

    If the member changed it meanwhile, the answer is refused rather than attached to
    words the leader never saw. "Amended the charter" is refused until the text changed
    after the objection (its revision is later than the one the objection was given to).
    """
    text = text.strip()
    if not text:
        raise ActionRefused("Explain your answer: what you changed, or why the charter stays as it is.")
    with transaction.atomic():
        charter = _locked(response.charter)
        if not charter.is_proposed:
            raise ActionRefused("Objections are answered while the charter is proposed.")
        current = lock_response(response.pk, charter=charter)
        if current is None:
            raise ActionRefused("This response was withdrawn meanwhile.")
        if not current.is_objection:
            raise ActionRefused("Only objections are answered; this response is now a consent.")
        if seen_reason is not None and current.reason != seen_reason:
            raise ActionRefused(f"{current.member.name} changed their objection while you were answering. "
                                "Read it again, then answer.")
        if answer == Response.Answer.AMENDED and charter.revision <= current.revision:
            raise ActionRefused(f"The charter has not changed since {current.member.name} objected, so there is no "
                                "amendment to confirm yet. Change the text first, then answer “Amended the "
                                "charter”, or keep it and explain why. Your explanation is kept below.")
        current.answer, current.answer_text = answer, text
        current.answered_by, current.answered_at = actor, timezone.now()
        current.save(update_fields=["answer", "answer_text", "answered_by", "answered_at"])
        audit.record(AuditKind.OBJECTION_ANSWERED, team=charter.team, actor=actor,
                     summary=f"Objection of {current.member.email} to version {charter.number} of the charter "
                             f"answered: {current.get_answer_display()}",
                     changes={"charter_version": charter.number, "answer": answer})
        notices.tell_answered(current)
    return current


@dataclass
class ConsentStanding:
    """Where a consent round stands: what ratifying asks (`ratify`), and what the scheduler and a leader's
    reminder read from it, so there is one rule."""

    open_objections: list[Response]  # unanswered: they block ratifying
    gaps: list[Gap]  # whose word on the final text is missing: ratifying needs the leader's confirmation
    memberships: list
    quorum: Quorum | None = None  # when the version has one: not met, it blocks ratifying, confirmed or not


def consent_standing(charter: Charter) -> ConsentStanding:
    """Responses with their people (1 query) against the team's members (1 query)."""
    responses = list(charter.responses.select_related("member"))
    for response in responses:
        response.charter = charter
    memberships = list(charter.team.memberships.select_related("user"))
    return ConsentStanding(open_objections=[r for r in responses if r.is_open_objection],
                           gaps=consent_gaps(responses, memberships), memberships=memberships,
                           quorum=quorum_of(charter, responses, memberships))


class QuorumNotMet(ActionRefused):
    """Too few of the people who can respond have: no leader's confirmation ratifies it."""

    def __init__(self, quorum: Quorum):
        self.quorum = quorum
        super().__init__(quorum.refusal())


class GapsNeedConfirmation(ActionRefused):
    """Some members have not given their word on the final text: ratify only if the leader confirms."""

    def __init__(self, gaps: list[Gap]):
        self.gaps = gaps
        names = ", ".join(f"{gap.member.name} ({gap.kind.label})" for gap in gaps)
        super().__init__(f"Not everyone has given their word on this text: {names}. Ratify anyway?")


def resolve_amended_objection(*, response: Response, member, resolved: bool) -> Response:
    """The objector's word on "I amended the charter": it resolves the objection (their response becomes a
    consent to the text as it stands), or it does not (the objection is open again and needs an answer)."""
    with transaction.atomic():
        charter = _locked(response.charter)
        if not charter.is_proposed:
            raise ActionRefused("The consent round is over: the charter is no longer proposed.")
        current = lock_response(response.pk, charter=charter)
        if current is None or current.member_id != member.pk:
            raise ActionRefused("This response was withdrawn meanwhile.")
        if not current.awaits_objectors_word:
            raise ActionRefused("Your objection is no longer waiting for your word: read the consent panel again.")
        now = timezone.now()
        if resolved:
            current.kind, current.resolved_by_amendment = Response.Kind.CONSENT, True
        else:
            current.answer, current.answer_text, current.answered_by, current.answered_at = "", "", None, None
        current.revision, current.updated_at, current.text_seen = charter.revision, now, _text_now(charter)
        current.save()
        current.charter = charter
        if resolved:
            notices.tell_objection_resolved(current)
        else:  # open again: it awaits the leaders' answer, like a new objection
            notices.tell_objection(current)
    return current


def ratify(*, charter: Charter, actor, despite_gaps: bool = False) -> Charter:
    """Make a proposed charter the team's active version; the previous one is superseded.

    While members have not responded to the final text (or an objector has not said
    whether the amendment resolves their objection), it raises `GapsNeedConfirmation`
    unless the leader confirmed (`despite_gaps`); the gaps are then kept as part of the
    record. A quorum not met (`QuorumNotMet`) refuses even then: the leader's word does not
    stand in for the team's. Tells the team (`notices`) and posts to its chat webhooks (`webhooks`) in the
    same transaction, so nothing leaves unless it commits; then sends `charter_ratified`
    for the apps after charters (reviews joins the team's open cycle on it).
    """
    with transaction.atomic():
        # The team's row first (the lock order, `charters.locks`): the database writes it as the charter comes
        # into force (`Team.charter_in_force`), and the open cycle joined after locks it too.
        lock_team(charter.team_id)
        charter = _locked(charter)
        if not charter.is_proposed:
            raise ActionRefused("Only a proposed charter can be ratified. Propose it to the team first.")
        standing = consent_standing(charter)
        open_objections = len(standing.open_objections)
        if open_objections:
            raise ActionRefused(
                f"{open_objections} objection{pluralize(open_objections)} still "
                f"need{'' if open_objections != 1 else 's'} your answer before the charter can be ratified."
            )
        if standing.quorum is not None and not standing.quorum.is_met:
            raise QuorumNotMet(standing.quorum)
        gaps, memberships = standing.gaps, standing.memberships
        if gaps and not despite_gaps:
            raise GapsNeedConfirmation(gaps)
        ConsentGap.objects.bulk_create(ConsentGap(charter=charter, member=gap.member, kind=gap.kind) for gap in gaps)
        now = timezone.now()
        Charter.objects.filter(team=charter.team).active().update(state=Charter.State.SUPERSEDED, superseded_at=now)
        charter.state, charter.ratified_at, charter.ratified_by = Charter.State.RATIFIED, now, actor
        charter.ratified_despite_gaps = bool(gaps)
        charter.save(update_fields=["state", "ratified_at", "ratified_by", "ratified_despite_gaps"])
        audit.record(AuditKind.CHARTER_RATIFIED, team=charter.team, actor=actor,
                     summary=f"Version {charter.number} of the charter ratified"
                             + (f" anyway, with {len(gaps)} member(s)' word missing" if gaps else ""),
                     changes={"charter_version": charter.number, "state": [Charter.State.PROPOSED, charter.state],
                              "ratified_anyway": bool(gaps),
                              "missing_word": ", ".join(f"{gap.member.email} ({gap.kind})" for gap in gaps)})
        _carry_progress(charter)
        notices.tell_ratified(charter, actor=actor, memberships=memberships)
        webhooks.post_ratified(charter)
        organisation_map.forget_signals(charter.team.organisation_id)  # the map's cross-team signals
        charter_ratified.send(sender=Charter, charter=charter)  # for apps to the right: reviews joins the open cycle
    return charter


def _carry_progress(charter: Charter) -> None:
    """Bring key results' current values and confidence up to date: the newest reading of each lineage.

    Check-ins may have moved them while the amendment was being drafted (and what was typed in the
    editor is itself a reading). A key result without readings keeps what was typed. One UPDATE,
    however many key results the charter has.
    """
    newest = KeyResultProgress.objects.filter(lineage_id=Coalesce(OuterRef("lineage_id"), OuterRef("pk")),
                                              is_latest=True)
    KeyResult.objects.filter(goal__charter=charter).update(
        current_value=Coalesce(Subquery(newest.values("value")[:1]), F("current_value")),
        confidence=Coalesce(Subquery(newest.values("confidence")[:1]), F("confidence")),
    )


# Key-result progress ----------------------------------------------------------------------------

def record_progress(*, key_result: KeyResult, actor, value: Decimal | int | str, confidence: str, note: str = "",
                    source: str = KeyResultProgress.Source.DIRECT, source_ref: int | None = None,
                    recorded_at: datetime | None = None) -> KeyResultProgress:
    """Record a key result's value and confidence beside the charter's text, which never changes.

    Recorded on the version in force: refused for a key result of a draft or proposal, or
    of a version superseded meanwhile (`Charter.refusal_to_record_progress`), and while the
    team is archived. Filed under the key result's lineage, so the history carries on
    through amendments. A check-in passes `source=Source.CHECK_IN` and its id as
    `source_ref`; `recorded_at` defaults to now.

    The charter's editor passes `source=Source.CHARTER` for what was typed in a draft or proposal: the
    present value, whatever version it is typed in. In an amendment it is filed on the same key result of
    the version in force (locked after the amendment: working copy → version in force, the order
    ratifying takes), so discarding the amendment leaves the history whole; in a first charter, on the
    draft's own key result.
    """
    progress = _checked_progress(value=value, confidence=confidence, note=note, source=source,
                                 source_ref=source_ref, recorded_at=recorded_at)
    with transaction.atomic():
        # The team's row held first (the lock order, `charters.locks`): the database writes it when the team's
        # confidence starts or stops falling (`Team.confidence_falling`).
        found = hold_team_of_key_result(key_result.pk)
        if found is None:
            raise ActionRefused("This key result no longer exists: it was removed from its version.")
        _, charter_id, lineage_id = found
        lineage_id = lineage_id or key_result.pk
        # Locked, so that a ratification cannot supersede the version before this progress is in.
        charter = lock_charter(charter_id)
        if charter is None:
            raise ActionRefused(DISCARDED)
        filed_on = key_result.pk
        if source == KeyResultProgress.Source.CHARTER and charter.is_editable:
            refusal = ARCHIVED_REFUSAL if charter.team.is_archived else None
            filed_on = _in_force_counterpart(charter, lineage_id) or filed_on
        else:
            refusal = ARCHIVED_REFUSAL if charter.team.is_archived else charter.refusal_to_record_progress()
        if refusal:
            raise ActionRefused(refusal)
        progress.key_result_id, progress.lineage_id = filed_on, lineage_id
        progress.recorded_by = actor
        _file_in_lineage(progress)
        progress.save()
    return progress


def _in_force_counterpart(working: Charter, lineage_id: int) -> int | None:
    """The key result of the lineage in the version an amendment amends (the version in force), locked; None
    for a first charter or a key result the amendment added."""
    if working.based_on_id is None or lock_charter(working.based_on_id) is None:
        return None
    return (KeyResult.objects.filter(goal__charter_id=working.based_on_id)
            .filter(Q(pk=lineage_id) | Q(lineage_id=lineage_id)).values_list("pk", flat=True).first())


def _file_in_lineage(progress: KeyResultProgress) -> None:
    """Place a new reading in its lineage's history; the caller holds the lock of the version in force.

    Every reading of a lineage is recorded under that lock, so these marks cannot race: the
    newest reading (by `recorded_at`, then id) is `is_latest`, and each reading keeps the
    confidence of the one just before it (`previous_confidence`). The organisation map reads
    them to find falling confidence across all teams with one indexed query. Usually the new
    reading is the newest: 2 queries. One dated before the newest (a check-in's moment) lands
    between two readings, and the one after it now follows it: 3.
    """
    history = KeyResultProgress.objects.filter(lineage_id=progress.lineage_id)
    before = (history.filter(recorded_at__lte=progress.recorded_at).order_by("-recorded_at", "-pk")
              .values("confidence", "is_latest").first())
    progress.previous_confidence = before["confidence"] if before else ""
    after = None
    if before is None or not before["is_latest"]:
        after = history.filter(recorded_at__gt=progress.recorded_at).order_by("recorded_at", "pk").first()
    progress.is_latest = after is None
    if after is not None:
        after.previous_confidence = progress.confidence
        after.save(update_fields=["previous_confidence"])
    elif before is not None:  # before the insert: one latest reading per lineage is a constraint
        history.filter(is_latest=True).update(is_latest=False)


def readings_changed_elsewhere(*, lineages: Iterable[int], change: Callable[[], object] = lambda: None) -> None:
    """Readings of `lineages` changed or removed outside these services (staff, in the admin, by `change()`): each
    lineage's marks worked out again as `_file_in_lineage` keeps them, the newest `is_latest` and each with the
    confidence of the one just before it. `change()` runs under the locks of the versions in force (their teams', then
    theirs), which every reading of a lineage is recorded under, taken in id order; only the rows whose marks moved
    are written."""
    lineages = sorted(set(lineages))
    with transaction.atomic():
        in_force = set(KeyResult.objects.filter(Q(pk__in=lineages) | Q(lineage_id__in=lineages))
                       .filter(goal__charter__state=Charter.State.RATIFIED)
                       .values_list("goal__charter__team_id", "goal__charter_id"))
        for team_id in sorted({team_id for team_id, _ in in_force}):  # the teams first (`charters.locks`)
            hold_team_row(team_id)
        for charter_id in sorted({charter_id for _, charter_id in in_force}):
            lock_charter(charter_id)
        change()
        for lineage_id in lineages:
            _mark_lineage(lineage_id)


def _mark_lineage(lineage_id: int) -> None:
    readings = list(KeyResultProgress.objects.filter(lineage_id=lineage_id).order_by("recorded_at", "pk")
                    .only("pk", "confidence", "is_latest", "previous_confidence"))
    before, moved = "", []
    for n, reading in enumerate(readings):
        marks = (before, n == len(readings) - 1)
        if (reading.previous_confidence, reading.is_latest) != marks:
            reading.previous_confidence, reading.is_latest = marks
            moved.append(reading)
        before = reading.confidence
    # One latest reading per lineage is a constraint: the old one lets go before the new one takes it.
    KeyResultProgress.objects.filter(pk__in=[r.pk for r in moved if not r.is_latest]).update(is_latest=False)
    KeyResultProgress.objects.bulk_update(moved, ["previous_confidence", "is_latest"])


def _checked_progress(*, value, confidence: str, note: str, source: str, source_ref: int | None,
                      recorded_at: datetime | None) -> KeyResultProgress:
    """The progress to record, not yet saved; refused in words when a person typed something unusable."""
    if source not in KeyResultProgress.Source.values:
        raise ValueError(f"Unknown source of progress: {source!r}.")
    if (source == KeyResultProgress.Source.CHECK_IN) != (source_ref is not None):
        raise ValueError("Progress from a check-in names the check-in (source_ref); progress recorded directly "
                         "names none.")
    if recorded_at is not None and timezone.is_naive(recorded_at):
        raise ValueError("recorded_at must be an aware datetime.")
    if confidence not in KeyResultProgress.Confidence.values:
        raise ActionRefused("Say how confident you are: on track, at risk or off track.")
    if value is None or value == "":
        raise ActionRefused("Give the key result's value.")
    field = KeyResultProgress._meta.get_field("value")
    try:
        value = field.to_python(value)
        field.run_validators(value)
    except ValidationError as exc:
        raise ActionRefused(" ".join(exc.messages)) from None
    value = value.quantize(Decimal(1).scaleb(-field.decimal_places))  # as stored, e.g. 15 → 15.00
    note, longest = note.strip(), KeyResultProgress._meta.get_field("note").max_length
    if len(note) > longest:
        raise ActionRefused(f"Keep the note to {longest:,} characters.")
    return KeyResultProgress(value=value, confidence=confidence, note=note, source=source, source_ref=source_ref,
                             recorded_at=recorded_at or timezone.now())


# Discussion -------------------------------------------------------------------------------------

def add_comment(*, charter: Charter, section: str, author, body: str, parent: Comment | None = None,
                tell_leaders: bool = True) -> Comment:
    """`tell_leaders=False`: the caller tells the leaders itself, in its own words (a retrospective's action)."""
    body = body.strip()
    if not body:
        raise ActionRefused("Write something before posting a comment.")
    if parent is not None:
        section = parent.section
        if parent.parent_id:  # threads are one level deep: reply to the thread
            parent = parent.parent
    with transaction.atomic():
        locked = lock_charter(charter.pk)
        if locked is None:
            raise ActionRefused("This draft was discarded, so comments on it are closed. Your comment is below.")
        if locked.was_ratified:
            raise ActionRefused("Comments are closed on ratified versions. Start an amendment to propose changes.")
        locked.team = charter.team
        comment = Comment.objects.create(charter=locked, section=section, author=author, body=body, parent=parent)
        if tell_leaders:
            notices.tell_commented(comment)
        return comment


def set_thread_resolved(*, comment: Comment, actor, resolved: bool) -> Comment:
    """Resolve or reopen a thread while its version is open; a ratified version's discussion stays as it was."""
    thread = comment.parent or comment
    with transaction.atomic():
        locked = lock_charter(thread.charter_id)
        if locked is None:
            raise ActionRefused(DISCARDED)
        if locked.was_ratified:
            raise ActionRefused(f"Version {locked.number} is {locked.get_state_display().lower()}: its discussion "
                                "is kept as it was, and threads can no longer be resolved or reopened.")
        thread.resolved_at, thread.resolved_by = (timezone.now(), actor) if resolved else (None, None)
        Comment.objects.filter(pk=thread.pk).update(resolved_at=thread.resolved_at, resolved_by=thread.resolved_by)
    return thread


# The end of a consent round --------------------------------------------------------------------

def remind_missing_word(*, charter: Charter, actor, now: datetime | None = None) -> list:
    """A leader's "remind who hasn't answered": everyone whose word on the text is missing is told once,
    at most once a day per round (the team's day; `Charter.reminded_at` records when), and not if the
    scheduler's reminder before the closing date reached them that day. Returns the people told."""
    now = now or timezone.now()
    with transaction.atomic():
        charter = _locked(charter)
        if not charter.is_proposed:
            raise ActionRefused("Reminders go out while the charter is proposed: this consent round is over.")
        zone = charter.team.zone
        today = timezone.localdate(now, zone)
        if charter.reminded_at and timezone.localdate(charter.reminded_at, zone) == today:
            raise ActionRefused(
                f"Everyone whose word is missing was reminded today at "
                f"{timezone.localtime(charter.reminded_at, zone):%H:%M}. Reminders go out at most once a day, "
                "so that each one counts: you can remind them again tomorrow.")
        gaps = consent_standing(charter).gaps
        if not gaps:
            raise ActionRefused("Everyone has given their word on this text: there is nobody to remind.")
        told = {delivery.recipient_id for delivery in notices.tell_consent_reminder(
            charter, gaps, key=notices.reminder_key(charter, today), asked_by=actor, now=now)}
        if not told:
            raise ActionRefused("Everyone whose word is missing was reminded today already, by the reminder "
                                "before the closing date: you can remind them again tomorrow.")
        charter.reminded_at = now
        charter.save(update_fields=["reminded_at"])
    return [gap.member for gap in gaps if gap.member.pk in told]


def close_round(*, charter: Charter, now: datetime | None = None) -> str | None:
    """Close a consent round whose closing day is over (in the team's time zone): ratified if the rules are
    met (`ratify` itself decides, without anyone's confirmation), otherwise the leaders are told what blocks it.

    Once per round (`Charter.round_closed_at`), under the charter's lock: a leader ratifying at the same
    moment, or a second scheduler, finds it ratified or closed and does nothing. Returns "ratified",
    "blocked", or None when there was nothing to do.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lock_team(charter.team_id)  # before the charter's, as `ratify` takes them
        locked = lock_charter(charter.pk)
        if locked is None or not locked.is_proposed or locked.round_closed_at or not locked.responses_close_on:
            return None
        if timezone.localdate(now, locked.team.zone) <= locked.responses_close_on:
            return None
        Charter.objects.filter(pk=locked.pk).update(round_closed_at=now)
        locked.round_closed_at = now
        try:
            with transaction.atomic():  # a refusal undoes only the attempt
                ratify(charter=locked, actor=None)
        except ActionRefused:
            standing = consent_standing(locked)
            quorum = standing.quorum if standing.quorum is not None and not standing.quorum.is_met else None
            notices.tell_round_blocked(locked, open_objections=standing.open_objections, gaps=standing.gaps,
                                       quorum=quorum, now=now)
            return "blocked"
    return "ratified"


# The organisation's goals -----------------------------------------------------------------------
# Set by the organisation's admins (`permissions.organisation_goals_access(manage=True)`, asked by the views).

def _changeable_goal(goal: OrganisationGoal) -> OrganisationGoal:
    """The organisation goal's row, locked and re-read; refused if it is gone or closed."""
    locked = lock_organisation_goal(goal.pk, organisation_pk=goal.organisation_id)
    if locked is None:
        raise ItemRemoved("This organisation goal no longer exists.")
    refusal = locked.refusal_to_change()
    if refusal:
        raise ActionRefused(refusal)
    return locked


def create_organisation_goal(*, organisation, actor, objective: str, purpose_part: str,
                             owner=None) -> OrganisationGoal:
    """A new organisation goal, last in the organisation's order."""
    with transaction.atomic():
        goals = lock_organisation_goals(organisation.pk)
        return OrganisationGoal.objects.create(
            organisation=organisation, objective=objective, purpose_part=purpose_part, owner=owner,
            position=max((goal.position for goal in goals), default=0) + 1,
        )


def update_organisation_goal(*, goal: OrganisationGoal, expected_version: int, objective: str, purpose_part: str,
                             owner=None) -> OrganisationGoal:
    """Save what an admin typed unless someone saved it first (ConcurrentEditError) or closed it (refused)."""
    with transaction.atomic():
        locked = _changeable_goal(goal)
        locked.objective, locked.purpose_part, locked.owner = objective, purpose_part, owner
        save_if_unchanged(locked, expected_version=expected_version, fields=["objective", "purpose_part", "owner"])
    return locked


def close_organisation_goal(*, goal: OrganisationGoal, actor) -> OrganisationGoal:
    """Close a goal: it leaves the map and no team goal newly names it. Closing it twice changes nothing more."""
    with transaction.atomic():
        locked = lock_organisation_goal(goal.pk, organisation_pk=goal.organisation_id)
        if locked is None:
            raise ItemRemoved("This organisation goal no longer exists.")
        if not locked.is_closed:
            locked.closed_at, locked.closed_by = timezone.now(), actor
            locked.save(update_fields=["closed_at", "closed_by"])
    return locked


def reopen_organisation_goal(*, goal: OrganisationGoal, actor) -> OrganisationGoal:
    with transaction.atomic():
        locked = lock_organisation_goal(goal.pk, organisation_pk=goal.organisation_id)
        if locked is None:
            raise ItemRemoved("This organisation goal no longer exists.")
        if locked.is_closed:
            locked.closed_at = locked.closed_by = None
            locked.save(update_fields=["closed_at", "closed_by"])
    return locked


def move_organisation_goal(*, goal: OrganisationGoal, direction: str) -> None:
    """Swap an open goal with the open goal above or below it (closed goals keep their places)."""
    with transaction.atomic():
        goals = lock_organisation_goals(goal.organisation_id)
        current = next((g for g in goals if g.pk == goal.pk), None)
        if current is None:
            raise ItemRemoved("This organisation goal no longer exists.")
        if current.is_closed:
            raise ActionRefused(current.refusal_to_change())
        open_goals = [g for g in goals if not g.is_closed]
        index = open_goals.index(current)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(open_goals):
            open_goals[index], open_goals[other] = open_goals[other], open_goals[index]
        # Renumber densely (open goals in their new order, then closed ones) so a swap is never a no-op.
        moved = []
        for position, each in enumerate([*open_goals, *(g for g in goals if g.is_closed)], start=1):
            if each.position != position:
                each.position = position
                moved.append(each)
        OrganisationGoal.objects.bulk_update(moved, ["position"])


def add_organisation_key_result(*, goal: OrganisationGoal, metric: str, unit: str = "",
                                start_value: Decimal | None = None,
                                target_value: Decimal | None = None) -> OrganisationKeyResult:
    with transaction.atomic():
        locked = _changeable_goal(goal)
        siblings = lock_organisation_key_results(locked.pk)
        return OrganisationKeyResult.objects.create(
            goal=locked, metric=metric, unit=unit, start_value=start_value, target_value=target_value,
            position=max((kr.position for kr in siblings), default=0) + 1,
        )


def update_organisation_key_result(*, key_result: OrganisationKeyResult, expected_version: int, metric: str,
                                   unit: str = "", start_value: Decimal | None = None,
                                   target_value: Decimal | None = None) -> OrganisationKeyResult:
    with transaction.atomic():
        locked_goal = _changeable_goal(key_result.goal)
        locked = lock_organisation_key_result(key_result.pk, goal=locked_goal)
        if locked is None:
            raise ItemRemoved("This key result no longer exists.")
        locked.metric, locked.unit, locked.start_value, locked.target_value = metric, unit, start_value, target_value
        save_if_unchanged(locked, expected_version=expected_version,
                          fields=["metric", "unit", "start_value", "target_value"])
    return locked


def record_organisation_reading(*, key_result: OrganisationKeyResult, actor, value: Decimal, confidence: str,
                                note: str = "") -> OrganisationKeyResultReading:
    """Where an organisation key result stands now: a reading in its history, and its current value and confidence."""
    if confidence not in KeyResultProgress.Confidence.values:
        raise ActionRefused("Say how confident you are: on track, at risk or off track.")
    with transaction.atomic():
        locked_goal = _changeable_goal(key_result.goal)
        locked = lock_organisation_key_result(key_result.pk, goal=locked_goal)
        if locked is None:
            raise ItemRemoved("This key result no longer exists.")
        reading = OrganisationKeyResultReading.objects.create(key_result=locked, value=value, confidence=confidence,
                                                              note=note.strip(), recorded_by=actor)
        locked.current_value, locked.confidence, locked.read_at = value, confidence, reading.recorded_at
        locked.save(update_fields=["current_value", "confidence", "read_at"])
    return reading

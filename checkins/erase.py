"""What erasing a person does to check-ins (alignment/erasure.py), and the blanking of words both erasure and the
words retention use (`blank_words`).

Deleted: their drafts (with what hangs off them) and the replies in the threads under their check-ins. Blanked:
the words of their submitted check-ins and of the resolved blockers raised in them, and why they took a commitment
on while overloaded. Kept, under "Former member": what the counts are made of (a check-in's week, state, lateness,
load, strained non-negotiable and key-result figures), the open blockers already handed to a leader, the
commitments (handed over when still open; their title and standard are the team's record), the renegotiations in
a commitment's history (the hand-over's reason, written by the app, no longer names them) and the replies they
wrote under other people's check-ins, which answer someone who still needs them.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Q, QuerySet, Value, When

from alignment.erasure import ErasureSubject, scrub_rows
from checkins.models import Blocker, CheckIn, Commitment, Renegotiation, Reply

# What blanked words read. Not empty: a count of check-ins that asked "unclear who decides?" (or of any words)
# counts a blanked one as before.
WORDS_REMOVED = "(words removed)"

CHECKIN_WORDS = ("progress", "highlights", "strain_note", "boundary_question")


def _removed(name: str) -> Case:
    """The field's words replaced by WORDS_REMOVED, an empty field left empty."""
    return Case(When(**{name: ""}, then=Value("")), default=Value(WORDS_REMOVED), output_field=CharField())


def _holding_words() -> Q:
    """Check-ins with words still in them: a second blanking writes nothing."""
    still = ~Q(carried_answers={})
    for name in CHECKIN_WORDS:
        still |= ~Q(**{name: ""}) & ~Q(**{name: WORDS_REMOVED})
    return still


def _blank(checkins: QuerySet[CheckIn]) -> int:
    return checkins.filter(_holding_words()).update(carried_answers={},
                                                    **{name: _removed(name) for name in CHECKIN_WORDS})


def blank_words(checkins: QuerySet[CheckIn]) -> int:
    """Blank the words of `checkins`, their blockers' and their replies' (4 queries); how many rows changed.

    Only rows still holding words are written, so a second run changes nothing.
    """
    ids = checkins.values("pk")
    rows = _blank(CheckIn.objects.filter(pk__in=ids))
    rows += Blocker.objects.filter(check_in__in=ids).exclude(what=WORDS_REMOVED).update(
        what=WORDS_REMOVED, resolution=_removed("resolution"))
    rows += Reply.objects.filter(check_in__in=ids).exclude(body=WORDS_REMOVED).update(body=WORDS_REMOVED)
    return rows


def erase(subject: ErasureSubject) -> dict[str, int]:
    person = subject.person
    drafts, _ = CheckIn.objects.filter(author=person, state=CheckIn.State.DRAFT).delete()
    replies, _ = Reply.objects.filter(check_in__author=person).delete()
    # Their submitted check-ins' words; of the blockers in them, the resolved ones (open ones went to a leader).
    words = _blank(CheckIn.objects.filter(author=person))
    blockers = Blocker.objects.filter(check_in__author=person, resolved_at__isnull=False).exclude(
        what=WORDS_REMOVED).update(what=WORDS_REMOVED, resolution=_removed("resolution"))
    notes = Commitment.objects.filter(owner=person).exclude(overload_note="").update(overload_note="")
    renegotiations = scrub_rows(Renegotiation.objects.filter(
        Q(was_owner=person) | Q(proposed_owner=person) | Q(asked_by=person)), ["reason", "comment"], subject)
    return {"draft deleted": drafts, "reply deleted": replies, "check-in blanked": words, "blocker blanked": blockers,
            "overload note blanked": notes, "renegotiation unnamed": renegotiations}

"""What erasing a person does to review cycles and retrospectives (alignment/erasure.py), and the words retention
of check-ins in closed cycles.

Erasing keeps everything a retrospective is made of, under "Former member": their cards (an anonymous card stays
anonymous: no page names its author, and the account it points to no longer names anyone), their notes and the
actions they own, and their votes and ratings of the non-negotiables, which the themes' totals and the ratings'
averages of every closed retrospective are counted from (no page shows whose they are). Cycle summaries and the
review prompts' headlines, written by the app, no longer name them.

The words retention (`erase_checkin_words`, registered with `alignment.erasure.register_words_retention`): once a
cycle has been closed longer than its organisation keeps check-in words, the check-ins of its weeks keep their
counts and lose their words (`checkins.erase.blank_words`). Which cycles are old enough is the closed-cycle
retention's rule (`reviews.retention.purgeable`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef

from alignment.erasure import ErasureSubject, scrub_rows
from checkins.erase import blank_words
from checkins.models import CheckIn
from reviews.models import ReviewCycle, ReviewTrigger
from reviews.retention import purgeable

BATCH = 200  # cycles per transaction


def erase(subject: ErasureSubject) -> dict[str, int]:
    return {
        "cycle summary unnamed": scrub_rows(ReviewCycle.objects.exclude(summary=""), ["summary"], subject),
        "review prompt unnamed": scrub_rows(ReviewTrigger.objects.all(), ["headline", "evidence"], subject),
    }


def erase_checkin_words(organisation_id: int, cutoff: datetime) -> int:
    """Blank the words of the check-ins in the organisation's cycles closed before `cutoff`; how many rows.

    A check-in belongs to the cycle of its team whose dates hold its week's Monday (cycles follow each other, so a
    week is in one cycle). Check-ins of weeks in no cycle (before the team's first) are kept. A batch of cycles per transaction; a second run finds nothing left to blank.
    """
    rows = 0
    cycles = purgeable(organisation_id, cutoff).order_by("pk")
    last = 0
    while batch := list(cycles.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH]):
        last = batch[-1]
        in_cycle = ReviewCycle.objects.filter(
            pk__in=batch, team=OuterRef("team"), start_date__lte=OuterRef("week"),
            end_date__gt=OuterRef("week"))
        with transaction.atomic():
            rows += blank_words(CheckIn.objects.filter(Exists(in_cycle)))
    return rows


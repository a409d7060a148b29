"""A team's CSV downloads, streamed: each reads its rows in one query, a chunk at a time, whatever their number.

Every text cell goes through `cells.neutral`, so no cell opens as a formula; numbers Charter recorded stay
numbers. Times are written in the team's time zone. The files' `*_id` columns are what the imports read
back: an imported row's own id, else `charter-<number>` for a row Charter made (`plans.own_id`), so an
exported file imports again without adding anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from alignment.permissions import TeamAccess
from charters.models import KeyResultProgress
from checkins import permissions as checkin_permissions
from checkins.models import CheckIn, Commitment
from decisions.models import Decision
from transfer.cells import neutral, number
from transfer.plans import own_id

CHUNK = 500


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that spreadsheets read the file as UTF-8
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def _when(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _name(person) -> str:
    return person.name if person is not None else ""


def _email(person) -> str:
    return person.email if person is not None else ""


DECISION_HEADER = ["logged_at", "proposal", "description", "effect_on_purpose", "effect_on_metrics", "verdict",
                   "final_decision", "reason", "decided_by", "decided_at", "logged_by", "goal", "key_result_dented",
                   "how_much", "for_how_long", "review_by"]


def decisions_csv(access: TeamAccess) -> Iterator[str]:
    """The team's decision log, oldest first (1 query)."""
    team = access.team
    found = (Decision.objects.filter(team=team).select_related("logged_by", "decided_by", "goal", "key_result")
             .order_by("logged_at", "pk").iterator(chunk_size=CHUNK))
    return _csv(DECISION_HEADER, ([
        _when(d.logged_at, team.zone), neutral(d.title), neutral(d.description), d.purpose_effect, d.metric_effect,
        d.verdict, d.outcome, neutral(d.outcome_reason), neutral(_name(d.decided_by)), _when(d.decided_at, team.zone),
        neutral(_name(d.logged_by)), neutral(d.goal.objective if d.goal else ""),
        neutral(d.key_result.metric if d.key_result else ""), neutral(d.investment_amount),
        d.investment_until.isoformat() if d.investment_until else "", d.review_on.isoformat() if d.review_on else "",
    ] for d in found))


HISTORY_HEADER = ["key_result_id", "recorded_on", "value", "confidence", "note", "reading_id", "goal", "metric",
                  "unit", "source", "recorded_by"]


def key_result_history_csv(access: TeamAccess) -> Iterator[str]:
    """Every reading of the team's key results, oldest first, in the columns the history import reads (1 query)."""
    team = access.team
    found = (KeyResultProgress.objects.filter(key_result__goal__charter__team=team)
             .select_related("key_result__goal", "recorded_by").order_by("recorded_at", "pk")
             .iterator(chunk_size=CHUNK))
    return _csv(HISTORY_HEADER, ([
        neutral(r.key_result.external_id or own_id(r.lineage_id)), _when(r.recorded_at, team.zone), number(r.value),
        r.confidence, neutral(r.note), neutral(r.external_id or own_id(r.pk)), neutral(r.key_result.goal.objective),
        neutral(r.key_result.metric), neutral(r.key_result.unit), r.source, neutral(_name(r.recorded_by)),
    ] for r in found))


COMMITMENT_HEADER = ["title", "standard", "owner", "owner_email", "due_on", "state", "goal", "created_at",
                     "agreed_at"]


def commitments_csv(access: TeamAccess) -> Iterator[str]:
    """The team's commitments by due date (1 query). Why someone took one on while overloaded is theirs, not in it."""
    team = access.team
    found = (Commitment.objects.filter(team=team).select_related("owner", "goal").order_by("due_on", "pk")
             .iterator(chunk_size=CHUNK))
    return _csv(COMMITMENT_HEADER, ([
        neutral(c.title), neutral(c.standard), neutral(_name(c.owner)), neutral(_email(c.owner)),
        c.due_on.isoformat(), c.state, neutral(c.goal.objective if c.goal else ""), _when(c.created_at, team.zone),
        _when(c.agreed_at, team.zone),
    ] for c in found))


CHECKIN_HEADER = ["email", "week", "what_moved", "highlights", "load", "unclear_who_decides", "checkin_id", "name",
                  "state", "submitted_at", "late", "strained_non_negotiable", "what_strained_it"]


def checkins_csv(access: TeamAccess) -> Iterator[str]:
    """The check-ins this reader may read, by week, in the columns the check-in import reads (1 query).

    Who reads which check-in is `checkins.permissions.may_read_checkin`, asked of each row; someone who reads
    only their own has only theirs read from the database in the first place.
    """
    team = access.team
    found = CheckIn.objects.filter(team=team)
    if not checkin_permissions.may_read_checkins(access):
        found = found.filter(author=access.user)
    found = (found.select_related("author", "strained_non_negotiable").order_by("week", "author__email", "pk")
             .iterator(chunk_size=CHUNK))
    return _csv(CHECKIN_HEADER, ([
        neutral(c.author.email), c.week.isoformat(), neutral(c.progress), neutral(c.highlights), c.load,
        neutral(c.boundary_question), neutral(c.external_id or own_id(c.pk)), neutral(c.author.name), c.state,
        _when(c.submitted_at, team.zone), "yes" if c.is_late else "no",
        neutral(c.strained_non_negotiable.title if c.strained_non_negotiable else ""), neutral(c.strain_note),
    ] for c in found if checkin_permissions.may_read_checkin(access, c)))

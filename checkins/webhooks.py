"""What check-ins post to a team's webhooks (`notifications.webhooks`): the week's summary, each check-in
submitted, and each change to a commitment.

Check-in privacy (checkins/permissions.py): a check-in's words are read by its author, the team's leaders and
facilitators (and the whole team only when the team opens them), so no webhook ever gets them, nor a blocker,
a load, a confidence or a note. What every member sees on the team's week page may go: who submitted, when,
whether late, and the week in counts. A chat channel may be read by people outside the team, so chat webhooks
get the week's counts only; who submitted and what became of a commitment go to JSON webhooks alone.
Commitments and their renegotiations are read by everyone in the team (the commitment's page).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.urls import reverse

from alignment.weeks import TeamWeek
from checkins.models import CheckIn, Commitment, Renegotiation
from notifications import webhooks
from notifications.services import absolute_url

WEEK_SUMMARY = "checkin_summary"
SUBMITTED = "checkin_submitted"
COMMITMENT_CHANGED = "commitment_changed"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


# The week's summary ------------------------------------------------------------------------------


def summary_text(team, week: TeamWeek, page) -> str:
    """The week in counts, from the team's week page (`checkins.selectors.team_week_page`)."""
    counts = page.counts
    people = len(page.people)
    label = str(week.label)
    lines = [
        f"{team.name}, {label[:1].lower()}{label[1:]}: {counts['submitted']} of {people} checked in.",
        f"Open blockers: {len(page.open_blockers)}.",
        f"Key results with falling confidence: {len(page.confidence_drops)}.",
        f"Load: {page.load_in_words}",  # counts below the team's minimum read "fewer than …" (alignment.privacy)
        f"Non-negotiables flagged as strained: {len(page.strains)}.",
    ]
    return "\n".join(lines)


def summary_data(week: TeamWeek, page, url: str) -> dict:
    """A JSON webhook's `data` for the week: the counts the chat message gives (load is left out: in a small
    team its counts are hidden, `alignment.privacy`)."""
    return {"week": {
        "starts_on": week.monday.isoformat(),
        "people": len(page.people),
        "submitted": page.counts["submitted"],
        "open_blockers": len(page.open_blockers),
        "confidence_drops": len(page.confidence_drops),
        "strained_non_negotiables": len(page.strains),
        "url": absolute_url(url),
    }}


def post_week_summary(*, team, week: TeamWeek, page, key: str) -> list[int]:
    """Post the week's summary once per team and week (`key`), when the leaders' digest is produced."""
    url = reverse("checkins:week", args=[team.organisation.slug, team.slug]) + f"?week={week.monday}"
    return webhooks.post_event(team=team, event=WEEK_SUMMARY, key=key, text=summary_text(team, week, page),
                               url=url, link_label="See the team's week", data=summary_data(week, page, url))


# A check-in submitted ----------------------------------------------------------------------------------


def submitted_data(checkin: CheckIn, *, team, author) -> dict:
    """Who submitted for which week, when, late or not, first or again: what the week page shows everyone."""
    week_url = reverse("checkins:week", args=[team.organisation.slug, team.slug]) + f"?week={checkin.week}"
    return {"checkin": {
        "id": checkin.pk,
        "week": checkin.week.isoformat(),
        "author": webhooks.person(author),
        "submitted_at": _iso(checkin.submitted_at),
        "updated": checkin.updated_at > checkin.submitted_at,  # an update of a check-in submitted before
        "late": checkin.is_late,
        "week_url": absolute_url(week_url),
    }}


def post_submitted(checkin: CheckIn, *, team, author) -> list[int]:
    """Post a submission, or an update of one (keyed by the check-in and its version), inside `submit_checkin`."""
    return webhooks.post_event(team=team, event=SUBMITTED, key=f"checkin-{checkin.pk}/v{checkin.version}",
                               data=lambda: submitted_data(checkin, team=team, author=author))


# A commitment changed ----------------------------------------------------------------------------------

# What happened to it (the `change` in the payload).
CREATED = "created"  # someone committed to it
REQUESTED = "requested"  # a leader asked someone to commit
ACCEPTED, DECLINED, DONE = "accepted", "declined", "done"
RENEGOTIATION_ASKED = "renegotiation_asked"
RENEGOTIATION_ACCEPTED, RENEGOTIATION_DECLINED = "renegotiation_accepted", "renegotiation_declined"
HANDED_OVER = "handed_over"  # its owner left the team: asked of a leader
CHANGES = (CREATED, REQUESTED, ACCEPTED, DECLINED, DONE, RENEGOTIATION_ASKED, RENEGOTIATION_ACCEPTED,
           RENEGOTIATION_DECLINED, HANDED_OVER)


def commitment_data(commitment: Commitment, *, team, change: str, actor,
                    renegotiation: Renegotiation | None = None) -> dict:
    """A JSON webhook's `data` for a change: the commitment as it now is, the renegotiation if one, and who."""
    data = {
        "change": change,
        "commitment": {
            "id": commitment.pk,
            "title": commitment.title,
            "standard": commitment.standard,
            "due_on": commitment.due_on.isoformat(),
            "state": commitment.state,
            "owner": webhooks.person(commitment.owner),
            "version": commitment.version,
            "url": absolute_url(reverse("checkins:commitment", args=[team.organisation.slug, team.slug,
                                                                     commitment.pk])),
        },
        "renegotiation": None,
        "by": webhooks.person(actor),
    }
    if renegotiation is not None:
        data["renegotiation"] = {
            "id": renegotiation.pk,
            "kind": renegotiation.kind,
            "reason": renegotiation.reason,
            "state": renegotiation.state,
            "proposed_due_on": renegotiation.proposed_due_on.isoformat() if renegotiation.proposed_due_on else None,
            "proposed_standard": renegotiation.proposed_standard,
            "proposed_owner": webhooks.person(renegotiation.proposed_owner),
            "comment": renegotiation.comment,
        }
    return data


def _occurrence(commitment: Commitment, *, team, change: str, actor,
                renegotiation: Renegotiation | None) -> webhooks.Occurrence:
    key = f"commitment-{commitment.pk}/v{commitment.version}/{change}"
    if renegotiation is not None:
        key += f"/renegotiation-{renegotiation.pk}"
    return webhooks.Occurrence(team=team, event=COMMITMENT_CHANGED, key=key, data=lambda: commitment_data(
        commitment, team=team, change=change, actor=actor, renegotiation=renegotiation))


def post_commitment_changed(commitment: Commitment, *, team, change: str, actor,
                            renegotiation: Renegotiation | None = None) -> list[int]:
    """Post one change to a commitment, once (keyed by the commitment, its version and the change), inside
    the service's transaction."""
    return webhooks.post_events([_occurrence(commitment, team=team, change=change, actor=actor,
                                             renegotiation=renegotiation)])


def post_commitments_changed(commitments: Sequence[Commitment], *, team, change: str, actor) -> list[int]:
    """`post_commitment_changed` for many commitments of the team at once, in the queries of one."""
    return webhooks.post_events([_occurrence(commitment, team=team, change=change, actor=actor, renegotiation=None)
                                 for commitment in commitments])

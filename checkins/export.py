"""A person's part of "Download my data" from check-ins (alignment/data_export.py): 6 queries.

Their own check-ins (drafts too) with the key-result updates and blockers written in them, the commitments
they own, the renegotiations they asked for, and the replies they wrote. Never anyone else's check-in: a
reply of theirs says which week and team it answered, not what the other person wrote.
"""

from __future__ import annotations

from django.db.models import Prefetch

from alignment.data_export import ExportPart, ExportSubject, document, quoted, when
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply


def _team(team) -> dict:
    return {"organisation": team.organisation.name, "team": team.name}


def collect(subject: ExportSubject) -> ExportPart:
    person = subject.person
    # An admin's copy leaves out check-ins and replies: their words are for the team's leaders (and the team,
    # where it chose so), not for the organisation's admins, who could not read them in the app either.
    checkins = [] if not subject.for_themselves else list(
        CheckIn.objects.filter(subject.within("team"), author=person)
        .select_related("team__organisation", "strained_non_negotiable")
        .prefetch_related(
            Prefetch("key_result_updates", queryset=KeyResultUpdate.objects.select_related("key_result")),
            Prefetch("blockers", queryset=Blocker.objects.select_related("who_could_help").order_by("opened_at", "pk")),
        ).order_by("week", "team__name", "pk")
    )  # queries: their check-ins; the key-result updates in them; the blockers raised in them
    records = [{
        **_team(c.team), "week": c.week, "state": c.state, "submitted": c.submitted_at, "late": c.is_late,
        "what_moved": c.progress, "highlights": c.highlights, "load": c.load,
        "strained_non_negotiable": c.strained_non_negotiable.title if c.strained_non_negotiable else "",
        "what_strained_it": c.strain_note, "unclear_who_decides": c.boundary_question,
        "acknowledged": c.acknowledged_at,
        "key_result_updates": [{"key_result": u.key_result.metric, "value": u.value, "confidence": u.confidence}
                               for u in c.key_result_updates.all()],
        "blockers": [{"what": b.what, "who_could_help": b.who_could_help.name if b.who_could_help else "",
                      "opened": b.opened_at, "resolved": b.resolved_at, "resolution": b.resolution}
                     for b in c.blockers.all()],
    } for c in checkins]
    commitments = [{
        **_team(c.team), "title": c.title, "standard": c.standard, "due_on": c.due_on, "state": c.state,
        "goal": c.goal.objective if c.goal else "", "created": c.created_at, "agreed": c.agreed_at,
        "why_taken_on_while_overloaded": c.overload_note,
    } for c in Commitment.objects.filter(subject.within("team"), owner=person)
        .select_related("team__organisation", "goal").order_by("due_on", "pk")]  # query: the commitments they own
    renegotiations = [{
        **_team(r.commitment.team), "commitment": r.commitment.title, "asked": r.asked_at, "what": r.kind,
        "why": r.reason, "proposed_due_on": r.proposed_due_on, "proposed_standard": r.proposed_standard,
        "state": r.state, "decided": r.decided_at,
    } for r in Renegotiation.objects.filter(subject.within("commitment__team"), asked_by=person)
        .select_related("commitment__team__organisation").order_by("asked_at", "pk")]  # query: renegotiations asked
    replies = [] if not subject.for_themselves else [{
        **_team(r.check_in.team), "week": r.check_in.week, "reply": r.body, "written": r.created_at,
    } for r in Reply.objects.filter(subject.within("check_in__team"), author=person)
        .select_related("check_in__team__organisation").order_by("created_at", "pk")]  # query: replies they wrote
    return ExportPart(
        records={"checkins": records, "commitments": commitments, "renegotiations": renegotiations,
                 "replies": replies},
        documents={
            "checkins": document("Your check-ins", [_checkin_markdown(c) for c in records]),
            "commitments": document("Your commitments", [
                f"## {c['title']} ({c['team']}, due {c['due_on']:%Y-%m-%d}, {c['state']})\n\n{quoted(c['standard'])}"
                for c in commitments]),
        },
    )


def _checkin_markdown(c: dict) -> str:
    lines = [f"## {c['team']}, week of {c['week']:%Y-%m-%d} ({c['state']})"]
    for label, key in (("What moved", "what_moved"), ("Highlights", "highlights"),
                       ("What strained it", "what_strained_it"), ("Unclear who decides", "unclear_who_decides")):
        if c[key]:
            lines.append(f"**{label}**\n\n{quoted(c[key])}")
    if c["load"]:
        lines.append(f"**Load:** {c['load']}")
    lines += [f"- Key result *{u['key_result']}*: {u['value'] if u['value'] is not None else '—'} "
              f"({u['confidence'] or 'no confidence given'})" for u in c["key_result_updates"]]
    lines += [f"- Blocker: {b['what']} (opened {when(b['opened'])}"
              + (f", resolved {when(b['resolved'])}: {b['resolution']})" if b["resolved"] else ")")
              for b in c["blockers"]]
    return "\n\n".join(lines)

"""A person's part of "Download my data" from charters (alignment/data_export.py): 5 queries.

Their comments on proposed charters, their consents and objections (with a leader's answer to an objection,
which was written to them), the goals and organisation goals they own, and the key-result progress they
recorded. Nobody else's comment or response.
"""

from __future__ import annotations

from alignment.data_export import ExportPart, ExportSubject, document, quoted, when
from charters.models import Comment, Goal, KeyResultProgress, OrganisationGoal, Response


def _charter(charter) -> dict:
    return {"organisation": charter.team.organisation.name, "team": charter.team.name, "charter_version": charter.number}


def collect(subject: ExportSubject) -> ExportPart:
    person = subject.person
    comments = [{
        **_charter(c.charter), "section": c.section, "comment": c.body, "is_reply": c.parent_id is not None,
        "written": c.created_at, "resolved": c.resolved_at,
    } for c in Comment.objects.filter(subject.within("charter__team"), author=person)
        .select_related("charter__team__organisation").order_by("created_at", "pk")]  # query: their comments
    responses = [{
        **_charter(r.charter), "response": r.kind, "reason": r.reason, "given": r.created_at, "changed": r.updated_at,
        "to_revision": r.revision, "answer": r.answer, "answer_text": r.answer_text, "answered": r.answered_at,
        "resolved_by_amendment": r.resolved_by_amendment,
    } for r in Response.objects.filter(subject.within("charter__team"), member=person)
        .select_related("charter__team__organisation").order_by("created_at", "pk")]  # query: their responses
    goals = [{
        **_charter(g.charter), "objective": g.objective, "purpose_part": g.purpose_part, "tradeoff": g.tradeoff,
    } for g in Goal.objects.filter(subject.within("charter__team"), owner=person)
        .select_related("charter__team__organisation").order_by("charter__team__name", "charter__number", "pk")
    ]  # query: the team goals they own
    organisation_goals = OrganisationGoal.objects.filter(owner=person).select_related("organisation")
    if subject.organisation is not None:
        organisation_goals = organisation_goals.filter(organisation=subject.organisation)
    owned = [{
        "organisation": g.organisation.name, "objective": g.objective, "purpose_part": g.purpose_part,
        "created": g.created_at, "closed": g.closed_at,
    } for g in organisation_goals.order_by("organisation__name", "position", "pk")]  # query: organisation goals
    progress = [{
        **_charter(p.key_result.goal.charter), "key_result": p.key_result.metric, "value": p.value,
        "confidence": p.confidence, "note": p.note, "recorded": p.recorded_at, "source": p.source,
    } for p in KeyResultProgress.objects.filter(subject.within("key_result__goal__charter__team"), recorded_by=person)
        .select_related("key_result__goal__charter__team__organisation").order_by("recorded_at", "pk")
    ]  # query: the progress they recorded
    return ExportPart(
        records={"comments": comments, "responses": responses, "goals_owned": goals,
                 "organisation_goals_owned": owned, "key_result_progress": progress},
        documents={
            "comments": document("Your comments on charters", [
                f"## {c['team']}, charter version {c['charter_version']}, {c['section']} ({when(c['written'])})\n\n"
                f"{quoted(c['comment'])}" for c in comments]),
            "responses": document("Your consents and objections", [
                f"## {r['team']}, charter version {r['charter_version']}: {r['response']} ({when(r['given'])})\n\n"
                + (quoted(r["reason"]) if r["reason"] else "No reason given.")
                + (f"\n\nAnswered ({r['answer']}): {r['answer_text']}" if r["answer"] else "") for r in responses]),
        },
    )

"""A person's part of "Download my data" from the decision log (alignment/data_export.py): 2 queries.

The proposals they logged, with their verdict and where they stand, and the final calls they recorded.
"""

from __future__ import annotations

from alignment.data_export import ExportPart, ExportSubject, document, quoted, when
from decisions.models import Decision, DecisionOutcome


def collect(subject: ExportSubject) -> ExportPart:
    person = subject.person
    logged = [{
        "organisation": d.team.organisation.name, "team": d.team.name, "proposal": d.title,
        "description": d.description, "effect_on_purpose": d.purpose_effect, "effect_on_metrics": d.metric_effect,
        "investment": d.investment_amount, "investment_until": d.investment_until, "verdict": d.verdict,
        "final_decision": d.outcome, "logged": d.logged_at, "review_on": d.review_on,
    } for d in Decision.objects.filter(subject.within("team"), logged_by=person)
        .select_related("team__organisation").order_by("logged_at", "pk")]  # query: the proposals they logged
    calls = [{
        "organisation": o.decision.team.organisation.name, "team": o.decision.team.name,
        "proposal": o.decision.title, "final_decision": o.outcome, "reason": o.reason, "decided": o.decided_at,
    } for o in DecisionOutcome.objects.filter(subject.within("decision__team"), decided_by=person)
        .select_related("decision__team__organisation").order_by("decided_at", "pk")]  # query: their final calls
    return ExportPart(
        records={"proposals_logged": logged, "final_calls": calls},
        documents={"decisions": document("Your decisions", [
            f"## {d['proposal']} ({d['team']}, logged {when(d['logged'])})\n\n"
            f"Verdict: {d['verdict']}; final decision: {d['final_decision']}."
            + (f"\n\n{quoted(d['description'])}" if d["description"] else "") for d in logged
        ] + [
            f"## Your call on {c['proposal']} ({c['team']}, {when(c['decided'])}): {c['final_decision']}\n\n"
            f"{quoted(c['reason'])}" for c in calls
        ])},
    )

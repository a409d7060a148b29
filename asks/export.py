"""A person's part of "Download my data" from requests between teams (alignment/data_export.py): 2 queries.

The requests they sent, with the answer they were given, and the input they wrote in consultations.
"""

from __future__ import annotations

from alignment.data_export import ExportPart, ExportSubject, document, quoted, when
from asks.models import Ask, AskComment


def collect(subject: ExportSubject) -> ExportPart:
    person = subject.person
    sent = [{
        "organisation": a.asking_team.organisation.name, "from_team": a.asking_team.name,
        "to_team": a.receiving_team.name, "kind": a.kind, "request": a.title, "why": a.body, "area": a.area,
        "who_decides": a.route, "consult_by": a.due_on, "state": a.state, "answer": a.answer,
        "answered": a.answered_at, "sent": a.created_at,
    } for a in Ask.objects.filter(subject.within("asking_team"), asked_by=person)
        .select_related("asking_team__organisation", "receiving_team").order_by("created_at", "pk")
    ]  # query: the requests they sent
    comments = [{
        "organisation": c.ask.asking_team.organisation.name, "from_team": c.ask.asking_team.name,
        "to_team": c.ask.receiving_team.name, "request": c.ask.title, "input": c.body, "written": c.created_at,
    } for c in AskComment.objects.filter(subject.within("ask__asking_team"), author=person)
        .select_related("ask__asking_team__organisation", "ask__receiving_team").order_by("created_at", "pk")
    ]  # query: the input they wrote
    return ExportPart(
        records={"requests_sent": sent, "input_written": comments},
        documents={"requests": document("Your requests between teams", [
            f"## {a['request']} ({a['from_team']} → {a['to_team']}, {when(a['sent'])}, {a['state']})"
            + (f"\n\n{quoted(a['why'])}" if a["why"] else "")
            + (f"\n\nAnswer: {a['answer']}" if a["answer"] else "") for a in sent
        ] + [
            f"## Your input on {c['request']} ({c['to_team']}, {when(c['written'])})\n\n{quoted(c['input'])}"
            for c in comments
        ])},
    )

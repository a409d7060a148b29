"""A person's part of "Download my data" from retrospectives (alignment/data_export.py): 5 queries.

Their cards (those written anonymously too: they are theirs, and nobody else's export shows who wrote
them), their votes, their ratings of the non-negotiables, the notes they took and the actions they own.
An admin's export of them leaves out their anonymous cards: naming the author to anyone else is what
anonymity promises never to do.
"""

from __future__ import annotations

from alignment.data_export import ExportPart, ExportSubject, document, quoted
from reviews.retro.models import NonNegotiableRating, RetroAction, RetroCard, RetroNote, RetroVote


def _session(retrospective) -> dict:
    return {"organisation": retrospective.team.organisation.name, "team": retrospective.team.name,
            "cycle": retrospective.cycle.number}


SESSION = ("retrospective__team__organisation", "retrospective__cycle")


def collect(subject: ExportSubject) -> ExportPart:
    person = subject.person
    in_scope = subject.within("retrospective__team")
    cards = RetroCard.objects.filter(in_scope, author=person)
    if not subject.for_themselves:
        cards = cards.exclude(retrospective__is_anonymous=True)
    cards = [{
        **_session(c.retrospective), "prompt": c.prompt.text, "card": c.text, "theme": c.theme.name if c.theme else "",
        "anonymous": c.retrospective.is_anonymous, "written": c.created_at,
    } for c in cards.select_related(*SESSION, "prompt", "theme").order_by("created_at", "pk")]  # query: their cards
    # Votes and ratings are secret ballots: only the person's own copy holds theirs.
    secret = subject.for_themselves
    votes = [] if not secret else [{**_session(v.retrospective), "theme": v.theme.name, "cast": v.created_at}
             for v in RetroVote.objects.filter(in_scope, voter=person).select_related(*SESSION, "theme")
             .order_by("created_at", "pk")]  # query: their votes
    ratings = [] if not secret else [{**_session(r.retrospective), "non_negotiable": r.non_negotiable.title,
                                      "rating": r.rating, "rated": r.rated_at}
               for r in NonNegotiableRating.objects.filter(in_scope, participant=person)
               .select_related(*SESSION, "non_negotiable").order_by("rated_at", "pk")]  # query: their ratings
    notes = [{**_session(n.retrospective), "theme": n.theme.name, "note": n.text, "written": n.created_at}
             for n in RetroNote.objects.filter(in_scope, author=person).select_related(*SESSION, "theme")
             .order_by("created_at", "pk")]  # query: the notes they took
    actions = [{**_session(a.retrospective), "action": a.title, "kind": a.kind, "due_on": a.due_on,
                "standard": a.standard, "review": a.review}
               for a in RetroAction.objects.filter(in_scope, owner=person).select_related(*SESSION)
               .order_by("created_at", "pk")]  # query: the actions they own
    return ExportPart(
        records={"cards": cards, "votes": votes, "ratings": ratings, "notes": notes, "actions_owned": actions},
        documents={"retrospectives": document("Your retrospectives", [
            f"## {c['team']}, cycle {c['cycle']}: {c['prompt']}" + (" (anonymous)" if c["anonymous"] else "")
            + f"\n\n{quoted(c['card'])}" for c in cards
        ] + [
            f"## {n['team']}, cycle {n['cycle']}: your note on “{n['theme']}”\n\n{quoted(n['note'])}" for n in notes
        ] + [
            f"## {r['team']}, cycle {r['cycle']}: you rated “{r['non_negotiable']}” {r['rating']}" for r in ratings
        ])},
    )

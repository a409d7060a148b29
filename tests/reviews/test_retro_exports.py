"""A session's summary page and its Markdown and CSV downloads: cards, themes, votes, actions, ratings, people."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from reviews.models import NonNegotiableRating, RetroAction, RetroNote, RetroVote
from tests.reviews.retro_factories import (
    CYCLE_END,
    charter_in_force,
    open_cycle,
    session,
    set_phase,
    theme,
    url,
    write_card,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(team, leader, member, facilitator):
    # Counts as they are: small-team privacy ("fewer than 3") is tests/checkins/test_small_team_privacy.py's.
    team.privacy_minimum = 1
    team.save(update_fields=["privacy_minimum"])
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed")
    deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"),
                    write_card(retro, leader, "=HYPERLINK(\"http://evil\")"))
    pages = theme(retro, "Night pages", write_card(retro, member, "Too many pages", kind="change"))
    for voter, slot, voted in ((member, 0, deploys), (member, 1, deploys), (leader, 0, pages)):
        RetroVote.objects.create(retrospective=retro, voter=voter, theme=voted, slot=slot)
    RetroNote.objects.create(retrospective=retro, theme=deploys, author=facilitator, text="Tuesdays work")
    nn = retro.prompts.filter(kind="non_negotiable").first().non_negotiable
    for person, rating in ((member, "held"), (leader, "strained")):
        NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=person, rating=rating)
    RetroAction.objects.create(retrospective=retro, theme=deploys, kind="commitment", title="Release checklist",
                               owner=member, due_on=CYCLE_END, standard="Used twice", token=uuid.uuid4())
    return retro


def test_the_summary_page(login, reviewed, member):
    body = login(member).get(url("retro_summary", reviewed.pk)).content.decode()

    assert "3 cards, 3 votes, 1 action." in body
    assert body.index("Deploys") < body.index("Night pages")  # most votes first
    assert "Release checklist" in body and "Tuesdays work" in body
    assert "<td>1</td><td>1</td><td>0</td>" in body  # Reviewed code only: held 1, strained 1, broken 0


def test_the_markdown_download(login, reviewed, member):
    response = login(member).get(url("retro_export_markdown", reviewed.pk))

    text = response.content.decode()
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert 'filename="platform-cycle-1-retrospective.md"' in response["Content-Disposition"]
    assert "### Deploys (2 votes)" in text and "- Calmer releases — Max Member" in text
    assert "- **Release checklist** (commitment for the next cycle) — Max Member, due 16 Nov 2026." in text
    assert "| Reviewed code only | 1 | 1 | 0 |" in text
    assert "| Max Member | 2 | 1 | 2 |" in text  # cards, ratings, votes


def test_the_csv_download(login, reviewed, member):
    response = login(member).get(url("retro_export_csv", reviewed.pk))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["record", "prompt or theme", "text", "author or owner", "votes", "detail", "due", "state"]
    kinds = [row[0] for row in rows[1:]]
    assert {kinds.count(k) for k in ("card",)} == {3} and kinds.count("theme") == 2
    assert ["theme", "Deploys", "", "", "2", "2 cards", "", ""] in rows
    assert ["rating", "Reviewed code only", "strained", "", "", "1", "", ""] in rows
    assert ["action", "Deploys", "Release checklist", "Max Member", "", "Used twice", "2026-11-16",
            "commitment for the next cycle"] in rows
    assert ["participation", "", "", "Max Member", "2", "1 ratings, 2 cards", "", ""] in rows
    # A card that looks like a formula stays text in a spreadsheet.
    assert any(row[2] == "'=HYPERLINK(\"http://evil\")" for row in rows)


def test_votes_stay_hidden_in_the_downloads_until_the_vote_ends(login, reviewed, member):
    set_phase(reviewed, "vote")

    text = login(member).get(url("retro_export_markdown", reviewed.pk)).content.decode()
    rows = list(csv.reader(io.StringIO(login(member).get(url("retro_export_csv", reviewed.pk)).content.decode())))

    assert "### Deploys\n" in text and "vote" not in text.split("## Themes")[1].split("## Participation")[0]
    assert ["theme", "Deploys", "", "", "", "2 cards", "", ""] in rows

"""A whole retrospective through its pages, as plain form posts (no JavaScript) and as htmx posts."""

from __future__ import annotations

import pytest

from checkins.models import Commitment
from reviews.models import NonNegotiableRating, RetroAction, RetroCard, Retrospective, RetroTheme, RetroVote
from tests.reviews.retro_factories import REVIEW_DAY, charter_in_force, open_cycle, prompt_of, url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cycle(team, leader, member, facilitator, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY)  # the clock stands still: the timer reads 5:00
    return open_cycle(team, charter_in_force(team))


def _advance(client, retro, phase, **extra):
    return client.post(url("retro_advance", retro.pk), {"expected_phase": phase}, **extra)


def test_a_facilitator_runs_a_session_from_start_to_close(client, login, team, cycle, member, facilitator):
    facilitating = login(facilitator)
    response = facilitating.post(url("retro_start"), {"template": ""})
    retro = Retrospective.objects.get()
    assert response.status_code == 302 and response["Location"] == retro.get_absolute_url()
    assert [p.kind for p in retro.prompts.all()] == ["purpose", "non_negotiable", "non_negotiable", "boundaries",
                                                      "goals", "investments", "keep", "change", "try"]

    settings = {"is_anonymous": "on", "votes_per_person": "2"}
    assert facilitating.post(url("retro_settings", retro.pk), settings).status_code == 302
    assert facilitating.get(retro.get_absolute_url()).status_code == 200
    assert _advance(facilitating, retro, "setup").status_code == 302
    assert _advance(facilitating, retro, "review_actions").status_code == 302

    keep = prompt_of(retro, "keep")
    page = facilitating.get(retro.get_absolute_url())
    assert page.status_code == 200 and b"Your card" in page.content
    posted = facilitating.post(url("retro_card_add", retro.pk), {"prompt": keep.pk, "text": "Pairing on deploys",
                                                                  "token": "7d3c1f8e-1b9a-4d2e-9d7a-2f6f5e4c3b2a"})
    assert posted.status_code == 302
    client.logout()
    as_member = login(member)
    as_member.post(url("retro_card_add", retro.pk), {"prompt": keep.pk, "text": "Calmer releases",
                                                      "token": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}, **HTMX)
    nn = retro.prompts.filter(kind="non_negotiable").first().non_negotiable
    assert as_member.post(url("retro_rate", retro.pk), {f"nn_{nn.pk}": "strained"}).status_code == 302
    assert NonNegotiableRating.objects.get().rating == "strained"
    assert RetroCard.objects.count() == 2

    client.logout()
    facilitating = login(facilitator)
    assert _advance(facilitating, retro, "collect").status_code == 302
    keys = list(RetroCard.objects.values_list("key", flat=True))
    grouped = facilitating.post(url("retro_group", retro.pk), {"cards": keys, "name": "Release rhythm"})
    assert grouped.status_code == 302, grouped.content.decode()[:2000]
    theme = RetroTheme.objects.get()
    assert _advance(facilitating, retro, "group").status_code == 302
    assert facilitating.post(url("retro_vote", retro.pk), {"theme": theme.pk, "vote": "add"}).status_code == 302
    assert facilitating.post(url("retro_vote", retro.pk), {"theme": theme.pk, "vote": "add"}).status_code == 302
    refused = facilitating.post(url("retro_vote", retro.pk), {"theme": theme.pk, "vote": "add"})
    assert refused.status_code == 400 and "used all 2 of your votes" in refused.content.decode()
    assert RetroVote.objects.count() == 2

    assert _advance(facilitating, retro, "vote").status_code == 302
    assert facilitating.post(url("retro_timer", retro.pk), {"theme": theme.pk, "minutes": "5",
                                                             "timer": "start"}).status_code == 302
    assert "5:00" in facilitating.get(retro.get_absolute_url()).content.decode()
    assert facilitating.post(url("retro_note_add", retro.pk, theme.pk), {
        "text": "Deploy on Tuesdays", "token": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"}).status_code == 302
    assert _advance(facilitating, retro, "discuss").status_code == 302

    action = {"kind": "commitment", "title": "Write the release checklist", "owner": str(member.pk),
              "due_on": "2026-12-01", "standard": "Used for two releases", "theme": str(theme.pk),
              "token": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}
    added = facilitating.post(url("retro_action_add", retro.pk), action)
    assert added.status_code == 302, added.content.decode()[:3000]
    commitment = Commitment.objects.get()
    assert (commitment.owner, commitment.state) == (member, Commitment.State.REQUESTED)
    assert RetroAction.objects.get().commitment == commitment

    assert _advance(facilitating, retro, "actions").status_code == 302
    retro.refresh_from_db()
    assert retro.is_closed and retro.closed_at is not None
    summary = facilitating.get(url("retro_summary", retro.pk))
    assert summary.status_code == 200 and "Write the release checklist" in summary.content.decode()
    assert facilitating.get(url("retro_export_markdown", retro.pk)).status_code == 200
    assert facilitating.get(url("retro_export_csv", retro.pk)).status_code == 200


def test_htmx_gets_the_board_alone(login, team, cycle, facilitator):
    retro = login(facilitator).post(url("retro_start"), {})
    retro = Retrospective.objects.get()
    response = login(facilitator).get(retro.get_absolute_url(), **HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board"') and "<html" not in body

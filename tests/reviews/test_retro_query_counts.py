"""The session page and its live endpoint cost the same queries with 10 cards or 200, 2 people or 30."""

from __future__ import annotations

import uuid

import pytest

from reviews.models import NonNegotiableRating, RetroAction, RetroNote, RetroVote
from tests.reviews.retro_factories import REVIEW_DAY, charter_in_force, open_cycle, session, set_phase, theme, url
from tests.reviews.retro_factories import write_card as card

pytestmark = pytest.mark.django_db

SIZES = pytest.mark.parametrize(("cards", "people"), [(10, 2), (200, 30)])
HTMX = {"HTTP_HX_REQUEST": "true"}

# Every session page: the user, and their memberships (team_access, which also fills the header's team
# switcher and brings the header's bell's unread count); the session with its cycle, facilitator and the theme
# under discussion; its prompts with their non-negotiables; its cards (the authors' names only when the session
# is not anonymous). Then what each phase shows (ratings counted only in the summary: the board shows prompts
# no more once collecting ended):
EVERY_PAGE = 2 + 3
PHASES = {
    # the reader's own ratings; the charter in force; its key results with their latest readings; the cycle's
    # conscious investments; its check-ins that named a strained non-negotiable or asked who decides
    "collect": EVERY_PAGE + 5,
    # themes
    "group": EVERY_PAGE + 1,
    # themes; votes (theme and voter only)
    "vote": EVERY_PAGE + 2,
    # themes; votes; notes
    "discuss": EVERY_PAGE + 3,
    # themes; votes; notes; actions with owners and commitments; the team's people (owners to choose)
    "actions": EVERY_PAGE + 5,
    # themes; votes; notes; actions with owners and commitments
    "closed": EVERY_PAGE + 4,
}


@pytest.fixture
def crowd(team, leader, facilitator, make_user, add_member, monkeypatch):
    """`crowd(cards, people, phase)`: a session in `phase` with that many cards, written, grouped (five to a
    theme), voted on, rated and discussed by that many people, and one action per theme."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY)
    open_cycle(team, charter_in_force(team))

    def grow(cards: int, people: int, phase: str):
        retro = session(team, facilitator, phase="collect")
        folks = [make_user(f"person{i}@example.com", f"Person {i}") for i in range(people)]
        for person in folks:
            add_member(team, person, "member")
        written = [card(retro, folks[n % people], f"Card {n}") for n in range(cards)]
        themes = [theme(retro, f"Theme {t}", *written[t * 5:(t + 1) * 5]) for t in range(cards // 5)]
        RetroVote.objects.bulk_create(RetroVote(retrospective=retro, voter=person, theme=themes[(n + slot) % len(themes)],
                                                slot=slot) for n, person in enumerate(folks) for slot in range(3))
        nns = [p.non_negotiable for p in retro.prompts.filter(kind="non_negotiable")]
        NonNegotiableRating.objects.bulk_create(NonNegotiableRating(retrospective=retro, non_negotiable=nn,
                                                                    participant=person, rating="held")
                                                for nn in nns for person in folks)
        RetroNote.objects.bulk_create(RetroNote(retrospective=retro, theme=made, author=facilitator,
                                                text="Noted", token=uuid.uuid4()) for made in themes)
        RetroAction.objects.bulk_create(RetroAction(retrospective=retro, theme=made, kind="commitment",
                                                    title=f"Do {made.name}", owner=folks[0], due_on=REVIEW_DAY.date(),
                                                    standard="Done", token=uuid.uuid4()) for made in themes)
        return set_phase(retro, phase)

    return grow


@SIZES
@pytest.mark.parametrize("phase", list(PHASES))
def test_the_session_page(login, facilitator, crowd, cards, people, phase, django_assert_num_queries):
    retro = crowd(cards, people, phase)
    client, page = login(facilitator), retro.get_absolute_url()

    with django_assert_num_queries(PHASES[phase]):
        response = client.get(page)

    assert response.status_code == 200
    assert response.content.decode().count('class="retro-card') >= cards


@SIZES
def test_the_live_endpoint_when_nothing_changed(login, member, crowd, cards, people, django_assert_num_queries):
    retro = crowd(cards, people, "vote")
    client, live = login(member), url("retro_live", retro.pk, query=f"v={retro.version}")

    # the session's version for a member of its team, read with what their session is checked against (the session
    # is cached): one query by primary key, ahead of the rest of the site (reviews/retro/quiet.py).
    with django_assert_num_queries(1):
        response = client.get(live, **HTMX)

    assert response.status_code == 204 and response.content == b""


@SIZES
def test_the_live_endpoint_when_something_changed(login, member, crowd, cards, people, django_assert_num_queries):
    retro = crowd(cards, people, "vote")
    client, live = login(member), url("retro_live", retro.pk, query=f"v={retro.version - 1}")

    # the user, the session's version; then the board as the page has it in the vote (memberships, session,
    # prompts, cards, themes, votes), without the header around it.
    with django_assert_num_queries(8):
        response = client.get(live, **HTMX)

    assert response.status_code == 200 and response.content.decode().lstrip().startswith('<div id="board"')

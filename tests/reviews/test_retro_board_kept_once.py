"""The live board is drawn once per version for everyone who reads it alike, and each reader's own parts in it.

Everyone with the same permissions reads the same board but for what is theirs: their cards, their ratings,
their votes and votes left, how many cards are theirs, the timer's clock, the forms they send. The board is
kept once per version of what it shows, with a mark where each of those goes (`{% own %}`), and each reading
draws them for its reader (reviews/retro/views.py, `_shared_board`). These tests hold that whoever drew it
first, every reader gets exactly the board drawn for them alone, in every phase, role and setting; that it is
drawn once; and that what the board shows from outside the session shows at once.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from alignment import fragments
from charters.models import KeyResult, KeyResultProgress
from checkins.models import CheckIn, Commitment
from decisions.models import Decision
from reviews.models import RetroAction, Retrospective, ReviewCycle
from reviews.retro import views
from reviews.retro.models import NonNegotiableRating, RetroNote, RetroVote
from tests.reviews.retro_factories import (
    CYCLE_START,
    LONDON,
    charter_in_force,
    closed_cycle,
    open_cycle,
    prompt_of,
    session,
    set_phase,
    theme,
    url,
    write_card,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PHASES = ["setup", "review_actions", "collect", "group", "vote", "discuss", "actions", "closed"]
# What differs between two readings of the same board and says nothing: the tokens each reading gives its forms
# (and the CSRF token, masked anew), and the clock (the timer's "now" and what is left).
NOISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "TOKEN"),
    (re.compile(r"\b[A-Za-z0-9]{64}\b"), "CSRF"),
    (re.compile(r'data-server-now="[^"]*"'), 'data-server-now=""'),
    (re.compile(r'aria-label="Time left">[^<]*<'), 'aria-label="Time left"><'),
    (re.compile(r"b=[0-9a-f.]+"), "b="),  # the digests of the board, which sum up what is compared here
    (re.compile(r"s=[0-9]+"), "s="),  # when the reading drew it
]


@pytest.fixture
def fiona(make_user, add_member, team):
    user = make_user("fiona@example.com", "Fiona Second")
    add_member(team, user, "facilitator")
    return user


def a_session_in(team, facilitator, member, kwame, phase: str, **settings) -> Retrospective:
    """A session with something of everyone's in it: last session's actions, cards by three people, a rating,
    themes with votes and notes, the timer running, actions agreed, then put into `phase`."""
    charter = charter_in_force(team)
    earlier = closed_cycle(team, charter, number=0, start=CYCLE_START - timedelta(weeks=6))
    before = Retrospective.objects.create(team=team, cycle=earlier, facilitator=facilitator,
                                          phase=Retrospective.Phase.CLOSED, closed_at=timezone.now())
    RetroAction.objects.create(retrospective=before, kind="commitment", title="Write the runbook", owner=member,
                               due_on=CYCLE_START, standard="Reviewed by two", token=uuid.uuid4())
    open_cycle(team, charter)
    retro = session(team, facilitator, phase="collect", **settings)
    cards = [write_card(retro, person, f"{person.name} says {n}", kind=kind)
             for n, (person, kind) in enumerate([(member, "keep"), (kwame, "keep"), (facilitator, "change"),
                                                 (member, "change"), (kwame, "try")])]
    rated = prompt_of(retro, "non_negotiable")
    NonNegotiableRating.objects.create(retrospective=retro, non_negotiable_id=rated.non_negotiable_id,
                                       participant=member, rating="strained")
    if phase not in ("setup", "review_actions", "collect"):
        deploys, pairing = theme(retro, "Deploys", *cards[:2]), theme(retro, "Pairing", cards[2])
        RetroVote.objects.create(retrospective=retro, theme=deploys, voter=member, slot=0)
        RetroVote.objects.create(retrospective=retro, theme=deploys, voter=member, slot=1)
        RetroVote.objects.create(retrospective=retro, theme=pairing, voter=kwame, slot=0)
        RetroNote.objects.create(retrospective=retro, theme=deploys, author=facilitator, text="Ship on Tuesdays")
        Retrospective.objects.filter(pk=retro.pk).update(discussing=deploys,
                                                         timer_ends_at=timezone.now() + timedelta(minutes=4))
        RetroAction.objects.create(retrospective=retro, kind="commitment", title="Pair on every deploy",
                                   owner=kwame, due_on=CYCLE_START + timedelta(weeks=8), standard="Every deploy", token=uuid.uuid4())
    return set_phase(retro, phase)


def readings(client, retro) -> list[str]:
    """The session as one person gets it: the page, the board with htmx, the live poll's whole board."""
    return [client.get(target, **headers).content.decode() for target, headers in (
        (retro.get_absolute_url(), {}), (retro.get_absolute_url(), HTMX),
        (url("retro_live", retro.pk, query="v=0"), HTMX))]


def alike(body: str) -> str:
    for pattern, instead in NOISE:
        body = pattern.sub(instead, body)
    return body


def card_text(body: str, prompt) -> str:
    """The card form's text field under `prompt`, as drawn."""
    return re.search(rf'<textarea[^>]*id="card-{prompt.pk}-text"[^>]*>', body).group(0)


def kept_boards() -> list[str]:
    return [key for key in list(cache._cache) if ":retro-board:" in key]


def forget_everything_kept() -> None:
    cache.clear()
    fragments.near.clear()


@pytest.mark.parametrize("kind", [{}, {"anonymous": True, "hide_text": True}], ids=["named", "anonymous"])
@pytest.mark.parametrize("phase", PHASES)
def test_whoever_drew_the_board_first_each_reader_gets_the_board_drawn_for_them_alone(
        login, team, leader, facilitator, fiona, member, kwame, admin, monkeypatch, phase, kind):
    retro = a_session_in(team, facilitator, member, kwame, phase, **kind)
    # Each reader, after someone with the same permissions drew the board (Fiona for Fay, Kwame for Max, and
    # the other way round), and after nobody did (the team's leader and an admin of the organisation).
    for first, reader in ((fiona, facilitator), (kwame, member), (member, kwame), (None, leader), (None, admin)):
        forget_everything_kept()
        if first is not None:
            readings(login(first), retro)
        shared = readings(login(reader), retro)
        with monkeypatch.context() as alone:
            alone.setattr(views, "_shareable", lambda page, **kwargs: False)
            drawn_alone = readings(login(reader), retro)
        for got, expected in zip(shared, drawn_alone, strict=True):
            assert alike(got) == alike(expected), f"{reader.name} in {phase}"


def test_the_board_is_drawn_once_for_everyone_with_the_same_permissions(login, team, facilitator, member, kwame):
    retro = a_session_in(team, facilitator, member, kwame, "vote")
    forget_everything_kept()

    for person in (member, kwame, member):
        readings(login(person), retro)
    assert len(kept_boards()) == 1
    (kept,) = kept_boards()  # for minutes: the next change makes another version, and a session makes hundreds
    assert cache._expire_info[kept] - time.time() <= views.BOARD_KEPT_FOR <= 15 * 60

    readings(login(facilitator), retro)  # who runs it reads other controls
    assert len(kept_boards()) == 2


def test_the_kept_board_holds_nothing_of_any_readers_own(login, team, facilitator, member, kwame):
    retro = a_session_in(team, facilitator, member, kwame, "collect", anonymous=True, hide_text=True)
    forget_everything_kept()

    mine = readings(login(member), retro)[0]
    assert "Max Member says 0" in mine and '<span class="badge mine">Yours</span>' in mine
    assert re.search(r'value="strained"[^>]*checked', mine)  # his rating
    readings(login(facilitator), retro)  # whose board has forms: the advance button's

    boards = [cache.get(key.split(":", 2)[-1]) for key in kept_boards()]
    assert len(boards) == 2 and "csrfmiddlewaretoken" in boards[0] + boards[1]
    for board in boards:
        for private in ("says", "Yours", "Max Member", "Fay Facilitator says", "checked",
                        r"\b[A-Za-z0-9]{64}\b", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}"):  # a reader's CSRF or form token
            assert not re.search(private, board), private
    theirs = readings(login(kwame), retro)[0]
    assert "Max Member says 0" not in theirs and "Kwame Mensah says 1" in theirs
    assert not re.search(r'value="strained"[^>]*checked', theirs)


def test_my_votes_and_votes_left_are_each_readers_own(login, team, facilitator, member, kwame):
    retro = a_session_in(team, facilitator, member, kwame, "vote")
    forget_everything_kept()

    kwames = readings(login(kwame), retro)[1]
    maxs = readings(login(member), retro)[1]

    assert "You have <strong>2</strong> of 3 votes left" in kwames
    assert "You have <strong>1</strong> of 3 votes left" in maxs
    assert maxs.count("Take back a vote") == 1 and "your votes: 2" in maxs and "your votes: 2" not in kwames


def test_a_card_just_sent_comes_back_empty_for_its_writer_while_everyone_elses_forms_keep_what_they_type(
        login, team, facilitator, member, kwame):
    retro = a_session_in(team, facilitator, member, kwame, "collect")
    keep = prompt_of(retro, "keep")
    readings(login(kwame), retro)

    sent = login(member).post(url("retro_card_add", retro.pk), {
        "prompt": keep.pk, "text": "Calmer deploys", "token": str(uuid.uuid4())}, **HTMX).content.decode()

    assert "hx-preserve" not in card_text(sent, keep) and "Calmer deploys" in sent and "Card added" in sent
    polled = login(kwame).get(url("retro_live", retro.pk, query="v=0"), **HTMX).content.decode()
    assert "hx-preserve" in card_text(polled, keep)
    assert "Card added" not in polled and len(kept_boards()) == 2  # the version before the card, and after


def rename(user, name: str) -> None:
    user.display_name = name
    user.save(update_fields=["display_name"])


def commit_the_action(retro, team, kwame) -> Commitment:
    action = RetroAction.objects.get(retrospective=retro)
    action.commitment = Commitment.objects.create(team=team, owner=kwame, title=action.title, due_on=action.due_on,
                                                  standard="Two deploys paired")
    action.save(update_fields=["commitment"])
    return action.commitment


def strained_check_in(retro, team, kwame) -> None:
    rated = prompt_of(retro, "non_negotiable").non_negotiable
    CheckIn.objects.create(team=team, author=kwame, week=CYCLE_START + timedelta(weeks=1), state="submitted",
                           submitted_at=timezone.now(), load="about_right", strained_non_negotiable=rated,
                           boundary_question="Who decides on hotfixes?")


def a_reading(retro) -> None:
    kr = KeyResult.objects.get(goal__charter__team=retro.team)
    KeyResultProgress.objects.create(lineage=kr, key_result=kr, value=3, confidence="at_risk",
                                     recorded_at=timezone.now() - timedelta(minutes=1))


def an_investment(retro, team, leader) -> None:
    kr = KeyResult.objects.get(goal__charter__team=team)
    Decision.objects.create(team=team, title="Skip the load tests", purpose_effect="advances",
                            metric_effect="dents", verdict="conscious_investment", key_result=kr,
                            investment_amount="one release", logged_at=datetime(2026, 10, 8, 9, tzinfo=LONDON),
                            logged_by=leader)


# What the board shows that lives outside the session (no write to it bumps its version): (phase, ready, change).
OUTSIDE = {
    "the facilitator renamed": ("collect", None, lambda w: rename(w.facilitator, "Fay F.")),
    "an author renamed": ("group", None, lambda w: rename(w.kwame, "Kwame A. Mensah")),
    "an author left the team": ("group", None, lambda w: w.kwame.memberships.get(team=w.team).delete()),
    "a check-in named a strain and asked who decides": ("collect", None,
                                                        lambda w: strained_check_in(w.retro, w.team, w.kwame)),
    "a key result read anew": ("collect", None, lambda w: a_reading(w.retro)),
    "an investment logged": ("collect", None, lambda w: an_investment(w.retro, w.team, w.leader)),
    "an action's commitment done": ("actions", lambda w: commit_the_action(w.retro, w.team, w.kwame),
                                    lambda w: Commitment.objects.update(state=Commitment.State.DONE)),
    "an action's owner renamed": ("actions", None, lambda w: rename(w.kwame, "Kwame A. Mensah")),
    "the cycle ends sooner": ("actions", None, lambda w: ReviewCycle.objects.filter(pk=w.retro.cycle_id).update(
        end_date=CYCLE_START + timedelta(weeks=5))),
}


@pytest.mark.parametrize("change", list(OUTSIDE))
def test_what_the_board_shows_from_outside_the_session_shows_at_once(login, team, leader, facilitator, member, kwame,
                                                                      monkeypatch, change):
    phase, ready, changing = OUTSIDE[change]
    retro = a_session_in(team, facilitator, member, kwame, phase)
    world = SimpleNamespace(retro=retro, team=team, leader=leader, facilitator=facilitator, kwame=kwame)
    if ready:
        ready(world)
    forget_everything_kept()
    before = {person: readings(login(person), retro) for person in (member, facilitator)}  # kept for both roles

    changing(world)

    for person in (member, facilitator):
        shared = readings(login(person), retro)
        with monkeypatch.context() as alone:
            alone.setattr(views, "_shareable", lambda page, **kwargs: False)
            drawn_alone = readings(login(person), retro)
        assert [alike(body) for body in shared] == [alike(body) for body in drawn_alone], f"{person.name}: {change}"
    assert [alike(body) for body in shared] != [alike(body) for body in before[facilitator]], "nothing changed"

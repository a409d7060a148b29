"""Who may open and do what on every retrospective URL.

Anonymous people are sent to log in; someone in another organisation, or in another team of the
same organisation, gets 404 everywhere (a team's retrospective does not leak); facilitators and
leaders run a session (settings, prompts, phases, the timer, actions); everyone in the team takes
part (cards, ratings, grouping, votes, notes) and reads the summary and exports. A card is its
author's: anyone else is refused in words. Each case runs in the phase where its action is open;
in any other phase, and once the session is closed, it is refused in words (400), never a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from alignment.confirm import CONFIRMED
from reviews.models import (
    NonNegotiableRating,
    PromptTemplate,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
)
from tests import cast
from tests.matrix import Matrix
from tests.reviews.retro_factories import (
    CYCLE_START,
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

OK, NO_CONTENT, FOUND, BAD, FORBIDDEN, NOT_FOUND = 200, 204, 302, 400, 403, 404


@dataclass(frozen=True)
class World:
    retro: Retrospective
    card: RetroCard  # the member's
    theme: RetroTheme
    prompt: RetroPrompt  # "keep"
    last_action: RetroAction  # of the previous session, to review
    member_id: int


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    phase: str
    member: int
    facilitator: int
    leader: int
    data: Callable[[World], dict] = field(default=lambda w: {})

    def __str__(self) -> str:
        return self.name


def _r(name: str, *more) -> Callable[[World], str]:
    return lambda w: url(name, w.retro.pk, *(m(w) if callable(m) else m for m in more))


def _nn(w: World) -> dict:
    nn = w.retro.prompts.filter(kind="non_negotiable").first().non_negotiable_id
    return {f"nn_{nn}": "held"}


CASES = [
    Case("retrospectives", "get", lambda w: url("retrospectives"), "setup", OK, OK, OK),
    Case("start", "post", lambda w: url("retro_start"), "setup", FORBIDDEN, FOUND, FOUND),
    Case("session", "get", _r("retrospective"), "collect", OK, OK, OK),
    Case("live, nothing new", "get", lambda w: url("retro_live", w.retro.pk,
                                                   query=f"v={Retrospective.objects.get(pk=w.retro.pk).version}"),
         "collect", NO_CONTENT, NO_CONTENT, NO_CONTENT),
    Case("settings", "post", _r("retro_settings"), "setup", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"is_anonymous": "on", "votes_per_person": "4"}),
    Case("add prompt", "post", _r("retro_prompt_add"), "setup", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"text": "What surprised us?"}),
    # Destructive posts carry the confirmation (alignment/confirm.py); the roles refused are refused all the same.
    Case("remove prompt", "post", _r("retro_prompt_remove", lambda w: w.prompt.pk), "setup", FORBIDDEN, FOUND,
         FOUND, data=lambda w: CONFIRMED),
    Case("move prompt", "post", _r("retro_prompt_move", lambda w: w.prompt.pk), "setup", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"direction": "up"}),
    Case("save template", "post", _r("retro_template_save"), "setup", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"name": "Our review"}),
    Case("advance", "post", _r("retro_advance"), "collect", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"expected_phase": "collect"}),
    Case("review last action", "post", _r("retro_review_action", lambda w: w.last_action.pk), "review_actions",
         FORBIDDEN, FOUND, FOUND, data=lambda w: {"review": "done"}),
    Case("add card", "post", _r("retro_card_add"), "collect", FOUND, FOUND, FOUND,
         data=lambda w: {"prompt": w.prompt.pk, "text": "Pairing helped", "token": str(uuid.uuid4())}),
    # A card is its author's: others do not find it to edit, and are refused taking it back.
    Case("edit card", "get", _r("retro_card_edit", lambda w: w.card.key), "collect", OK, NOT_FOUND, NOT_FOUND),
    Case("edit card (save)", "post", _r("retro_card_edit", lambda w: w.card.key), "collect", FOUND, NOT_FOUND,
         NOT_FOUND, data=lambda w: {"text": "Pairing helped a lot"}),
    Case("take card back", "post", _r("retro_card_delete", lambda w: w.card.key), "collect", FOUND, BAD, BAD,
         data=lambda w: CONFIRMED),
    Case("rate", "post", _r("retro_rate"), "collect", FOUND, FOUND, FOUND, data=_nn),
    Case("group", "post", _r("retro_group"), "group", FOUND, FOUND, FOUND,
         data=lambda w: {"cards": [w.card.key], "name": "Pairing"}),
    Case("move card", "post", _r("retro_card_move", lambda w: w.card.key), "group", FOUND, FOUND, FOUND,
         data=lambda w: {"name": "Pairing"}),
    Case("rename theme", "post", _r("retro_theme_rename", lambda w: w.theme.pk), "group", FOUND, FOUND, FOUND,
         data=lambda w: {"name": "Deploys"}),
    Case("vote", "post", _r("retro_vote"), "vote", FOUND, FOUND, FOUND,
         data=lambda w: {"theme": w.theme.pk, "vote": "add"}),
    Case("timer", "post", _r("retro_timer"), "discuss", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"theme": w.theme.pk, "minutes": "5", "timer": "start"}),
    Case("note", "post", _r("retro_note_add", lambda w: w.theme.pk), "discuss", FOUND, FOUND, FOUND,
         data=lambda w: {"text": "Tuesdays", "token": str(uuid.uuid4())}),
    Case("add action", "post", _r("retro_action_add"), "actions", FORBIDDEN, FOUND, FOUND,
         data=lambda w: {"kind": "commitment", "title": "Checklist", "owner": str(w.member_id),
                         "due_on": "2026-12-01", "standard": "Used twice", "token": str(uuid.uuid4())}),
    Case("summary", "get", _r("retro_summary"), "closed", OK, OK, OK),
    Case("markdown", "get", _r("retro_export_markdown"), "closed", OK, OK, OK),
    Case("csv", "get", _r("retro_export_csv"), "closed", OK, OK, OK),
]

# What a participant does; each refused in words once the session is closed.
PARTICIPANT_WRITES = [case for case in CASES
                      if case.method == "post" and case.member == FOUND and case.name != "edit card (save)"]


def test_every_retrospective_url_is_in_the_matrix():
    """A new URL must be added to CASES above, with its expected status for each role."""
    from reviews.urls import urlpatterns

    cycle_pages = {"cycle", "close_cycle"}  # the cycle page's own tests cover these
    # and tests/reviews/test_trigger_permissions.py these
    cycle_pages |= {"trigger", "trigger_amend", "trigger_dismiss", "review_date"}
    covered = {"retrospectives", "retro_start", "retrospective", "retro_live", "retro_settings", "retro_prompt_add",
               "retro_prompt_remove", "retro_prompt_move", "retro_template_save", "retro_advance",
               "retro_review_action", "retro_card_add", "retro_card_edit", "retro_card_delete", "retro_rate",
               "retro_group", "retro_card_move", "retro_theme_rename", "retro_vote", "retro_timer",
               "retro_note_add", "retro_action_add", "retro_summary", "retro_export_markdown", "retro_export_csv"}
    assert {pattern.name for pattern in urlpatterns} - cycle_pages == covered


def _world() -> dict:
    """The cast, and a session collecting cards after a closed one whose action it reviews."""
    world = cast.everyone()
    team, member, facilitator, leader = world["team"], world["member"], world["facilitator"], world["leader"]
    charter = charter_in_force(team)
    earlier = closed_cycle(team, charter, number=1, start=CYCLE_START.replace(month=8, day=24))
    before = Retrospective.objects.create(team=team, cycle=earlier, facilitator=facilitator, phase="closed",
                                          closed_at=earlier.closed_at)
    last_action = RetroAction.objects.create(retrospective=before, kind="commitment", title="Runbooks",
                                             owner=member, due_on=CYCLE_START, standard="Every alert has one")
    open_cycle(team, charter, number=2)
    retro = session(team, facilitator)
    card = write_card(retro, member, "Pairing on deploys")
    made = theme(retro, "Deploys", write_card(retro, leader, "Calmer releases"))
    world["world"] = World(retro=retro, card=card, theme=made, prompt=prompt_of(retro), last_action=last_action,
                           member_id=member.pk)
    return world


# Built once for the module's hundreds of cells; each test changes a copy, in a savepoint.
world_built_once = cast.built_once_per_module(_world)
globals().update(cast.copies_for_each_test(*cast.EVERYONE, "world"))


def _state() -> tuple:
    return (
        list(Retrospective.objects.values_list("pk", "phase", "version", "is_anonymous", "votes_per_person",
                                               "timer_ends_at")),
        list(RetroPrompt.objects.values_list("pk", "position", "text")),
        list(RetroCard.objects.values_list("pk", "text", "theme_id")),
        list(RetroTheme.objects.values_list("pk", "name")),
        list(RetroVote.objects.values_list("pk")),
        list(RetroNote.objects.values_list("pk")),
        list(RetroAction.objects.values_list("pk", "review")),
        list(NonNegotiableRating.objects.values_list("pk", "rating")),
        list(PromptTemplate.objects.values_list("pk")),
    )


MATRIX = Matrix(_state)
_request = MATRIX.send
_assert_refused_without_writing = MATRIX.refused_without_writing


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    set_phase(world.retro, case.phase)
    MATRIX.sent_to_log_in(client, case, world)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stranger_in_another_organisation_gets_404(login, stranger, world, case):
    set_phase(world.retro, case.phase)
    _assert_refused_without_writing(login(stranger), case, world, NOT_FOUND)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_outsider_in_another_team_gets_404(login, outsider, world, case):
    set_phase(world.retro, case.phase)
    _assert_refused_without_writing(login(outsider), case, world, NOT_FOUND)


@pytest.mark.parametrize("role", ["member", "facilitator", "leader"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_team_roles(request, login, world, case, role):
    set_phase(world.retro, case.phase)
    client = login(request.getfixturevalue(role))
    expected = getattr(case, role)
    if expected in (BAD, FORBIDDEN, NOT_FOUND):
        _assert_refused_without_writing(client, case, world, expected)
    else:
        assert _request(client, case, world).status_code == expected


@pytest.mark.parametrize("case", PARTICIPANT_WRITES, ids=str)
def test_a_member_cannot_act_once_the_session_is_closed(login, member, world, case):
    set_phase(world.retro, "closed")
    before = _state()

    response = _request(login(member), case, world)

    assert response.status_code == BAD
    assert "This retrospective is closed" in response.content.decode()
    assert _state() == before


def test_a_card_after_collecting_is_refused_in_words_with_the_text_kept(login, member, world):
    set_phase(world.retro, "group")

    response = login(member).post(url("retro_card_add", world.retro.pk), {
        "prompt": world.prompt.pk, "text": "One more thought", "token": str(uuid.uuid4())})

    body = response.content.decode()
    assert response.status_code == BAD
    assert "Cards are written while collecting. This session is now at “Group”." in body
    assert "What you wrote, to copy: <q>One more thought</q>" in body
    assert RetroCard.objects.filter(text="One more thought").count() == 0


def test_an_archived_team_refuses_every_change(login, member, facilitator, world, team):
    from django.utils import timezone

    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])
    set_phase(world.retro, "collect")

    assert login(member).get(world.retro.get_absolute_url()).status_code == OK
    _assert_refused_without_writing(login(member), CASES[11], world, FORBIDDEN)  # add card
    _assert_refused_without_writing(login(facilitator), CASES[9], world, FORBIDDEN)  # advance

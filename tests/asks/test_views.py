"""The ask pages: asking keeps what was typed on every refusal, a second answer is refused as typed, withdrawing asks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alignment import confirm
from asks.models import Ask, AskComment
from charters.models import Charter
from tests.asks.conftest import TODAY, ask_url


@pytest.fixture(autouse=True)
def world(cast):
    return cast


def typed(boundary, **overrides) -> dict:
    data = {"asking_team": "", "kind": "change", "title": "Warn patients the clinic may call back",
            "body": "Typed with care.", "boundary": str(boundary.pk), "due_on": "", "purpose_effect": "",
            "metric_effect": ""}
    data.update(overrides)
    return data


def test_the_form_offers_the_boundaries_in_force_and_a_week_to_decide(login, member):
    response = login(member).get(ask_url("create"), follow=True)
    page = response.content.decode()
    assert "Marketing budget — fixed, set by Director of Operations" in page
    assert "Messaging to patients — consult" in page
    assert "None of these / not sure" in page
    assert (TODAY + timedelta(days=7)).isoformat() in page


def test_the_same_form_submitted_twice_asks_once(login, member, team, boundary):
    client = login(member)
    handed_out = client.get(ask_url("create"))
    assert handed_out.status_code == 302 and "key=" in handed_out["Location"]
    key = handed_out["Location"].split("key=")[1]
    assert f'value="{key}"' in client.get(handed_out["Location"]).content.decode()
    typed_in = typed(boundary("consult"), asking_team=team.pk, due_on=(TODAY + timedelta(days=3)).isoformat(),
                     idempotency_key=key)

    first, second = client.post(ask_url("create"), typed_in), client.post(ask_url("create"), typed_in)

    ask = Ask.objects.get()
    assert first["Location"] == second["Location"] == ask.get_absolute_url()
    assert "already sent" in client.get(second["Location"]).content.decode()


def test_asking_under_consult_leads_to_the_request(login, member, team, boundary):
    client = login(member)
    response = client.post(ask_url("create"), typed(boundary("consult"), asking_team=team.pk,
                                                     due_on=(TODAY + timedelta(days=3)).isoformat()))
    ask = Ask.objects.get()
    assert response.status_code == 302 and response["Location"] == ask.get_absolute_url()
    assert ask.due_on == TODAY + timedelta(days=3) and ask.asked_by == member
    page = client.get(ask.get_absolute_url()).content.decode()
    assert "Consult: Growth decides after consulting you" in page


@pytest.mark.parametrize("label, overrides, error", [
    ("consult", {}, "Say by when they should decide"),
    ("consult", {"due_on": (TODAY - timedelta(days=1)).isoformat()}, "Choose today or a later day"),
    ("team_decides", {}, "judges it by their purpose"),
])
def test_a_refused_ask_keeps_what_was_typed(login, member, team, boundary, label, overrides, error):
    response = login(member).post(ask_url("create"), typed(boundary(label), asking_team=team.pk, **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page and "Typed with care." in page and "Warn patients the clinic may call back" in page
    assert not Ask.objects.exists()


def test_a_charter_changed_meanwhile_asks_again_with_the_text_kept(login, member, team, boundary, growth_charter):
    picked = boundary("fixed")
    Charter.objects.filter(pk=growth_charter.pk).update(state=Charter.State.SUPERSEDED)
    response = login(member).post(ask_url("create"), typed(picked, asking_team=team.pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "charter changed while you were writing" in page and "Typed with care." in page


def test_a_second_answer_is_refused_with_its_words_kept(login, send, growth_leader, second_growth_leader):
    ask = send("fixed")
    login(growth_leader).post(ask_url("answer", ask), {"state": "accepted", "answer": "The director agrees."})
    response = login(second_growth_leader).post(ask_url("answer", ask), {"state": "declined",
                                                                           "answer": "My own typed no."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Sofia Leader already answered" in page and "My own typed no." in page
    ask.refresh_from_db()
    assert ask.state == Ask.State.ACCEPTED and ask.answer == "The director agrees."


def test_an_answer_needs_words(login, send, growth_leader):
    ask = send("fixed")
    response = login(growth_leader).post(ask_url("answer", ask), {"state": "declined", "answer": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert Ask.objects.get().is_open


def test_input_on_a_closed_ask_is_refused_as_typed(login, send, member, growth_leader):
    ask = send("consult")
    login(growth_leader).post(ask_url("answer", ask), {"state": "decided", "answer": "We reword it ourselves."})
    response = login(member).post(ask_url("comment", ask), {"body": "Late thought, kept."})
    assert response.status_code == 409 and "Late thought, kept." in response.content.decode()
    assert not AskComment.objects.exists()


def test_withdrawing_asks_first_and_writes_nothing_until_confirmed(login, send, member):
    ask = send("consult")
    client = login(member)
    response = client.post(ask_url("withdraw", ask))
    assert response.status_code == 200 and "Withdraw “Warn patients the clinic may call back”?" in response.content.decode()
    assert Ask.objects.get().is_open
    response = client.post(ask_url("withdraw", ask), confirm.CONFIRMED)
    assert response.status_code == 302 and Ask.objects.get().is_withdrawn


def test_the_chooser_leads_to_the_form_for_the_team_chosen(login, member):
    response = login(member).get(ask_url("list", team="platform") + "?to=growth")
    assert response.status_code == 302 and response["Location"] == ask_url("create")
    response = login(member).get(ask_url("list", team="platform") + "?to=nowhere")
    assert response.status_code == 200


def test_both_teams_see_the_request_in_their_lists(login, send, member, growth_member):
    send("consult")
    assert "Warn patients the clinic may call back" in login(member).get(
        ask_url("list", team="platform")).content.decode()
    page = login(growth_member).get(ask_url("list")).content.decode()
    assert "Warn patients the clinic may call back" in page and "From Platform" in page


def test_the_asker_reads_the_verdict_but_not_the_decision_log(login, send, member, growth_member):
    ask = send("team_decides")
    page = login(member).get(ask.get_absolute_url()).content.decode()
    assert "verdict <strong>Yes</strong>" in page and ask.decision.get_absolute_url() not in page
    assert ask.decision.get_absolute_url() in login(growth_member).get(ask.get_absolute_url()).content.decode()

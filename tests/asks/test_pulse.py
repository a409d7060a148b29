"""A request that touched no boundary shows in the receiving team's charter pulse, "unclear who decides"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from asks import services


@pytest.fixture(autouse=True)
def world(cast):
    return cast


def week_page(client) -> str:
    return client.get(reverse("checkins:week", args=["harbour", "growth"])).content.decode()


def test_unclear_requests_show_in_the_pulse_for_the_teams_people(login, send, growth_member, growth_leader):
    unclear = send(None, title="Who owns the FAQ?")
    send("consult", title="Clear enough")
    page = week_page(login(growth_member))
    assert "Where it was unclear who decides" in page
    assert "Platform asks “Who owns the FAQ?” (waiting for an answer)" in page
    assert unclear.get_absolute_url() in page and "Clear enough" not in page
    services.answer_ask(ask=unclear, actor=growth_leader, state="decided", answer="We own it")
    assert "Platform asks “Who owns the FAQ?” (decided)" in week_page(login(growth_member))  # asked this week


def test_an_admin_outside_the_team_sees_no_request(login, send, admin):
    send(None, title="Who owns the FAQ?")
    assert "Who owns the FAQ?" not in week_page(login(admin))


def test_the_asking_teams_pulse_does_not_show_it(login, send, member):
    send(None, title="Who owns the FAQ?")
    assert "Who owns the FAQ?" not in login(member).get(
        reverse("checkins:week", args=["harbour", "platform"])).content.decode()

"""Review cycles and retrospective summaries through the API: what their pages compute, with their privacy."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from charters.models import KeyResult
from charters.services import record_progress
from checkins.models import CheckIn
from reviews.models import NonNegotiableRating, Retrospective, ReviewCycle
from tests.charters.factories import ratified_charter
from tests.reviews.retro_factories import charter_in_force, open_cycle, session, theme, write_card

T = "/api/v1/organisations/harbour/teams/platform"
LONDON = ZoneInfo("Europe/London")
STARTED = datetime(2026, 11, 2, 9, tzinfo=LONDON)  # a Monday: ratifying opens cycle 1 then


def test_a_cycle_reads_as_its_page_computes_it(api_as, team, leader, member, facilitator, login, frozen):
    frozen(STARTED)
    charter = ratified_charter(team, leader)
    kr = KeyResult.objects.filter(goal__charter=charter).first()
    record_progress(key_result=kr, actor=leader, value=kr.start_value + (kr.target_value - kr.start_value) / 2,
                    confidence="at_risk", note="")
    for author in (member, facilitator):  # two overloaded: fewer than the team's minimum of three
        CheckIn.objects.create(team=team, author=author, week=STARTED.date(), state="submitted",
                               submitted_at=STARTED, load="overloaded")
    frozen(STARTED + timedelta(days=10))

    listed = api_as("member").get(T + "/cycles").json()["results"]
    read = api_as("admin").get(T + "/cycles/1").json()  # as the page, the organisation's admins read it

    assert [(c["number"], c["state"], c["charter_version"]) for c in listed] == [(1, "open", charter.number)]
    score = read["goals"][0]["key_results"][0]
    assert (score["id"], score["final_confidence"], score["percent"]) == (kr.pk, "at_risk", 50)
    assert Decimal(score["final_value"]) == kr.start_value + (kr.target_value - kr.start_value) / 2
    assert [w["week"] for w in score["weeks"]] == ["2026-11-02", "2026-11-09"]
    first_week = read["participation"][0]
    assert first_week["submitted"] == 2
    assert {row["load"]: row["shown"] for row in first_week["loads"]}["overloaded"] == "fewer than 3"
    page = login(leader).get(read["url"].removeprefix("http://testserver")).content.decode()
    assert kr.metric in page and "(50%)" in page


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_closed_retrospective_s_summary_names_authors_only_when_the_session_did(
        anonymous, api_as, team, leader, member, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed", anonymous=anonymous)
    cards = [write_card(retro, member, "Deploys felt calmer"), write_card(retro, facilitator, "Pager was loud")]
    theme(retro, "Deploys", *cards)
    nn = retro.prompts.filter(non_negotiable__isnull=False).first().non_negotiable
    NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=member, rating="strained")

    summary = api_as("member").get(f"{T}/retrospectives/{retro.pk}/summary").json()

    authors = {card["author"] for card in summary["themes"][0]["cards"]}
    assert authors == ({None} if anonymous else {"Max Member", "Fay Facilitator"})
    cards_counted = {p["name"]: p["cards"] for p in summary["participation"]}
    assert cards_counted["Max Member"] == (None if anonymous else 1)
    rated = next(r for r in summary["non_negotiables"] if r["non_negotiable"] == nn.title)
    assert rated["strained"] == {"count": None, "shown": "fewer than 3"}  # one person: it would name them


def test_a_running_retrospective_has_no_summary_yet(api_as, team, member, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="vote")

    response = api_as("member").get(f"{T}/retrospectives/{retro.pk}/summary")

    assert response.status_code == 409 and "still running" in response.json()["detail"]


@pytest.mark.parametrize("size", [2, 10])
def test_a_page_of_cycles_and_of_retrospectives_costs_the_same_at_any_size(
        size, api_as, team, leader, facilitator, django_assert_num_queries):
    charter = charter_in_force(team)
    start = STARTED.date() - timedelta(weeks=6 * size)
    for number in range(1, size + 1):
        cycle = ReviewCycle.objects.create(
            team=team, number=number, start_date=start, end_date=start + timedelta(weeks=6), charter=charter,
            state="closed", closed_by=leader, closed_at=datetime.combine(start + timedelta(weeks=6),
                                                                         datetime.min.time(), LONDON))
        Retrospective.objects.create(team=team, cycle=cycle, facilitator=facilitator, phase="closed",
                                     closed_at=cycle.closed_at)
        start += timedelta(weeks=6)
    api = api_as("leader")
    api.get(T + "/cycles")  # the token's first use is written once a minute

    # The token with its person and organisation; the leader's memberships with the team's people (the access);
    # a page of cycles with who closed each and the version they ran under; the audit event of the call.
    with django_assert_num_queries(4):
        cycles = api.get(T + "/cycles?page_size=20")
    # The same, with a page of retrospectives with their cycles and facilitators.
    with django_assert_num_queries(4):
        retrospectives = api.get(T + "/retrospectives?page_size=20")

    assert len(cycles.json()["results"]) == len(retrospectives.json()["results"]) == size

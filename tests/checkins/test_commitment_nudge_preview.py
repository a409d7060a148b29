"""`manage.py schedule_preview` lists each team's next commitment nudge (`checkins.tasks.nudge_due_commitments`):
now when one is owed and not yet sent, else when the next one opens, in the team's zone and in UTC."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from alignment import schedule
from alignment.models import Team
from checkins import commitment_reminders as nudges
from checkins.models import Commitment
from tests.checkins.conftest import at

pytestmark = pytest.mark.django_db

THURSDAY, FRIDAY = date(2026, 11, 19), date(2026, 11, 20)  # of the week of MONDAY (16 Nov 2026)


def commit(team, owner, due_on: date, **fields) -> Commitment:
    return Commitment.objects.create(team=team, owner=owner, created_by=owner, title=f"Due {due_on}", standard="x",
                                     due_on=due_on, **fields)


def preview(*args) -> str:
    out = StringIO()
    call_command("schedule_preview", *args, stdout=out)
    return out.getvalue()


def test_the_preview_shows_when_the_next_nudge_opens(team, member, frozen):
    frozen(at(2, "10:00"))  # Wednesday
    commit(team, member, FRIDAY)

    # Friday's "due tomorrow" opens on Thursday at 09:00 in London (GMT in November).
    assert "commitment nudge           Thu 2026-11-19 09:00 GMT   2026-11-19 09:00 UTC" in preview("--team", "platform")


def test_a_nudge_owed_and_not_yet_sent_goes_out_now_and_then_the_next(team, member, frozen):
    frozen(at(2, "10:00"))
    commit(team, member, THURSDAY)  # "due tomorrow" is owed since 09:00 today

    assert "commitment nudge           Wed 2026-11-18 10:00 GMT" in preview()
    nudges.send_commitment_nudges(now=at(2, "10:00"))
    assert "commitment nudge           Thu 2026-11-19 09:00 GMT" in preview()  # then "due today"


def test_a_team_with_nothing_to_nudge_shows_none(team, other_team, member, leader, frozen):
    frozen(at(2, "10:00"))
    commit(team, member, FRIDAY, state="requested")  # asked, not agreed: never nudged
    commit(team, member, FRIDAY, state="done")
    commit(team, member, THURSDAY - timedelta(days=2))  # overdue: its nudges have passed

    output = preview()

    assert output.count("commitment nudge           —") == 2  # this team and the other


def test_the_preview_follows_the_teams_zone(team, member):
    team.time_zone = "Pacific/Auckland"  # 13 hours ahead of London in November
    team.save()
    commit(team, member, FRIDAY)

    times = schedule.upcoming([team], at(2, "10:00"))[team.pk]

    # Thursday 09:00 in Auckland is Wednesday 20:00 UTC.
    assert times[nudges.PREVIEW_LABEL].astimezone(UTC) == at(2, "20:00").astimezone(UTC)


@pytest.mark.parametrize("size", [1, 20])
def test_the_preview_costs_the_same_for_one_team_or_many(organisation, make_user, add_member, size,
                                                         django_assert_num_queries):
    teams = []
    for n in range(size):
        team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                   time_zone="Europe/London")
        person = make_user(f"owner{n}@example.com", f"Owner {n}")
        add_member(team, person, "member")
        commit(team, person, THURSDAY)
        commit(team, person, FRIDAY)
        teams.append(team)

    # The owed nudges' candidates with owners and teams, the deliveries made for their keys, the teams' open
    # commitments' due dates.
    with django_assert_num_queries(3):
        times = nudges.next_times(teams, at(2, "10:00"))

    assert {row[nudges.PREVIEW_LABEL] for row in times.values()} == {at(2, "10:00")}

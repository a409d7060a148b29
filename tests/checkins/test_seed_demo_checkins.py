"""The demo's check-ins: twelve varied weeks per team, this week half done, member@example.com still to
check in, key results moved by check-ins, leaders answering; seeding again changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from alignment.models import Membership, Team
from alignment.permissions import Capability, capabilities_of
from alignment.weeks import current_week, week_starting
from charters.demo import CHARTERS
from charters.models import Charter, KeyResult, KeyResultProgress
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from checkins.selectors import confidence_drops

LONDON = ZoneInfo("Europe/London")


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def seeded(demo_seeded_once, db):
    """The seeded demo, for a test that reads it (or changes it, inside its own rolled-back transaction)."""


def teams_with_a_charter() -> list[Team]:
    teams = [team for team in Team.objects.all() if Charter.objects.active_for(team) is not None]
    assert len(teams) == 3
    return teams


def leaders_of(team: Team) -> set[int]:
    return set(team.memberships.leaders().values_list("user_id", flat=True))


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (CheckIn, Blocker, Reply, KeyResultUpdate, KeyResultProgress,
                                                     Commitment, Renegotiation))


# Seeding at a given moment comes first: the tests after it read the demo seeded once (`demo_seeded_once`).
@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 23, 0, 20, tzinfo=LONDON),  # a few minutes into the week, before any check-in time
    datetime(2026, 11, 26, 12, 0, tzinfo=LONDON),  # Thursday, before Growth's 15:30
    datetime(2026, 11, 29, 23, 50, tzinfo=LONDON),  # the week's last minutes
])
def test_nothing_is_seeded_in_the_future_whenever_it_runs(moment, db, settings, frozen):
    settings.DEBUG = True
    frozen(moment)
    seed()

    for checkin in CheckIn.objects.select_related("team"):
        week = week_starting(checkin.team, checkin.week)
        assert week.contains(checkin.created_at) and checkin.created_at <= moment
        assert checkin.submitted_at is None or (week.contains(checkin.submitted_at) and checkin.submitted_at <= moment)
        assert checkin.acknowledged_at is None or checkin.submitted_at <= checkin.acknowledged_at <= moment
    for blocker in Blocker.objects.filter(resolved_at__isnull=False):
        assert blocker.opened_at < blocker.resolved_at <= moment
    for reply in Reply.objects.select_related("check_in"):
        assert reply.check_in.submitted_at < reply.created_at <= moment
    assert not KeyResultProgress.objects.filter(recorded_at__gt=moment).exists()
    assert Renegotiation.objects.filter(state="pending").count() == 1


def test_every_team_with_a_charter_has_twelve_weeks_of_history(seeded):
    for team in teams_with_a_charter():
        this_week = current_week(team)
        weeks = set(CheckIn.objects.filter(team=team).values_list("week", flat=True))

        assert len(weeks) == 12
        assert max(weeks) == this_week.monday
        assert (this_week.monday - min(weeks)).days == 7 * 11


def test_everyone_who_checks_in_has_most_weeks_and_nobody_else_does(seeded):
    for team in teams_with_a_charter():
        writers = {m.user_id for m in Membership.objects.filter(team=team)
                   if Capability.CHECK_IN in capabilities_of(m)}
        counts = dict(CheckIn.objects.filter(team=team).values_list("author").annotate(Count("pk")))

        assert set(counts) == writers
        assert min(counts.values()) >= 9, team.slug
        assert min(counts.values()) < 12  # some weeks missing: holidays, sickness, not started yet


def test_texts_are_written_by_people_not_a_template(seeded):
    progress = list(CheckIn.objects.values_list("progress", flat=True))
    highlights = [text for text in CheckIn.objects.values_list("highlights", flat=True) if text]
    bodies = list(Reply.objects.values_list("body", flat=True))

    assert len(progress) == len(set(progress))
    assert len(highlights) == len(set(highlights)) > 10
    assert Counter(bodies).most_common(1)[0][1] == 1
    lengths = sorted(len(text) for text in progress)
    assert lengths[0] < 40 and lengths[-1] > 150  # a few words some weeks, a paragraph in others
    assert sum(text[0].islower() for text in progress) >= 10  # some people don't bother with capitals


def test_this_week_is_half_done_and_the_demo_member_has_something_to_do(seeded):
    member = Membership.objects.get(user__email="member@example.com")
    for team in teams_with_a_charter():
        this_week = CheckIn.objects.filter(team=team, week=current_week(team).monday)
        writers = [m for m in Membership.objects.filter(team=team) if Capability.CHECK_IN in capabilities_of(m)]

        assert this_week.filter(state="submitted").exists() and this_week.filter(state="draft").exists()
        assert this_week.count() < len(writers)  # someone has not started

    assert not CheckIn.objects.filter(author=member.user, week=current_week(member.team).monday).exists()
    assert Commitment.objects.requested().filter(owner=member.user, team=member.team).exists()


def test_timestamps_fall_inside_their_week_and_lateness_follows_the_due_time(seeded):
    now = timezone.now()
    for checkin in CheckIn.objects.select_related("team"):
        week = week_starting(checkin.team, checkin.week)
        assert week.contains(checkin.created_at) and checkin.created_at <= now
        if checkin.is_submitted:
            assert week.contains(checkin.submitted_at) and checkin.submitted_at <= now
            assert checkin.is_late == checkin.is_late_at(checkin.submitted_at)
    assert CheckIn.objects.filter(is_late=True).exists() and CheckIn.objects.filter(is_late=False).exists()


def test_load_strain_and_boundary_questions_show_patterns(seeded):
    recent = {team.pk: [current_week(team).monday] for team in Team.objects.all()}
    for team in Team.objects.all():
        week = current_week(team)
        for _ in range(4):
            week = week.previous()
            recent[team.pk].append(week.monday)
    overloaded = Counter(author for team, author, week in CheckIn.objects.filter(load="overloaded").values_list(
        "team", "author", "week") if week in recent[team])
    strained = Counter(CheckIn.objects.filter(strained_non_negotiable__isnull=False).values_list(
        "strained_non_negotiable", flat=True))

    assert len([person for person, weeks in overloaded.items() if weeks >= 3]) == 1
    assert len(strained) >= 4 and strained.most_common(1)[0][1] >= 4  # one non-negotiable, again and again
    for team in teams_with_a_charter():
        assert CheckIn.objects.filter(team=team).exclude(boundary_question="").count() >= 2


def test_blockers_open_and_resolved_by_a_leader_with_a_note(seeded):
    resolved = Blocker.objects.filter(resolved_at__isnull=False).select_related("check_in__team")

    assert Blocker.objects.open().shared().exists() and resolved.count() >= 5
    for blocker in resolved:
        assert blocker.resolved_by_id in leaders_of(blocker.check_in.team)
        assert blocker.resolution and blocker.resolved_at > blocker.opened_at


def test_goal_owners_move_their_key_results_through_their_check_ins(seeded):
    progress = list(KeyResultProgress.objects.all())
    checkins = CheckIn.objects.in_bulk({p.source_ref for p in progress})

    assert progress and {p.source for p in progress} == {"check_in"}
    for reading in progress:
        checkin = checkins[reading.source_ref]
        assert checkin.is_submitted and reading.recorded_at == checkin.submitted_at
        assert reading.recorded_by_id == checkin.author_id
        assert KeyResult.objects.get(pk=reading.key_result_id).goal.owner_id == checkin.author_id
    weeks = {}
    for reading in progress:
        weeks.setdefault(reading.lineage_id, set()).add(checkins[reading.source_ref].week)
    assert len(weeks) >= 2 and max(len(mondays) for mondays in weeks.values()) >= 8
    for update in KeyResultUpdate.objects.select_related("check_in"):
        if update.check_in.is_submitted:
            assert (update.recorded_value, update.recorded_confidence) == (update.value, update.confidence)
        else:
            assert update.recorded_value is None
    assert len({p.confidence for p in progress}) >= 2


def test_each_goal_owner_updates_every_key_result_in_every_check_in_they_submit(seeded):
    for team in teams_with_a_charter():
        for kr in KeyResult.objects.filter(goal__charter=Charter.objects.active_for(team),
                                           goal__owner__checkins__team=team).distinct():
            submitted = CheckIn.objects.filter(team=team, author=kr.goal.owner, state="submitted")
            updated = KeyResultUpdate.objects.filter(key_result=kr, check_in__in=submitted)

            assert updated.count() == submitted.count() >= 9


def test_a_key_result_confidence_fell_this_week(seeded):
    fell = [drop for team in teams_with_a_charter() for drop in confidence_drops(team, current_week(team))]

    assert fell and all(drop.key_result.goal.owner is not None for drop in fell)


def test_the_charter_text_keeps_its_current_values(seeded):
    written = {metric: current for spec in CHARTERS.values() for goal in spec["goals"]
               for metric, _, _, _, current, _ in goal[4]}

    for kr in KeyResult.objects.all():
        assert kr.current_value == Decimal(written[kr.metric])


def test_leaders_reply_and_acknowledge_many_check_ins_but_not_all(seeded):
    past = CheckIn.objects.filter(state="submitted").exclude(
        pk__in=[c.pk for c in CheckIn.objects.select_related("team") if c.week == current_week(c.team).monday])
    acknowledged = past.filter(acknowledged_at__isnull=False).select_related("team")

    assert past.count() / 2 < acknowledged.count() < past.count()
    for checkin in acknowledged:
        assert checkin.acknowledged_by_id in leaders_of(checkin.team) and checkin.acknowledged_by_id != checkin.author_id
    threads = {}
    for reply in Reply.objects.select_related("check_in__team").order_by("created_at", "pk"):
        threads.setdefault(reply.check_in, []).append(reply.author_id)
    assert len(threads) >= 10
    for checkin, authors in threads.items():
        assert authors[0] in leaders_of(checkin.team)  # the leader writes first
        assert set(authors) <= leaders_of(checkin.team) | {checkin.author_id}
    assert any(len(set(authors)) == 2 for authors in threads.values())  # and the author answers back
    member_threads = [c for c in threads if c.author.email == "member@example.com"]
    assert len(member_threads) >= 3


def test_one_team_opens_its_check_ins_to_the_team_and_it_is_not_the_demo_members(seeded):
    member_team = Membership.objects.get(user__email="member@example.com").team

    assert list(Team.objects.filter(checkins_open_to_team=True).values_list("slug", flat=True)) == ["growth"]
    assert not Team.objects.get(pk=member_team.pk).checkins_open_to_team


def test_commitments_in_every_state_with_renegotiations_decided_and_pending(seeded):
    assert set(Commitment.objects.values_list("state", flat=True)) == set(Commitment.State.values)
    states = Counter(Renegotiation.objects.values_list("state", flat=True))
    assert set(states) == {"accepted", "declined", "pending"} and states["pending"] == 1
    for renegotiation in Renegotiation.objects.exclude(state="pending").select_related("commitment__team"):
        assert renegotiation.decided_by_id in leaders_of(renegotiation.commitment.team)
        assert renegotiation.decided_at > renegotiation.asked_at
    overloaded = Commitment.objects.exclude(overload_note="")
    assert overloaded.filter(overload_acknowledged_at__isnull=False).exists()


def test_seeding_twice_changes_nothing(seeded, settings):
    settings.DEBUG = True
    before = row_counts()

    seed()

    assert row_counts() == before
    assert Team.objects.filter(checkins_open_to_team=True).count() == 1

"""My week: what is each person's to do across their teams, most urgent first, on the home and team pages.

The world is the standard cast in Platform (Europe/London, check-in due Fridays at 10:00) in the week
of Monday 16 Nov 2026; `at(day, "HH:MM")` is a moment of that week (day 0 = Monday).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment import my_week
from alignment.models import Team
from alignment.permissions import memberships_of
from charters import services as charter_services
from charters.models import Charter, Response
from checkins import services as checkin_services
from checkins.models import Blocker, CheckIn, Commitment, Renegotiation, Reply
from reviews.models import RetroCard, RetroPrompt, Retrospective, ReviewCycle
from tests.checkins.conftest import MONDAY, at

WEDNESDAY = at(2, "11:00")  # before the check-in time
SATURDAY = at(5, "09:00")  # after it, the week still running


def week_of(person, now=WEDNESDAY) -> my_week.MyWeek:
    return my_week.my_week(person, memberships_of(person), now)


def lines(person, now=WEDNESDAY) -> list[tuple[str, str]]:
    return [(line.kind, line.text) for line in week_of(person, now).lines]


def kinds(person, now=WEDNESDAY) -> list[str]:
    return [line.kind for line in week_of(person, now).lines]


def line_of(person, kind: str, now=WEDNESDAY) -> my_week.Line:
    found = [line for line in week_of(person, now).lines if line.kind == kind]
    assert len(found) == 1, f"{kind} in {lines(person, now)}"
    return found[0]


def submitted(team, author, *, week=MONDAY, when=None) -> CheckIn:
    return CheckIn.objects.create(team=team, author=author, week=week, state=CheckIn.State.SUBMITTED,
                                  submitted_at=when or at(1, "09:30"), progress="Two deploys.")


def commitment(team, owner, *, state=Commitment.State.OPEN, due_on=date(2026, 11, 19), title="Failover runbook"):
    return Commitment.objects.create(team=team, owner=owner, title=title, standard="Kwame runs it alone",
                                     due_on=due_on, state=state, created_at=at(0))


# Check-ins --------------------------------------------------------------------------------------------


class TestCheckInDue:
    def test_a_missing_check_in_is_due_at_the_team_time(self, member, team):
        line = line_of(member, "checkin_due")

        assert line.text == "Write your check-in for the week of 16 Nov 2026"
        assert line.url == reverse("checkins:this_week", args=["harbour", "platform"])
        assert line.when == "due Fri 20 Nov, 10:00"
        assert not line.for_leader

    def test_the_deadline_is_written_in_the_readers_own_time_zone(self, member, team):
        member.time_zone = "America/New_York"
        member.save(update_fields=["time_zone"])

        assert line_of(member, "checkin_due").when == "due Fri 20 Nov, 05:00"

    def test_a_draft_is_still_due(self, member, team):
        CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="half written")

        assert line_of(member, "checkin_draft").text == (
            "Submit your check-in for the week of 16 Nov 2026: it is still a draft")
        assert "checkin_due" not in kinds(member)

    def test_after_the_deadline_it_is_overdue_and_comes_first(self, member, team):
        commitment(team, member, state=Commitment.State.REQUESTED)

        week = week_of(member, SATURDAY)

        assert [line.kind for line in week.lines] == ["checkin_due", "commitment_request"]
        assert week.lines[0].when == "23 hours overdue"
        assert week.lines[0].is_overdue

    def test_a_submitted_check_in_leaves_the_list_and_says_when_the_next_is_due(self, member, team):
        submitted(team, member)

        week = week_of(member)

        assert week.lines == []
        assert [(line.text, line.when) for line in week.settled] == [
            ("Your check-in for the week of 16 Nov 2026 is in", "next due Fri 27 Nov, 10:00")]

    def test_a_leader_who_does_not_check_in_is_not_asked_to(self, leader, team):
        assert "checkin_due" not in kinds(leader)


class TestCheckInsToAnswer:
    def test_the_leader_acknowledges_a_submitted_check_in_and_it_is_gone(self, leader, member, team):
        checkin = submitted(team, member)

        line = line_of(leader, "checkin_to_answer")
        assert line.text == "Acknowledge or answer Max Member’s check-in (this week)"
        assert line.url == reverse("checkins:checkin", args=["harbour", "platform", checkin.pk])
        assert line.for_leader

        checkin_services.acknowledge(checkin_id=checkin.pk, team=team, actor=leader, now=WEDNESDAY)
        assert "checkin_to_answer" not in kinds(leader)

    def test_last_weeks_unanswered_check_in_still_waits(self, leader, member, team):
        submitted(team, member, week=MONDAY - timedelta(days=7), when=at(-3))

        assert line_of(leader, "checkin_to_answer").text.endswith("(last week)")

    def test_a_reply_answers_it(self, leader, member, team):
        checkin = submitted(team, member)
        Reply.objects.create(check_in=checkin, author=leader, body="Thanks", token="00000000-0000-0000-0000-000000000001")

        assert "checkin_to_answer" not in kinds(leader)

    def test_the_authors_own_reply_does_not(self, leader, member, team):
        checkin = submitted(team, member)
        Reply.objects.create(check_in=checkin, author=member, body="PS", token="00000000-0000-0000-0000-000000000002")

        assert "checkin_to_answer" in kinds(leader)

    def test_a_draft_is_nobody_elses(self, leader, member, facilitator, team):
        CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="private words")

        for reader in (leader, facilitator):
            assert "checkin_to_answer" not in kinds(reader)
            assert not any("private words" in text for _, text in lines(reader))

    def test_a_facilitator_reads_check_ins_but_does_not_answer_them(self, member, facilitator, team):
        submitted(team, member)

        assert "checkin_to_answer" not in kinds(facilitator)


class TestMissingCheckIns:
    def test_after_the_deadline_the_leader_sees_who_is_missing(self, leader, member, facilitator, team):
        submitted(team, facilitator)

        line = line_of(leader, "checkins_missing", SATURDAY)

        assert line.text == "Max Member has not checked in for the week of 16 Nov 2026"
        assert line.url.startswith(reverse("checkins:week", args=["harbour", "platform"]))

    def test_a_draft_counts_as_missing_without_saying_so(self, leader, member, facilitator, team):
        CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="half written")

        text = line_of(leader, "checkins_missing", SATURDAY).text
        assert text == "Fay Facilitator and Max Member have not checked in for the week of 16 Nov 2026"

    def test_a_big_team_names_three_and_counts_the_rest(self, leader, team, make_user, add_member):
        for n in range(5):
            add_member(team, make_user(f"p{n}@example.com", f"P{n}"), "member")

        assert line_of(leader, "checkins_missing", SATURDAY).text == (
            "P0, P1, P2 and 2 more have not checked in for the week of 16 Nov 2026")

    def test_not_before_the_deadline(self, leader, member, team):
        assert "checkins_missing" not in kinds(leader, WEDNESDAY)

    def test_not_once_everyone_is_in_which_is_what_good_looks_like(self, leader, member, facilitator, team):
        submitted(team, member)
        submitted(team, facilitator)

        week = week_of(leader, SATURDAY)
        assert "checkins_missing" not in [line.kind for line in week.lines]
        assert [line.text for line in week.settled if line.kind == "checkins_all_in"] == [
            "Everyone in Platform has checked in for the week of 16 Nov 2026"]

    def test_members_are_not_told_who_else_is_missing(self, member, facilitator, team):
        assert "checkins_missing" not in kinds(member, SATURDAY)
        assert "checkins_missing" not in kinds(facilitator, SATURDAY)


# Commitments ----------------------------------------------------------------------------------------


class TestCommitments:
    def test_a_request_waits_for_the_person_asked_until_they_answer(self, leader, member, team):
        asked = commitment(team, member, state=Commitment.State.REQUESTED)

        line = line_of(member, "commitment_request")
        assert line.text == "Accept or decline: “Failover runbook” (due 19 Nov)"
        assert line.url == reverse("checkins:commitment", args=["harbour", "platform", asked.pk])
        assert "commitment_request" not in kinds(leader)

        checkin_services.answer_request(commitment_id=asked.pk, team=team, actor=member, accept=True, now=WEDNESDAY)
        assert "commitment_request" not in kinds(member)

    def test_overdue_first_then_due_soon_and_not_those_due_later(self, member, team):
        commitment(team, member, due_on=date(2026, 11, 19), title="Soon")
        commitment(team, member, due_on=date(2026, 11, 21), title="Saturday")
        commitment(team, member, due_on=date(2026, 10, 27), title="Long overdue")
        commitment(team, member, due_on=date(2026, 11, 16), title="Overdue")
        commitment(team, member, due_on=date(2026, 12, 10), title="Later")

        week = week_of(member)
        due = [(line.text, line.when) for line in week.lines if line.kind == "commitment_due"]

        assert due == [("Your commitment “Long overdue”", "3 weeks overdue"),
                       ("Your commitment “Overdue”", "2 days overdue"),  # due Monday, now Wednesday
                       ("Your commitment “Soon”", "due tomorrow"),
                       ("Your commitment “Saturday”", "due Sat 21 Nov")]
        assert week.lines[0].is_overdue

    def test_done_or_dropped_is_gone(self, member, team):
        commitment(team, member, state=Commitment.State.DONE, due_on=date(2026, 11, 10))
        commitment(team, member, state=Commitment.State.DROPPED, due_on=date(2026, 11, 10))

        assert "commitment_due" not in kinds(member)

    def test_someone_elses_commitment_is_not_mine(self, leader, member, facilitator, team):
        commitment(team, facilitator, due_on=date(2026, 11, 10))

        assert "commitment_due" not in kinds(member)
        assert "commitment_due" not in kinds(leader)

    def test_the_leader_decides_a_renegotiation_and_it_is_gone(self, leader, member, team):
        mine = commitment(team, member)
        asked = checkin_services.ask_to_renegotiate(commitment_id=mine.pk, team=team, actor=member,
                                                    kind=Renegotiation.Kind.DEFER, due_on=date(2026, 12, 4),
                                                    reason="On call twice", now=at(1))

        line = line_of(leader, "renegotiation")
        assert line.text == "Decide Max Member’s request to defer (a new date): “Failover runbook”"
        assert line.url.endswith(f"/commitments/{mine.pk}/#renegotiation-{asked.pk}")
        assert line.for_leader and line.when == "waiting 1 day"
        assert "renegotiation" not in kinds(member)
        assert line_of(member, "commitment_due").text == "Your commitment “Failover runbook” (you asked to renegotiate)"

        checkin_services.decide_renegotiation(renegotiation_id=asked.pk, team=team, actor=leader, accept=True,
                                              now=WEDNESDAY)
        assert "renegotiation" not in kinds(leader)


# Blockers --------------------------------------------------------------------------------------------


class TestBlockers:
    @pytest.fixture
    def blocker(self, team, member, facilitator):
        checkin = submitted(team, member)
        return Blocker.objects.create(check_in=checkin, what="Staging VPN certificate expired",
                                      who_could_help=facilitator, opened_at=at(1, "09:30"))

    def test_the_raiser_the_helper_and_the_leader_each_see_it(self, blocker, leader, member, facilitator):
        assert line_of(member, "blocker_mine").text == "Your blocker is still open: “Staging VPN certificate expired”"
        assert line_of(facilitator, "blocker_named").text == (
            "Max Member named you as who could help: “Staging VPN certificate expired”")
        leaders = line_of(leader, "blocker_open")
        assert leaders.for_leader and leaders.when == "waiting 1 day"
        assert leaders.url == reverse("checkins:week", args=["harbour", "platform"]) + f"#blocker-{blocker.pk}"

    def test_resolved_it_is_gone_for_everyone(self, blocker, team, leader, member, facilitator):
        checkin_services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="Renewed",
                                         now=WEDNESDAY)

        assert {"blocker_mine", "blocker_named", "blocker_open"} & {
            *kinds(member), *kinds(facilitator), *kinds(leader)} == set()

    def test_a_drafts_blocker_is_still_its_writers_own(self, team, leader, member, facilitator):
        draft = CheckIn.objects.create(team=team, author=member, week=MONDAY)
        Blocker.objects.create(check_in=draft, what="Not said yet", who_could_help=facilitator)

        for reader in (leader, facilitator):
            assert not any("Not said yet" in text for _, text in lines(reader))

    def test_the_leader_sees_the_three_open_longest(self, team, leader, member):
        checkin = submitted(team, member)
        for n in range(5):
            Blocker.objects.create(check_in=checkin, position=n, what=f"Blocker {n}",
                                   opened_at=at(0) - timedelta(days=10 - n))

        shown = [line.text for line in week_of(leader).lines if line.kind == "blocker_open"]

        assert shown == [f"Max Member’s blocker is open: “Blocker {n}”" for n in range(3)]


# Charters ----------------------------------------------------------------------------------------------


@pytest.fixture
def proposed(team, leader):
    return Charter.objects.create(team=team, number=2, state=Charter.State.PROPOSED, proposed_at=at(0),
                                  purpose_statement="Keep the hospital's software safe to change.",
                                  created_by=leader)


class TestCharters:
    def test_members_are_asked_for_their_word_until_they_give_it(self, proposed, leader, member, facilitator):
        line = line_of(member, "consent")
        assert line.text == "Consent or object to the proposed charter (version 2)"
        assert line.url == proposed.get_absolute_url() + "#consent"
        assert "consent" in kinds(facilitator)
        assert "consent" not in kinds(leader)

        charter_services.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")
        assert "consent" not in kinds(member)

    def test_a_changed_text_asks_again(self, proposed, member):
        charter_services.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")
        Charter.objects.filter(pk=proposed.pk).update(revision=2)

        assert line_of(member, "reconfirm").text == (
            "The proposed charter (version 2) changed after you responded: read it and confirm")

    def test_the_leader_answers_an_objection_and_it_is_gone(self, proposed, leader, member):
        objection = charter_services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                             reason="No on-call rota in it.")

        line = line_of(leader, "objection")
        assert line.text == "Answer Max Member’s objection to charter version 2"
        assert line.for_leader

        Charter.objects.filter(pk=proposed.pk).update(revision=F("revision") + 1)  # the rota added since
        Charter.objects.filter(pk=proposed.pk).update(revision=2)  # the leader amended the text
        charter_services.answer_objection(response=objection, actor=leader, answer=Response.Answer.AMENDED,
                                          text="Added the rota.")
        assert "objection" not in kinds(leader)
        # The objector now owes their word on the amendment.
        assert line_of(member, "reconfirm").text == "Say whether the amendment to version 2 resolves your objection"

    def test_a_round_closing_soon_is_the_leaders(self, proposed, leader, member):
        Charter.objects.filter(pk=proposed.pk).update(responses_close_on=date(2026, 11, 19))
        charter_services.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")

        line = line_of(leader, "consent_closing")
        assert line.text == "The consent round on charter version 2 closes: 1 response so far"
        assert line.when == "due tomorrow"

    def test_a_round_closing_later_waits(self, proposed, leader):
        Charter.objects.filter(pk=proposed.pk).update(responses_close_on=date(2026, 12, 19))

        assert "consent_closing" not in kinds(leader)

    def test_members_see_the_closing_day_as_their_deadline(self, proposed, member):
        Charter.objects.filter(pk=proposed.pk).update(responses_close_on=date(2026, 11, 16))

        assert line_of(member, "consent").when == "2 days overdue"


# Retrospectives -----------------------------------------------------------------------------------------


@pytest.fixture
def cycle(team):
    return ReviewCycle.objects.create(team=team, number=3, start_date=date(2026, 10, 12), end_date=date(2026, 11, 23))


class TestRetrospectives:
    def test_a_running_one_waits_until_i_take_part(self, cycle, team, member):
        retro = Retrospective.objects.create(team=team, cycle=cycle, phase=Retrospective.Phase.COLLECT,
                                             started_at=at(2, "10:00"))

        line = line_of(member, "retro_running")
        assert line.text == "Join the retrospective of cycle 3: now “Collect”"
        assert line.url == reverse("reviews:retrospective", args=["harbour", "platform", retro.pk])

        prompt = RetroPrompt.objects.create(retrospective=retro, text="Keep?")
        RetroCard.objects.create(retrospective=retro, prompt=prompt, author=member, text="Pairing")
        assert "retro_running" not in kinds(member)

    def test_one_getting_ready_is_to_start_for_those_who_run_it(self, cycle, team, leader, member, facilitator):
        Retrospective.objects.create(team=team, cycle=cycle)

        assert line_of(facilitator, "retro_to_start").when == "due Mon 23 Nov, 00:00"
        assert line_of(facilitator, "retro_to_start").role == "facilitator"  # the badge reads "as facilitator"
        assert line_of(leader, "retro_to_start").role == "leader"
        assert line_of(member, "retro_soon").text == "The retrospective of cycle 3 is coming up"

    def test_a_closed_one_is_gone(self, cycle, team, member):
        Retrospective.objects.create(team=team, cycle=cycle, phase=Retrospective.Phase.CLOSED,
                                     started_at=at(0), closed_at=at(1))

        assert {"retro_running", "retro_soon"} & set(kinds(member)) == set()


# Across teams ----------------------------------------------------------------------------------------


def test_most_urgent_first_across_teams(team, other_team, member, add_member):
    add_member(other_team, member, "member")
    commitment(other_team, member, due_on=date(2026, 11, 2), title="Two weeks late")
    commitment(team, member, state=Commitment.State.REQUESTED, title="Asked")
    commitment(team, member, due_on=date(2026, 11, 24), title="Next week")

    assert [(line.team.name, line.kind) for line in week_of(member).lines] == [
        ("Growth", "commitment_due"),  # overdue
        ("Growth", "checkin_due"), ("Platform", "checkin_due"),  # due within two days (Growth's zone is UTC)
        ("Platform", "commitment_request"),  # waiting, no deadline
        ("Platform", "commitment_due"),  # due later
    ]


def test_an_outsider_sees_nothing_of_the_team(team, member, outsider):
    commitment(team, member, state=Commitment.State.REQUESTED)
    submitted(team, member)

    week = week_of(outsider, SATURDAY)
    assert week.lines  # their own team's week
    assert {line.team.slug for line in [*week.lines, *week.settled]} == {"growth"}


def test_an_archived_team_asks_nothing(team, member):
    team.archived_at = at(0)
    team.save(update_fields=["archived_at"])
    commitment(team, member, state=Commitment.State.REQUESTED)

    assert week_of(member).lines == []


# The pages -------------------------------------------------------------------------------------------


class TestHomePage:
    def test_lists_what_waits_with_links_above_my_teams(self, login, frozen, member, team):
        frozen(WEDNESDAY)
        asked = commitment(team, member, state=Commitment.State.REQUESTED)

        response = login(member).get(reverse("home"))

        content = response.content.decode()
        assert content.index("My week") < content.index("Your teams")
        assertContains(response, f'<a href="{reverse("checkins:commitment", args=["harbour", "platform", asked.pk])}">'
                                 "Accept or decline: “Failover runbook” (due 19 Nov)</a>", html=True)
        assertContains(response, '<span class="week-team">Platform</span>', html=True)
        assertContains(response, "due Fri 20 Nov, 10:00")

    def test_when_nothing_waits_it_says_what_good_looks_like(self, login, frozen, member, team):
        frozen(WEDNESDAY)
        submitted(team, member)

        response = login(member).get(reverse("home"))

        assertContains(response, "Nothing waits for you.")
        assertContains(response, "Your check-in for the week of 16 Nov 2026 is in")
        assertContains(response, "next due Fri 27 Nov, 10:00")
        assertNotContains(response, 'class="week-list"')

    def test_the_leaders_lines_are_marked(self, login, frozen, leader, member, team):
        frozen(WEDNESDAY)
        submitted(team, member)

        response = login(leader).get(reverse("home"))

        assertContains(response, '<span class="badge week-lead">as leader</span>', html=True)

    def test_a_newcomer_gets_the_welcome_not_an_empty_week(self, login, make_user):
        response = login(make_user("new@example.com")).get(reverse("home"))

        assertContains(response, "Welcome to Charter")
        assertNotContains(response, "My week")


class TestTeamPagePanel:
    def test_shows_this_teams_lines_only(self, login, frozen, team, other_team, member, add_member):
        frozen(WEDNESDAY)
        add_member(other_team, member, "member")
        commitment(team, member, state=Commitment.State.REQUESTED, title="Platform ask")
        commitment(other_team, member, state=Commitment.State.REQUESTED, title="Growth ask")

        response = login(member).get(team.get_absolute_url())

        assertContains(response, '<h2 id="my-week-title">My week <span class="muted">in Platform</span></h2>', html=True)
        assertContains(response, "Platform ask")
        assertNotContains(response, "Growth ask")
        assertNotContains(response, 'class="week-team"')

    def test_empty_in_this_team(self, login, frozen, team, leader):
        frozen(WEDNESDAY)

        response = login(leader).get(team.get_absolute_url())

        assertContains(response, "Nothing waits for you in this team.")

    def test_an_archived_team_has_no_panel(self, login, frozen, team, leader):
        frozen(WEDNESDAY)
        team.archived_at = at(0)
        team.save(update_fields=["archived_at"])

        response = login(leader).get(team.get_absolute_url())

        assertNotContains(response, 'id="my-week"')


# Query counts ------------------------------------------------------------------------------------------


def _busy_team(n: int, organisation, leader, member, facilitator, add_member) -> Team:
    """A team where every source has something: check-ins, commitments, a renegotiation, blockers, a
    proposed charter with an objection, a running retrospective."""
    team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                               time_zone="Europe/London")
    add_member(team, leader, "leader")
    add_member(team, member, "member")
    add_member(team, facilitator, "facilitator")
    checkin = submitted(team, member)
    Blocker.objects.create(check_in=checkin, what="VPN", who_could_help=facilitator)
    commitment(team, leader, state=Commitment.State.REQUESTED)
    mine = commitment(team, member)
    Renegotiation.objects.create(commitment=mine, kind=Renegotiation.Kind.DROP, reason="No time", asked_by=member,
                                 was_due_on=mine.due_on, was_owner=member)
    charter = Charter.objects.create(team=team, number=1, state=Charter.State.PROPOSED, proposed_at=at(0),
                                     responses_close_on=date(2026, 11, 18))
    Response.objects.create(charter=charter, member=member, kind=Response.Kind.OBJECTION, reason="Too vague")
    cycle = ReviewCycle.objects.create(team=team, number=1, start_date=date(2026, 10, 1), end_date=date(2026, 11, 20))
    Retrospective.objects.create(team=team, cycle=cycle, phase=Retrospective.Phase.COLLECT, started_at=at(0))
    return team


@pytest.mark.parametrize("teams", [1, 30], ids=["1-team", "30-teams"])
def test_the_week_costs_the_same_for_1_team_or_30(teams, organisation, make_user, add_member,
                                                   django_assert_num_queries):
    leader, member, facilitator = (make_user(f"{who}@example.com", who.title()) for who in
                                   ("leader", "member", "facilitator"))
    for n in range(teams):
        _busy_team(n, organisation, leader, member, facilitator, add_member)
    memberships = memberships_of(leader)

    # 1. every source's rows in one UNION ALL (alignment/one_query.py), its parts:
    # charters: the proposed charters with how many responded; my responses and the open objections
    # checkins: my check-ins and the submitted ones of the teams I lead; the people of those teams;
    # my commitments asked or falling due; the pending renegotiations; the open blockers
    # reviews: the running retrospectives with whether I took part; the open review prompts of the
    # charters I steward
    # asks: the open requests to the teams I answer, and my consultations
    # decisions: the decisions of the teams I lead whose review date has come
    with django_assert_num_queries(1):
        week = my_week.my_week(leader, memberships, SATURDAY)

    assert len([line for line in week.lines if line.kind == "objection"]) == teams
    assert len([line for line in week.lines if line.kind == "renegotiation"]) == teams
    assert len([line for line in week.lines if line.kind == "checkins_missing"]) == teams
    assert len([line for line in week.lines if line.kind == "commitment_request"]) == teams

    # A member's query has fewer parts: no people to count, no renegotiations, prompts or reviews to decide.
    memberships = memberships_of(member)
    with django_assert_num_queries(1):
        week = my_week.my_week(member, memberships, SATURDAY)
    assert len([line for line in week.lines if line.kind == "retro_running"]) == teams


@pytest.mark.parametrize("teams", [1, 30], ids=["1-team", "30-teams"])
def test_the_home_page_costs_the_same_for_1_team_or_30(teams, organisation, make_user, add_member, login, frozen,
                                                       django_assert_num_queries):
    frozen(SATURDAY)
    leader, member, facilitator = (make_user(f"{who}@example.com", who.title()) for who in
                                   ("leader", "member", "facilitator"))
    for n in range(teams):
        _busy_team(n, organisation, leader, member, facilitator, add_member)
    client = login(leader)

    # 1. user  2. my memberships with teams, organisations and head counts (and the header's bell's unread
    # count)  3. organisations I administer
    # 4. My week: every source's parts in one query (the proposed charters, my responses and the open
    # objections, check-ins, the people of the teams I lead, commitments, renegotiations, blockers, running
    # retrospectives, review prompts, requests between teams, decisions to review).
    with django_assert_num_queries(4):
        response = client.get(reverse("home"))

    assertContains(response, "Answer Member’s objection to charter version 1", count=teams)

"""The organisation's admins run it: its settings, its admins, its people, new teams with their leaders,
moving people between teams and archiving teams.

The cast's `admin` is in no team; the `leader` is an admin too. Refusals are said in words in place,
with what was typed kept, and write nothing.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import services
from alignment.confirm import CONFIRMED
from alignment.errors import ActionRefused
from alignment.models import Invitation, Membership, Organisation, Team
from tests.matrix import assert_no_writes

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("organisation_settings", args=["harbour"])
PEOPLE_URL = reverse("organisation_people", args=["harbour"])
CREATE_URL = reverse("team_create", args=["harbour"])
SETTINGS = {"name": "Harbour Health", "purpose_serves": "People in coastal towns", "purpose": "Care close to home.",
            "purpose_refuses": "Patient safety", "default_time_zone": "Europe/Dublin",
            "closed_cycle_retention_months": "24", "version": "1"}
NEW_TEAM = {"name": "Data", "time_zone": "UTC", "checkin_weekday": 4, "checkin_time": "10:00",
            "review_cadence_weeks": 6}


class TestSettings:
    def test_the_admin_saves_the_purpose_in_three_parts_the_zone_and_the_retention(self, login, admin, organisation):
        response = login(admin).post(SETTINGS_URL, SETTINGS)

        assertRedirects(response, SETTINGS_URL)
        organisation.refresh_from_db()
        assert (organisation.purpose_serves, organisation.purpose, organisation.purpose_refuses) == (
            "People in coastal towns", "Care close to home.", "Patient safety")
        assert organisation.default_time_zone == "Europe/Dublin"
        assert organisation.closed_cycle_retention_months == 24
        assert organisation.version == 2

    def test_blank_retention_keeps_closed_cycles_for_ever(self, login, admin, organisation):
        login(admin).post(SETTINGS_URL, {**SETTINGS, "closed_cycle_retention_months": ""})

        organisation.refresh_from_db()
        assert organisation.closed_cycle_retention_months is None

    def test_an_invalid_value_comes_back_with_what_was_typed(self, login, admin, organisation):
        response = login(admin).post(SETTINGS_URL, {**SETTINGS, "closed_cycle_retention_months": "0",
                                                    "purpose_refuses": "Typed, not lost"})

        assertContains(response, "Typed, not lost", status_code=400)
        assertContains(response, "greater than or equal to 1", status_code=400)
        organisation.refresh_from_db()
        assert organisation.purpose_refuses == "" and organisation.version == 1

    def test_a_save_over_another_admins_is_a_conflict_with_both_texts(self, login, admin, organisation):
        Organisation.objects.filter(pk=organisation.pk).update(purpose="Theirs", version=2)

        response = login(admin).post(SETTINGS_URL, {**SETTINGS, "purpose": "Mine"})

        assertContains(response, "Someone else saved this", status_code=409)
        assertContains(response, "Theirs", status_code=409)
        assertContains(response, "Mine", status_code=409)
        organisation.refresh_from_db()
        assert organisation.purpose == "Theirs"

    def test_the_map_shows_the_parts_and_the_admins_links(self, login, admin, member, organisation):
        organisation.purpose_serves = "People in coastal towns"
        organisation.save(update_fields=["purpose_serves"])
        url = reverse("organisation", args=["harbour"])

        response = login(admin).get(url)
        assertContains(response, "People in coastal towns")
        for link in (SETTINGS_URL, PEOPLE_URL, CREATE_URL):
            assertContains(response, f'href="{link}"')
        assertNotContains(login(member).get(url), SETTINGS_URL)


class TestAdmins:
    def test_an_admin_makes_someone_of_the_organisation_an_admin(self, login, admin, member, organisation):
        response = login(admin).post(reverse("admin_add", args=["harbour"]), {"person": member.pk})

        assertRedirects(response, PEOPLE_URL, fetch_redirect_response=False)
        assert organisation.admins.filter(pk=member.pk).exists()

    def test_someone_outside_the_organisation_cannot_be_made_an_admin(self, login, admin, stranger, organisation):
        before = set(organisation.admins.values_list("pk", flat=True))
        client = login(admin)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("admin_add", args=["harbour"]), {"person": stranger.pk})

        assertContains(response, "This person is not in the organisation.", status_code=400)
        assert set(organisation.admins.values_list("pk", flat=True)) == before
        assert_no_writes(queries)

    def test_removing_an_admin_asks_first(self, login, admin, leader, organisation):
        response = login(admin).post(reverse("admin_remove", args=["harbour", leader.pk]))

        assertContains(response, "Remove Lena Leader as an admin?")
        assert organisation.admins.filter(pk=leader.pk).exists()

    def test_removing_an_admin_once_confirmed(self, login, admin, leader, organisation):
        login(admin).post(reverse("admin_remove", args=["harbour", leader.pk]), CONFIRMED)

        assert list(organisation.admins.all()) == [admin]

    def test_the_last_admin_cannot_be_removed_said_in_place(self, login, admin, organisation):
        client = login(admin)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("admin_remove", args=["harbour", admin.pk]), CONFIRMED)

        assertContains(response, "Ada Admin is Harbour Health&#x27;s only admin. Make someone else an admin first.",
                       status_code=409)
        assert list(organisation.admins.all()) == [admin]
        assert_no_writes(queries)

    def test_the_service_keeps_the_last_admin(self, admin, organisation):
        with pytest.raises(ActionRefused, match="only admin"):
            services.remove_admin(organisation=organisation, person=admin, actor=admin)


class TestPeople:
    @pytest.fixture
    def left(self, team, leader, make_user, make_invitation):
        """Someone who joined through an invitation and has since left every team."""
        person = make_user("left@example.com", "Lee Left")
        _, token = make_invitation(team, person.email, "member", invited_by=leader)
        services.remove_member(membership=services.accept_invitation(token=token, user=person), actor=leader)
        return person

    def test_everyone_with_their_teams_and_roles_and_who_is_in_no_team(self, login, admin, member, outsider, left,
                                                                       stranger, make_invitation, team, leader):
        make_invitation(team, "newcomer@example.com", "leader", "member", invited_by=leader)

        response = login(admin).get(PEOPLE_URL)

        body = response.content.decode()
        for name in ("Max Member", "Olly Outsider", "Ada Admin", "Lee Left", "Lena Leader"):
            assert name in body
        assert "Sam Stranger" not in body
        assert "newcomer@example.com" in body and "Leader, Member" in body

        no_team = login(admin).get(PEOPLE_URL, {"show": "no-team"}).content.decode()
        assert "Ada Admin" in no_team and "Lee Left" in no_team
        assert "Max Member" not in no_team and "Olly Outsider" not in no_team

    def test_people_are_listed_by_the_name_readers_know_them_by(self, login, admin, team, make_user, add_member):
        for email, name in [("zed@example.com", "anna Zed"), ("a@example.com", "Bea Brown"), ("carl@example.com", "")]:
            add_member(team, make_user(email, name), "member")

        rows = login(admin).get(PEOPLE_URL).context["page"].rows

        # "carl" has no display name: he is read, and sorted, by his address's first part
        assert [row.person.name for row in rows] == ["Ada Admin", "anna Zed", "Bea Brown", "carl"]

    def test_a_refusal_on_page_two_shows_on_the_persons_row_with_links_that_lead_back(self, login, admin, team,
                                                                                       make_user, add_member):
        for n in range(55):
            add_member(team, make_user(f"p{n:02}@example.com", f"Person {n:02}"), "member")
        late = make_user("zoe@example.com", "Zoe Last")
        add_member(team, late, "member")
        page_two = f"{PEOPLE_URL}?page=2"
        services.add_admin(organisation=team.organisation, person=late, actor=admin)  # another admin was quicker

        response = login(admin).post(reverse("admin_add", args=["harbour"]), {"person": late.pk, "next": page_two})

        assert response.status_code == 409
        assert response.context["page"].number == 2
        row = next(row for row in response.context["page"].rows if row.person == late)
        assert row.refusal
        assertContains(response, f'href="{PEOPLE_URL}?page=1"', status_code=409)

    def test_only_admins_see_it(self, login, member, stranger, organisation):
        assert login(member).get(PEOPLE_URL).status_code == 403
        assert login(stranger).get(PEOPLE_URL).status_code == 404

    @pytest.mark.parametrize("size", [3, 60])
    def test_query_count_is_flat(self, size, login, admin, team, other_team, make_user, add_member, make_invitation,
                                 django_assert_num_queries):
        for n in range(size):
            person = make_user(f"p{n}@example.com", f"Person {n}")
            add_member(team, person, "member")
            add_member(other_team, person, "leader")
            make_invitation(team, f"invited{n}@example.com", "member")
        client = login(admin)

        # query: the session; the signed-in person; the organisation (admins or a team of it);
        # is the person an admin of it; a page of people (+1); their memberships with teams;
        # a page of pending invitations (+1) with teams; the header's team switcher; who was deactivated here
        # (the audit trail's deactivations and reactivations: `services.deactivations`)
        with django_assert_num_queries(9):
            assert client.get(PEOPLE_URL).status_code == 200

    def test_paged_at_fifty(self, login, admin, team, make_user, add_member):
        for n in range(55):
            add_member(team, make_user(f"p{n:02}@example.com", f"Person {n:02}"), "member")

        first = login(admin).get(PEOPLE_URL)
        second = login(admin).get(PEOPLE_URL, {"page": 2})

        assertContains(first, "?page=2")
        assert len(first.context["page"].rows) == 50 and len(second.context["page"].rows) == 6


class TestCreatingATeamWithALeader:
    def test_naming_someone_of_the_organisation_makes_them_its_leader_and_not_the_admin(
            self, login, admin, outsider, organisation):
        response = login(admin).post(CREATE_URL, {**NEW_TEAM, "leader_email": "OUTSIDER@example.com"})

        team = Team.objects.get(name="Data")
        assertRedirects(response, team.get_absolute_url(), fetch_redirect_response=False)
        assert [(m.user, m.roles) for m in team.memberships.all()] == [(outsider, ["leader"])]
        assert not team.memberships.filter(user=admin).exists()

    def test_naming_a_new_address_invites_them_to_lead_it(self, login, admin, organisation,
                                                          django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            login(admin).post(CREATE_URL, {**NEW_TEAM, "leader_email": "new.lead@example.com"})

        team = Team.objects.get(name="Data")
        assert not team.memberships.exists()
        invitation = Invitation.objects.get(team=team)
        assert invitation.email == "new.lead@example.com" and invitation.roles == ["leader"]
        assert [message.to for message in mail.outbox] == [["new.lead@example.com"]]

    def test_naming_nobody_makes_the_admin_its_leader(self, login, admin, organisation):
        login(admin).post(CREATE_URL, NEW_TEAM)

        assert Membership.objects.get(team__name="Data").user == admin

    def test_the_organisations_zone_is_the_new_teams_first(self, login, admin, organisation):
        organisation.default_time_zone = "Europe/Dublin"
        organisation.save(update_fields=["default_time_zone"])

        response = login(admin).get(CREATE_URL)

        assert response.context["form"]["time_zone"].value() == "Europe/Dublin"

    def test_a_taken_name_keeps_what_was_typed(self, login, admin, team):
        response = login(admin).post(CREATE_URL, {**NEW_TEAM, "name": "platform", "leader_email": "x@example.com"})

        assertContains(response, "There is already a team called Platform", status_code=400)
        assertContains(response, 'value="x@example.com"', status_code=400)
        assert not Invitation.objects.exists()


class TestMoving:
    def move_url(self, membership) -> str:
        return reverse("member_move", args=["harbour", membership.pk])

    def test_asks_first_then_moves_keeping_roles(self, login, admin, facilitator, team, other_team):
        membership = Membership.objects.get(user=facilitator)
        client = login(admin)

        asked = client.post(self.move_url(membership), {"to_team": other_team.pk})
        assertContains(asked, "Move Fay Facilitator from Platform to Growth?")
        assert Membership.objects.get(pk=membership.pk).team == team

        client.post(self.move_url(membership), {"to_team": other_team.pk, **CONFIRMED})
        moved = Membership.objects.get(pk=membership.pk)
        assert moved.team == other_team and moved.roles == ["facilitator"]

    def test_the_only_leader_is_refused_in_words_with_the_choice_kept(self, login, admin, leader, other_team):
        membership = Membership.objects.get(user=leader)
        client = login(admin)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(self.move_url(membership), {"to_team": other_team.pk, **CONFIRMED})

        assertContains(response, "Lena Leader is Platform&#x27;s only leader", status_code=409)
        assertContains(response, f'<option value="{other_team.pk}" selected>', status_code=409)
        assert Membership.objects.get(pk=membership.pk).team.name == "Platform"
        assert_no_writes(queries)

    def test_someone_already_in_the_other_team_is_refused(self, member, outsider, other_team, team, add_member,
                                                          leader):
        add_member(other_team, member, "member")
        with pytest.raises(ActionRefused, match="already in Growth"):
            services.move_member(membership=Membership.objects.get(user=member, team=team), to_team=other_team,
                                 actor=leader)

    def test_get_shows_the_form_and_members_cannot(self, login, admin, member, facilitator):
        membership = Membership.objects.get(user=facilitator)

        assert login(admin).get(self.move_url(membership)).status_code == 200
        assert login(member).post(self.move_url(membership), {"to_team": 1, **CONFIRMED}).status_code == 403


class TestArchivingAsAdmin:
    def test_the_admin_archives_and_restores_a_team_they_are_not_in(self, login, admin, team, member):
        client = login(admin)

        client.post(reverse("team_archive", args=["harbour", "platform"]), CONFIRMED)
        team.refresh_from_db()
        assert team.is_archived
        assertContains(client.get(team.get_absolute_url()), "Restore Platform")

        client.post(reverse("team_restore", args=["harbour", "platform"]))
        team.refresh_from_db()
        assert not team.is_archived

    def test_a_member_still_cannot_archive(self, login, member, team):
        assert login(member).post(reverse("team_archive", args=["harbour", "platform"]), CONFIRMED).status_code == 403


@pytest.mark.parametrize("url", [reverse("admin_add", args=["harbour"]), reverse("admin_remove", args=["harbour", 1])])
def test_admin_actions_refuse_get(url, login, admin):
    assert login(admin).get(url).status_code == 405


def test_anonymous_is_sent_to_log_in(client, organisation):
    for url in (SETTINGS_URL, PEOPLE_URL, reverse("member_move", args=["harbour", 1])):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_chosen_zone_for_new_teams_is_not_overruled_by_the_browser(login, admin, organisation):
    url = CREATE_URL
    assert "data-follow-browser-zone" in login(admin).get(url).content.decode()
    organisation.default_time_zone = "Europe/Dublin"
    organisation.save(update_fields=["default_time_zone"])

    assert "data-follow-browser-zone" not in login(admin).get(url).content.decode()

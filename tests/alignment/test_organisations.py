"""The organisation page, and creating organisations and teams."""

from __future__ import annotations

from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.models import Membership, Organisation, Team


class TestOrganisationPage:
    def test_lists_every_team_with_leaders_and_head_count(
        self, login, leader, member, outsider, team, other_team
    ):
        response = login(member).get(reverse("organisation", args=["harbour"]))

        assertContains(response, "Care close to home.")
        assertContains(response, "Platform")
        assertContains(response, "Growth")
        assertContains(response, "Lena Leader")
        assertContains(response, "Olly Outsider")

    def test_a_team_of_one_is_one_person(self, login, leader, team, other_team):
        response = login(leader).get(reverse("organisation", args=["harbour"]))

        assertContains(response, "1 person ·")
        assertContains(response, "0 people ·")  # Growth: nobody yet
        assertNotContains(response, "1 people")

    def test_links_only_to_my_own_teams(self, login, member, outsider, team, other_team):
        response = login(member).get(reverse("organisation", args=["harbour"]))

        assertContains(response, f'href="{team.get_absolute_url()}"')
        assertNotContains(response, f'href="{other_team.get_absolute_url()}"')

    def test_admin_is_offered_a_new_team(self, login, leader):
        response = login(leader).get(reverse("organisation", args=["harbour"]))

        assertContains(response, reverse("team_create", args=["harbour"]))

    def test_member_is_not_offered_a_new_team(self, login, member):
        response = login(member).get(reverse("organisation", args=["harbour"]))

        assertNotContains(response, reverse("team_create", args=["harbour"]))

    def test_stranger_gets_404(self, login, stranger, team):
        assert login(stranger).get(reverse("organisation", args=["harbour"])).status_code == 404

    # Query counts, search, filters and pages of the alignment map: test_organisation_map.py.


class TestCreateOrganisation:
    def test_creator_becomes_admin_and_goes_on_to_the_first_team(self, login, make_user):
        founder = make_user("founder@example.com", "Nadia Founder")

        response = login(founder).post(
            reverse("organisation_create"), {"name": "Tidewater Trust", "purpose": "Boats for all."}
        )

        organisation = Organisation.objects.get(name="Tidewater Trust")
        assertRedirects(response, reverse("team_create", args=[organisation.slug]))
        assert organisation.slug == "tidewater-trust"
        assert list(organisation.admins.all()) == [founder]

    def test_missing_name_shows_the_form_again(self, login, make_user):
        response = login(make_user("founder@example.com")).post(
            reverse("organisation_create"), {"name": "", "purpose": "Boats."}
        )

        assert response.status_code == 200
        assertContains(response, "This field is required.")
        assertContains(response, "Boats.")
        assert not Organisation.objects.exists()


class TestCreateTeam:
    DATA = {
        "name": "Platform",
        "time_zone": "Europe/Lisbon",
        "checkin_weekday": 2,
        "checkin_time": "09:30",
        "review_cadence_weeks": 4,
    }

    def test_admin_creates_a_team_and_leads_it(self, login, leader, team):
        response = login(leader).post(reverse("team_create", args=["harbour"]), {**self.DATA, "name": "Plätform"})

        # "Plätform" is another name, but its slug "platform" is taken, so it gets the next free one.
        created = Team.objects.get(organisation=team.organisation, slug="platform-2")
        assertRedirects(response, created.get_absolute_url())
        assert created.time_zone == "Europe/Lisbon"
        membership = Membership.objects.get(team=created)
        assert membership.user == leader
        assert membership.roles == ["leader"]

    def test_member_who_is_not_admin_gets_403(self, login, member, team):
        response = login(member).post(reverse("team_create", args=["harbour"]), self.DATA)

        assert response.status_code == 403
        assert Team.objects.filter(organisation=team.organisation).count() == 1

    def test_out_of_range_review_cycle_shows_the_form_again(self, login, leader, team):
        response = login(leader).post(
            reverse("team_create", args=["harbour"]),
            {**self.DATA, "name": "Data", "review_cadence_weeks": 40},
        )

        assert response.status_code == 400
        assertContains(response, "less than or equal to 26", status_code=400)
        assert not Team.objects.filter(name="Data").exists()

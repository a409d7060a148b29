"""Time zones: a short list of real places grouped by region, and saved zones outside it kept."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import time_zones
from alignment.forms import ProfileForm, SignupForm, TeamForm, TeamSettingsForm
from alignment.models import User
from tests.alignment.reading import form_values

FOLLOW_BROWSER = "data-follow-browser-zone"
STRONG_PASSWORD = "harbour-lights-at-dawn-42"


def offered(form) -> set[str]:
    values = set()
    for value, label in form.fields["time_zone"].choices:
        values |= {zone for zone, _ in label} if isinstance(label, list) else {value}
    return values


class TestTheList:
    @pytest.mark.parametrize("oddity", ["Factory", "localtime", "Etc/GMT+3", "US/Pacific", "GB", "EST5EDT",
                                        "posixrules", "Zulu"])
    def test_aliases_and_oddities_are_left_out(self, oddity):
        assert oddity not in time_zones.listed_zones()

    @pytest.mark.parametrize("place", ["UTC", "Europe/London", "America/Chicago", "Asia/Kolkata",
                                       "America/Argentina/Buenos_Aires", "Pacific/Auckland", "Australia/Sydney"])
    def test_places_are_offered(self, place):
        assert place in time_zones.listed_zones()

    @pytest.mark.skipif(time_zones._zone_tab() is None, reason="no zone.tab: the region filter keeps old names")
    @pytest.mark.parametrize("old_name", ["Asia/Calcutta", "Europe/Kiev", "America/Buenos_Aires", "Australia/NSW"])
    def test_old_spellings_of_a_place_are_left_out(self, old_name):
        assert old_name not in time_zones.listed_zones()

    def test_utc_comes_first_then_one_group_per_region_with_readable_labels(self):
        choices = time_zones.time_zone_choices()

        assert choices[0] == ("UTC", "UTC")
        groups = dict(choices[1:])
        assert list(groups) == sorted(groups)  # regions in alphabetical order
        assert {"Africa", "Americas", "Asia", "Europe", "Pacific Ocean"} <= set(groups)
        americas = dict(groups["Americas"])
        assert americas["America/Chicago"] == "Chicago"
        assert americas["America/Argentina/Buenos_Aires"] == "Buenos Aires (Argentina)"
        assert americas["America/North_Dakota/New_Salem"] == "New Salem (North Dakota)"
        labels = [label for _, label in groups["Europe"]]
        assert labels == sorted(labels)

    def test_a_zone_saved_before_the_list_is_kept_in_the_choices(self):
        choices = time_zones.time_zone_choices("US/Pacific", "Europe/London", "Mars/Olympus_Mons", "")

        flat = [value for value, label in choices if isinstance(label, str)]
        # Kept once, after UTC; a zone already listed or not a zone at all is not added.
        assert flat == ["UTC", "US/Pacific"]

    def test_the_select_shows_regions_as_groups(self, login, leader, team):
        response = login(leader).get(reverse("team_create", args=["harbour"]))

        assertContains(response, '<optgroup label="Europe">')
        assertContains(response, '<option value="America/Chicago">Chicago</option>', html=True)
        assertNotContains(response, 'value="US/Pacific"')
        assertNotContains(response, 'value="Factory"')


class TestExistingZonesOutsideTheList:
    def test_team_settings_show_and_keep_a_zone_saved_earlier(self, login, leader, team):
        team.time_zone = "US/Pacific"
        team.save(update_fields=["time_zone"])
        url = reverse("team_settings", args=["harbour", "platform"])
        client = login(leader)

        shown = form_values(client.get(url).content, url)
        assert shown["time_zone"] == ["US/Pacific"]

        response = client.post(url, {**{k: v[0] for k, v in shown.items()}, "review_cadence_weeks": "3"})

        assertRedirects(response, team.get_absolute_url(), fetch_redirect_response=False)
        team.refresh_from_db()
        assert (team.time_zone, team.review_cadence_weeks) == ("US/Pacific", 3)

    def test_profile_shows_and_keeps_a_zone_saved_earlier(self, login, member):
        member.time_zone = "GB"
        member.save(update_fields=["time_zone"])
        url = reverse("profile")
        client = login(member)

        assert form_values(client.get(url).content, url)["time_zone"] == ["GB"]
        client.post(url, {"display_name": "Max M.", "time_zone": "GB"})

        member.refresh_from_db()
        assert (member.display_name, member.time_zone) == ("Max M.", "GB")

    def test_another_zone_outside_the_list_is_still_refused(self, team):
        form = TeamSettingsForm(instance=team, data={
            "name": "Platform", "time_zone": "US/Pacific", "checkin_weekday": 4, "checkin_time": "10:00",
            "review_cadence_weeks": 6, "version": 1,
        })

        assert form.errors["time_zone"] == ["Select a valid choice. US/Pacific is not one of the available choices."]

    def test_a_new_team_offers_the_creators_own_zone_even_outside_the_list(self, login, leader, team):
        leader.time_zone = "US/Pacific"
        leader.save(update_fields=["time_zone"])
        url = reverse("team_create", args=["harbour"])

        assert form_values(login(leader).get(url).content, url)["time_zone"] == ["US/Pacific"]

    def test_a_new_team_offers_the_organisations_zone_for_new_teams_even_outside_the_list(self, login, leader, team):
        team.organisation.default_time_zone = "US/Pacific"
        team.organisation.save(update_fields=["default_time_zone"])
        url = reverse("team_create", args=["harbour"])

        assert form_values(login(leader).get(url).content, url)["time_zone"] == ["US/Pacific"]


class TestFollowingTheBrowser:
    """Which selects `static/js/timezone.js` may set: those nobody has chosen yet."""

    def test_a_new_team_and_a_new_account_follow_the_browser(self):
        assert FOLLOW_BROWSER in TeamForm(initial={"time_zone": "UTC"})["time_zone"].as_widget()
        assert FOLLOW_BROWSER in SignupForm()["time_zone"].as_widget()

    def test_saved_zones_do_not(self, team, make_user):
        assert FOLLOW_BROWSER not in TeamSettingsForm(instance=team)["time_zone"].as_widget()
        assert FOLLOW_BROWSER not in ProfileForm(instance=make_user("p@example.com"))["time_zone"].as_widget()

    def test_a_posted_form_keeps_what_the_person_chose(self):
        form = TeamForm(data={"name": "", "time_zone": "Europe/Paris"})

        assert FOLLOW_BROWSER not in form["time_zone"].as_widget()

    def test_the_pages_load_the_script(self, client, login, leader, team):
        script = re.compile(r'<script src="/static/js/timezone.js" defer>')

        assert script.search(client.get(reverse("signup")).content.decode())
        assert script.search(login(leader).get(reverse("team_create", args=["harbour"])).content.decode())


@pytest.mark.django_db
class TestSignUp:
    def test_the_zone_chosen_is_saved(self, client):
        client.post(reverse("signup"), {"email": "nadia@example.com", "display_name": "Nadia",
                                        "time_zone": "America/Chicago",
                                        "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})

        assert User.objects.get(email="nadia@example.com").time_zone == "America/Chicago"

    def test_without_a_zone_the_account_is_in_utc(self, client):
        client.post(reverse("signup"), {"email": "nadia@example.com", "display_name": "Nadia",
                                        "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})

        assert User.objects.get(email="nadia@example.com").time_zone == "UTC"

    def test_the_form_offers_the_list(self):
        assert offered(SignupForm()) == time_zones.listed_zones()

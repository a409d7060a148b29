"""Archiving a team: a leader asks, confirms, and the team turns read-only until a leader restores it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import services
from alignment.confirm import CONFIRMED
from alignment.errors import ActionRefused
from alignment.models import Invitation, Membership, Team

ARCHIVE_URL = reverse("team_archive", args=["harbour", "platform"])
RESTORE_URL = reverse("team_restore", args=["harbour", "platform"])
SETTINGS_URL = reverse("team_settings", args=["harbour", "platform"])
TEAM_URL = reverse("team", args=["harbour", "platform"])
ARCHIVED = "This team is archived, so nothing in it can change. A leader can restore it from its settings."


@pytest.fixture
def archived_team(team, leader, member, facilitator):
    return services.archive_team(team=team, actor=leader)


class TestArchiving:
    def test_settings_offer_to_archive_and_ask_first(self, login, leader, team):
        response = login(leader).get(SETTINGS_URL)

        assertContains(response, f'<form method="post" action="{ARCHIVE_URL}" data-confirm="Archive Platform?"')
        assertContains(response, 'data-confirm-yes="Yes, archive Platform"')

    def test_asking_first_shows_what_happens_and_changes_nothing(self, login, leader, team):
        response = login(leader).get(ARCHIVE_URL)

        assertContains(response, '<h1 id="confirmation-title">Archive Platform?</h1>', html=True)
        assertContains(response, "Nothing is deleted")
        # A plain form: confirming works without JavaScript.
        assertContains(response, f'<form method="post" action="{ARCHIVE_URL}">')
        team.refresh_from_db()
        assert not team.is_archived

    def test_a_post_without_the_confirmation_asks_and_changes_nothing(self, login, leader, team):
        """The settings page's button without JavaScript: the question, then the archive."""
        response = login(leader).post(ARCHIVE_URL)

        assertContains(response, "Yes, archive Platform")
        assertContains(response, f'<a href="{SETTINGS_URL}">Cancel</a>', html=True)
        team.refresh_from_db()
        assert not team.is_archived

    def test_confirming_archives_the_team(self, login, leader, team):
        response = login(leader).post(ARCHIVE_URL, CONFIRMED, follow=True)

        assertRedirects(response, TEAM_URL)
        assertContains(response, "Platform is archived.")
        team.refresh_from_db()
        assert team.is_archived
        assert team.version == 2  # a settings form loaded before now is a conflict, not a silent write

    @pytest.mark.parametrize("actor", ["member", "facilitator"])
    def test_only_a_leader_may_archive(self, request, actor, login, leader, team):
        response = login(request.getfixturevalue(actor)).post(ARCHIVE_URL, CONFIRMED)

        assert response.status_code == 403
        team.refresh_from_db()
        assert not team.is_archived

    def test_outsider_gets_404(self, login, outsider, team):
        assert login(outsider).post(ARCHIVE_URL, CONFIRMED).status_code == 404

    def test_archiving_twice_is_refused_in_words(self, leader, archived_team):
        with pytest.raises(ActionRefused, match="Platform was already archived."):
            services.archive_team(team=Team.objects.get(pk=archived_team.pk), actor=leader)


class TestAnArchivedTeam:
    def test_its_page_stays_readable_and_says_it_is_archived(self, login, member, archived_team):
        response = login(member).get(TEAM_URL)

        assertContains(response, '<span class="badge archived">Archived</span>', html=True, count=2)  # header, title
        assertContains(response, "nothing in it can change unless a leader restores it")
        assertContains(response, "Lena Leader")

    def test_a_leader_sees_no_controls_that_change_it_but_the_way_to_restore(self, login, leader, archived_team):
        response = login(leader).get(TEAM_URL)

        assertNotContains(response, 'id="invitations"')
        assertNotContains(response, 'name="roles"')
        assertNotContains(response, ">Remove<")
        assertContains(response, f'href="{SETTINGS_URL}"')

    def test_its_settings_offer_only_restoring(self, login, leader, archived_team):
        response = login(leader).get(SETTINGS_URL)

        assertContains(response, f'<form method="post" action="{RESTORE_URL}">')
        assertNotContains(response, f'action="{SETTINGS_URL}"')
        assertNotContains(response, ARCHIVE_URL)

    @pytest.mark.parametrize(("url_name", "data"), [
        ("team_settings", {"name": "Taken over", "time_zone": "UTC", "checkin_weekday": 0, "checkin_time": "09:00",
                           "review_cadence_weeks": 2, "version": 2}),
        ("invitation_create", {"email": "newcomer@example.com", "roles": ["member"]}),
        ("team_archive", {}),
    ])
    def test_changes_are_refused_with_the_reason(self, url_name, data, login, leader, archived_team):
        response = login(leader).post(reverse(url_name, args=["harbour", "platform"]), data)

        assertContains(response, ARCHIVED, status_code=403)
        archived_team.refresh_from_db()
        assert archived_team.name == "Platform"
        assert not Invitation.objects.filter(email="newcomer@example.com").exists()

    def test_roles_and_removals_are_refused(self, login, leader, member, archived_team):
        theirs = Membership.objects.get(user=member)
        client = login(leader)

        roles = client.post(reverse("member_roles", args=["harbour", "platform", theirs.pk]), {"roles": ["leader"]})
        removal = client.post(reverse("member_remove", args=["harbour", "platform", theirs.pk]))

        assert (roles.status_code, removal.status_code) == (403, 403)
        theirs.refresh_from_db()
        assert theirs.roles == ["member"]

    def test_a_leader_cannot_start_a_charter(self, login, leader, archived_team):
        """Feature apps ask the same capabilities, so archiving closes them all at once."""
        response = login(leader).post(reverse("charters:start", args=["harbour", "platform"]))

        assertContains(response, ARCHIVED, status_code=403)
        assert not archived_team.charters.exists()

    def test_someone_may_still_leave_it(self, login, member, archived_team):
        theirs = Membership.objects.get(user=member)

        response = login(member).post(reverse("member_remove", args=["harbour", "platform", theirs.pk]), CONFIRMED)

        assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        assert not Membership.objects.filter(pk=theirs.pk).exists()

    def test_a_pending_invitation_cannot_be_accepted(self, client, make_invitation, make_user, login,
                                                     leader, archived_team):
        _, token = make_invitation(archived_team, "newcomer@example.com", invited_by=leader)
        url = reverse("invitation_accept", args=[token])
        client = login(make_user("newcomer@example.com"))

        response = client.post(url)

        assertContains(response, "Platform is archived, so nobody can join it for now.", status_code=410)
        assert not archived_team.memberships.filter(user__email="newcomer@example.com").exists()

    def test_it_leaves_the_home_list_and_the_switcher_but_shows_under_archived(
        self, login, member, archived_team, add_member, other_team
    ):
        add_member(other_team, member, "member")

        response = login(member).get(reverse("home"))

        assert [m.team for m in response.context["archived"]] == [archived_team]
        assert [m.team for _, memberships in response.context["groups"] for m in memberships] == [other_team]
        assert [m.team for m in response.context["nav_memberships"]] == [other_team]
        assertContains(response, '<h2 id="archived-teams">Archived</h2>', html=True)

    def test_the_organisation_page_marks_it_and_lists_it_last(self, login, member, archived_team, other_team):
        response = login(member).get(reverse("organisation", args=["harbour"]))

        assert [t.name for t in response.context["teams"]] == ["Growth", "Platform"]
        assertContains(response, '<span class="badge archived">Archived</span>', html=True, count=1)


class TestRestoring:
    def test_a_leader_restores_it_and_it_can_change_again(self, login, leader, archived_team):
        client = login(leader)

        response = client.post(RESTORE_URL, follow=True)

        assertRedirects(response, TEAM_URL)
        assertContains(response, "Platform is restored")
        assertContains(response, 'id="invitations"')
        archived_team.refresh_from_db()
        assert not archived_team.is_archived
        assert client.get(SETTINGS_URL).context["form"] is not None

    @pytest.mark.parametrize("actor", ["member", "facilitator"])
    def test_only_a_leader_may_restore(self, request, actor, login, archived_team):
        response = login(request.getfixturevalue(actor)).post(RESTORE_URL)

        assertContains(response, "Only the team&#x27;s leaders and the organisation&#x27;s admins may restore it.", status_code=403)
        archived_team.refresh_from_db()
        assert archived_team.is_archived

    def test_restoring_a_team_that_is_not_archived_says_so(self, login, leader, team):
        response = login(leader).post(RESTORE_URL, follow=True)

        assertContains(response, "Platform is not archived.")

    def test_member_sees_its_settings_as_before_403(self, login, member, archived_team):
        assert login(member).get(SETTINGS_URL).status_code == 403


@pytest.mark.parametrize("people", [3, 30])
def test_archived_team_page_query_count_is_flat(
    people, login, leader, member, facilitator, team, grow_team, django_assert_num_queries
):
    grow_team(team, people=people, invitations=5)
    services.archive_team(team=team, actor=leader)
    client = login(leader)

    # 1. user  2. my membership with team and organisation (and the header's bell's unread count)
    # 3. members with their users  4. the team's current charters (charters' panel)  5. the open review
    # cycle (reviews' panel)  6. the non-negotiables' ratings of the last cycles (reviews' health panel).
    # The header's switcher leaves the archived team out: the empty list it is left with is read once.
    with django_assert_num_queries(6):
        response = client.get(TEAM_URL)

    assert response.status_code == 200

"""Who may open which address: one row per URL in alignment/urls.py, one column per person.

anonymous → sent to log in; outsider (another team, same organisation) → 404 on team
URLs; stranger (another organisation) → 404 on organisation and team URLs; a member
or facilitator without the leader role → 403 on leader-only URLs; leader → success.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver, reverse
from pytest_django.asserts import assertRedirects

from alignment import permissions
from alignment.models import Invitation, Membership

LOGIN = "login"  # expectation: redirected to the login page with ?next=
ACTORS = ("anonymous", "outsider", "stranger", "member", "facilitator", "leader")

# fmt: off
ANSWERS = {
    #                      anonymous outsider stranger member facilitator leader
    "home":                (LOGIN,   200,     200,     200,   200,        200),
    "signup":              (200,     302,     302,     302,   302,        302),
    "profile":             (LOGIN,   200,     200,     200,   200,        200),
    "organisation_create": (LOGIN,   200,     200,     200,   200,        200),
    "organisation":        (LOGIN,   200,     404,     200,   200,        200),
    # Creating teams is for organisation admins (the leader is one in the cast).
    "team_create":         (LOGIN,   403,     404,     403,   403,        200),
    "team":                (LOGIN,   404,     404,     200,   200,        200),
    "team_settings":       (LOGIN,   404,     404,     403,   403,        200),
    "invitation_create":   (LOGIN,   404,     404,     403,   403,        302),
    "invitation_revoke":   (LOGIN,   404,     404,     403,   403,        302),
    "member_roles":        (LOGIN,   404,     404,     403,   403,        302),
    # Removing someone else; leaving yourself is tested in test_member_remove.py.
    "member_remove":       (LOGIN,   404,     404,     403,   403,        302),
    # Whoever holds the link may read the invitation: the token is the permission.
    "invitation_accept":   (200,     200,     200,     200,   200,        200),
}
# fmt: on

# What each URL is called with; the rest are GETs.
POSTED = {
    "invitation_create": {"email": "newcomer@example.com", "roles": ["member"]},
    "invitation_revoke": {},
    "member_roles": {"roles": ["member", "facilitator"]},
    "member_remove": {},
}
URL_KWARGS = {
    "organisation": ("org_slug",),
    "team_create": ("org_slug",),
    "team": ("org_slug", "team_slug"),
    "team_settings": ("org_slug", "team_slug"),
    "invitation_create": ("org_slug", "team_slug"),
    "invitation_revoke": ("org_slug", "team_slug", "invitation_id"),
    "member_roles": ("org_slug", "team_slug", "membership_id"),
    "member_remove": ("org_slug", "team_slug", "membership_id"),
    "invitation_accept": ("token",),
}
# Django's own views, tested only for what this project configures (test_accounts.py).
NOT_IN_TABLE = {"login"}


@pytest.fixture
def targets(team, leader, member, facilitator, make_invitation, make_user, add_member):
    """What the URLs point at: a pending invitation and a colleague none of the cast is."""
    invitation, token = make_invitation(team, "pending@example.com", invited_by=leader)
    colleague = add_member(team, make_user("colleague@example.com", "Cleo Colleague"), "member")
    return {
        "org_slug": team.organisation.slug,
        "team_slug": team.slug,
        "invitation_id": invitation.pk,
        "membership_id": colleague.pk,
        "token": token,
    }


@pytest.fixture
def as_actor(request, client, login):
    def as_(actor: str):
        if actor == "anonymous":
            return client
        return login(request.getfixturevalue(actor))

    return as_


def test_table_covers_every_url_of_the_app():
    named = {
        pattern.name
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern)  # not includes: admin, Django's auth, other apps
    }
    assert named - NOT_IN_TABLE == set(ANSWERS)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("url_name", ANSWERS)
def test_each_person_gets_the_answer_in_the_table(
    url_name, actor, targets, as_actor, outsider, stranger
):
    url = reverse(url_name, kwargs={key: targets[key] for key in URL_KWARGS.get(url_name, ())})
    client = as_actor(actor)

    response = client.post(url, POSTED[url_name]) if url_name in POSTED else client.get(url)

    expected = dict(zip(ACTORS, ANSWERS[url_name], strict=True))[actor]
    if expected == LOGIN:
        assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("actor", ["outsider", "stranger", "member", "facilitator"])
def test_refused_actions_change_nothing(actor, targets, as_actor, team, outsider, stranger):
    client = as_actor(actor)
    team_kwargs = {"org_slug": targets["org_slug"], "team_slug": targets["team_slug"]}

    client.post(
        reverse("invitation_create", kwargs=team_kwargs),
        {"email": "newcomer@example.com", "roles": ["leader"]},
    )
    client.post(
        reverse(
            "invitation_revoke", kwargs={**team_kwargs, "invitation_id": targets["invitation_id"]}
        )
    )
    client.post(
        reverse("member_roles", kwargs={**team_kwargs, "membership_id": targets["membership_id"]}),
        {"roles": ["leader"]},
    )
    client.post(
        reverse("member_remove", kwargs={**team_kwargs, "membership_id": targets["membership_id"]})
    )
    client.post(
        reverse("team_settings", kwargs=team_kwargs),
        {
            "name": "Taken over",
            "time_zone": "UTC",
            "checkin_weekday": 0,
            "checkin_time": "09:00",
            "review_cadence_weeks": 2,
            "version": 1,
        },
    )

    assert not Invitation.objects.filter(email="newcomer@example.com").exists()
    assert Invitation.objects.pending().filter(pk=targets["invitation_id"]).exists()
    assert Membership.objects.get(pk=targets["membership_id"]).roles == ["member"]
    team.refresh_from_db()
    assert team.name == "Platform"


def test_leader_cannot_reach_another_teams_invitation_through_their_own_team(
    login, leader, team, other_team, make_invitation
):
    theirs, _ = make_invitation(other_team, "theirs@example.com")

    response = login(leader).post(
        reverse("invitation_revoke", args=["harbour", "platform", theirs.pk])
    )

    assert response.status_code == 404
    assert Invitation.objects.pending().filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("url_name", ["member_roles", "member_remove"])
def test_leader_cannot_reach_another_teams_member_through_their_own_team(
    url_name, login, leader, outsider
):
    theirs = Membership.objects.get(user=outsider)

    response = login(leader).post(
        reverse(url_name, args=["harbour", "platform", theirs.pk]), {"roles": ["facilitator"]}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.roles == ["leader", "member"]


@pytest.mark.parametrize(
    "url_name", ["invitation_create", "invitation_revoke", "member_roles", "member_remove"]
)
def test_actions_refuse_get(url_name, login, leader, targets):
    kwargs = {"org_slug": "harbour", "team_slug": "platform"}
    if url_name == "invitation_revoke":
        kwargs["invitation_id"] = targets["invitation_id"]
    elif url_name.startswith("member_"):
        kwargs["membership_id"] = targets["membership_id"]

    assert login(leader).get(reverse(url_name, kwargs=kwargs)).status_code == 405


class TestTeamInOrganisation:
    """Reading another team of your own organisation (for pages that show it)."""

    def test_member_of_the_team_gets_their_membership(self, member, team):
        found, membership = permissions.team_in_organisation(member, "harbour", "platform")
        assert found == team
        assert membership.user == member

    def test_outsider_from_the_same_organisation_gets_the_team_without_membership(
        self, outsider, team
    ):
        found, membership = permissions.team_in_organisation(outsider, "harbour", "platform")
        assert found == team
        assert membership is None

    def test_stranger_gets_404(self, stranger, team):
        from django.http import Http404

        with pytest.raises(Http404):
            permissions.team_in_organisation(stranger, "harbour", "platform")

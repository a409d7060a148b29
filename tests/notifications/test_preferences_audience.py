"""Preferences list only the kinds a person can receive: each kind says its audience (roles held in some team, an
organisation's admins, or anyone) when it is registered, and a person sees the kinds of the roles they hold."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from notifications import services as notifications

pytestmark = pytest.mark.django_db

# The kinds the apps registered, before the tests below put their own in their place.
REGISTERED = notifications._kinds

LEADERS, MEMBERS, FACILITATORS, ADMINS, EVERYONE = ("test_for_leaders", "test_for_members", "test_for_facilitators",
                                                    "test_for_admins", "test_for_everyone")


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch):
    monkeypatch.setattr(notifications, "_kinds", {})
    notifications.register_kind(LEADERS, "Leader things", audience=notifications.LEADER)
    notifications.register_kind(MEMBERS, "Member things", audience=notifications.MEMBER)
    notifications.register_kind(FACILITATORS, "Facilitator things",
                                audience=(notifications.FACILITATOR, notifications.LEADER))
    notifications.register_kind(ADMINS, "Admin things", audience=notifications.ADMIN)
    notifications.register_kind(EVERYONE, "Everyone's things")  # the default audience: anyone


def listed(client) -> list[str]:
    form = client.get(reverse("notifications:preferences")).context["form"]
    return [kind.key for kind, _, _ in form.kind_rows()]


def test_a_plain_member_sees_member_kinds_and_everyones(login, member):
    assert listed(login(member)) == [MEMBERS, EVERYONE]


def test_a_leader_who_is_an_admin_sees_leader_and_admin_kinds(login, leader):
    assert listed(login(leader)) == [LEADERS, FACILITATORS, ADMINS, EVERYONE]


def test_a_facilitator_sees_facilitator_and_member_kinds(login, facilitator):
    # The cast's facilitator holds the facilitator role only; a kind for facilitators or leaders reaches them.
    assert listed(login(facilitator)) == [FACILITATORS, EVERYONE]


def test_roles_in_any_team_count(login, member, other_team, add_member):
    add_member(other_team, member, "leader")

    assert listed(login(member)) == [LEADERS, MEMBERS, FACILITATORS, EVERYONE]


def test_someone_in_no_team_sees_only_what_anyone_receives(login, make_user):
    assert listed(login(make_user("new@example.com", "New Person"))) == [EVERYONE]


def test_the_page_leaves_out_the_rest_and_saving_keeps_their_choices(login, member):
    notifications.set_preference(user=member, kind=LEADERS, email=False, in_app=False)
    client = login(member)

    response = client.get(reverse("notifications:preferences"))
    assertContains(response, "Member things by email")
    assertNotContains(response, "Leader things")
    client.post(reverse("notifications:preferences"), {f"{MEMBERS}__in_app": "on"})

    assert notifications.preference(member, LEADERS).in_app is False  # not listed, so not overwritten
    assert (notifications.preference(member, MEMBERS).email, notifications.preference(member, MEMBERS).in_app) == (
        False, True)


@pytest.mark.parametrize("more", [1, 20])
def test_the_preferences_page_costs_the_same_whatever_the_kinds(login, member, more, django_assert_num_queries):
    client = login(member)
    for n in range(more):
        notifications.register_kind(f"test_more_{n}", f"More {n}", audience=notifications.MEMBER)
        notifications.set_preference(user=member, kind=f"test_more_{n}", email=False)

    # the user, their saved preferences, what they are (their roles in any team and whether they are an admin),
    # and their memberships (the header's team switcher, and the header's bell's unread count)
    with django_assert_num_queries(4):
        response = client.get(reverse("notifications:preferences"))

    assert len(response.context["form"].kind_rows()) == 2 + more


def test_an_audience_outside_the_known_ones_is_refused():
    with pytest.raises(ValueError, match="audience"):
        notifications.register_kind("test_bad", "Bad", audience="owner")


def test_every_registered_kind_says_who_receives_it():
    """The project's own kinds (registered by each app's `ready()`): leader-only ones are not offered to members."""
    audiences = {kind.key: kind.audience for kind in REGISTERED.values()}

    leaders_only = {"leader_digest", "webhook_disabled", "member_joined", "charter_objection",
                    "retro_action_on_amendment"}
    assert {key for key in leaders_only if audiences[key] == {notifications.LEADER}} == leaders_only
    assert audiences["checkin_reminder"] == {notifications.MEMBER, notifications.FACILITATOR}
    assert audiences["blocker_named"] == {notifications.ANYONE}

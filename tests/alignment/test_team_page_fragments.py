"""The team page's list of people and its empty invitation form: drawn once and kept, never one reader's.

Members read one list alike; a leader's list carries the role forms (and no "Remove" beside their
own name), so it is kept apart from the members' and never reaches them. Each response carries its
own reader's CSRF token, a change of roles shows at once, and a form sent back with errors (what
its sender typed) is never kept.
"""

from __future__ import annotations

import re

from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment import fragments
from alignment.models import Membership, User

TEAM_URL = reverse("team", args=["harbour", "platform"])
HTMX = {"HTTP_HX_REQUEST": "true"}


def read(user: User, client: Client | None = None):
    client = client or Client()
    client.force_login(user)
    return client.get(TEAM_URL)


def people(response) -> str:
    return re.search(r'<ul class="member-list">.*?</ul>', response.content.decode(), re.S).group(0)


def tokens(response) -> set[str]:
    """The secrets behind every CSRF token on the page."""
    found = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    return {_unmask_cipher_token(token) for token in found}


def test_members_read_the_same_list(leader, member, facilitator, team):
    as_member, as_facilitator = read(member), read(facilitator)

    assert people(as_member) == people(as_facilitator)
    assert as_member.context["members_version"] == as_facilitator.context["members_version"]
    kept = cache.get(fragments.key("team-members", [as_member.context["members_version"]]))
    assert people(as_member) in kept  # drawn for the first, read by the second


def test_a_leaders_list_with_its_forms_never_reaches_a_member(leader, member, team):
    as_leader = read(leader)
    as_member = read(member)

    assert 'name="roles"' in people(as_leader)
    assert 'name="roles"' not in people(as_member)
    assertNotContains(as_member, reverse("member_roles", args=["harbour", "platform", Membership.objects.get(
        user=member).pk]))


def test_each_reader_gets_their_own_csrf_token_in_a_kept_list(leader, member, team):
    first, second = read(leader, Client()), read(leader, Client())  # two sessions of the same leader

    assert people(first).replace(_token_in(first), "") == people(second).replace(_token_in(second), "")
    assert len(tokens(first)) == len(tokens(second)) == 1  # the list's forms carry the page's own token
    assert tokens(first) != tokens(second)


def _token_in(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', people(response)).group(1)


def test_a_change_of_roles_shows_at_once(leader, member, team):
    client = Client()
    client.force_login(leader)
    client.get(TEAM_URL)
    membership = Membership.objects.get(user=member)

    changed = client.post(reverse("member_roles", args=["harbour", "platform", membership.pk]),
                          {"roles": ["member", "facilitator"]}, **HTMX)
    as_member = read(member)

    assert f'value="facilitator" id="id_member{membership.pk}_roles_2" checked' in people(changed)
    assertContains(as_member, '<span class="badge role-facilitator">Facilitator</span>', html=True)


def test_a_new_member_shows_at_once(leader, member, team, make_user, add_member):
    read(member)
    add_member(team, make_user("new@example.com", "Nia New"), "member")

    assert "Nia New" in people(read(member))


def test_a_renamed_team_is_named_in_its_leaders_forms_at_once(leader, member, team):
    read(leader)
    team.name = "Platform Engineering"
    team.save(update_fields=["name"])

    assert "from Platform Engineering?" in people(read(leader))


def test_an_invitation_form_sent_back_with_errors_is_not_kept(leader, team):
    client = Client()
    client.force_login(leader)
    client.get(TEAM_URL)

    refused = client.post(reverse("invitation_create", args=["harbour", "platform"]),
                          {"email": "not-an-address", "roles": ["member"]}, **HTMX)
    again = client.get(TEAM_URL)

    assertContains(refused, 'value="not-an-address"', status_code=400)
    assertNotContains(again, "not-an-address")
    assertContains(again, '<input type="email" name="email" maxlength="320" required id="id_email">', html=True)


def test_each_persons_forms_read_as_if_drawn_alone(leader, member, facilitator, team, make_user, add_member):
    """A leader's forms beside each person are drawn once for each shape (the roles checked, whether they may be
    removed) and written in with the person (`alignment.views._draw_member_controls`): each must read as the forms drawn
    on their own for that person, their name escaped and the reader's token in each."""
    from django.template.loader import render_to_string

    from alignment.forms import RolesForm
    from alignment.views import MEMBER_CONTROLS

    odd = make_user("odd@example.com", 'Ann <b>"&"</b> Odd')
    add_member(team, odd, "member")
    response = read(leader)
    listed = people(response)
    token = _token_in(response)

    shown = 0
    for m in Membership.objects.filter(team=team).select_related("user"):
        alone = render_to_string(MEMBER_CONTROLS, {
            "team": team, "role_choices": RolesForm.base_fields["roles"].choices, "csrf_token": token,
            "m": {"pk": m.pk, "user": m.user, "role_values": {role.value for role in m.roles},
                  "may_be_removed": m.user != leader,
                  "roles_url": reverse("member_roles", args=["harbour", "platform", m.pk]),
                  "remove_url": reverse("member_remove", args=["harbour", "platform", m.pk])}})
        assert alone in listed
        shown += 1
    assert shown == 4
    assert "Roles of Ann &lt;b&gt;&quot;&amp;&quot;&lt;/b&gt; Odd" in listed
    assert listed.count(" checked>") >= 4
    assert "stand-in" not in response.content.decode()

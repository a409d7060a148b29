"""A team's card on the alignment map: drawn once for every reader and kept under what it is drawn from.

The card holds nothing of who reads it (the link to their own team and "your team" are drawn
around it), so readers with different roles get the very same HTML; and since it is kept under
the values it is drawn from, any change to them shows at once, whatever wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from alignment import panels
from alignment.models import Team, User
from tests.charters.test_organisation_map import AT_RISK, ON_TRACK, in_force, key_results_of, readings

URL = reverse("organisation", args=["harbour"])
PANEL = "charters/_organisation_panel.html"


@pytest.fixture
def charters(team, other_team, leader):
    """Platform's and Growth's charters in force, with a key result each that has readings."""
    for t in (team, other_team):
        readings(key_results_of(in_force(t, purpose=f"{t.name} exists for a reason."))[0], leader, ON_TRACK)


@pytest.fixture
def admin(make_user, organisation):
    """An organisation admin who is in none of its teams."""
    user = make_user("admin@example.com", "Ada Admin")
    organisation.admins.add(user)
    return user


def read_map(user: User, **query):
    client = Client()
    client.force_login(user)
    return client.get(URL, query)


def cards(response) -> dict[str, str]:
    return {card.team.name: card.html for card in response.context["cards"]}


def test_readers_with_different_roles_get_the_same_cards(leader, member, outsider, admin, charters):
    seen = {user.email: read_map(user) for user in (leader, member, outsider, admin)}

    drawn = {email: cards(response) for email, response in seen.items()}
    assert len({tuple(sorted(c.items())) for c in drawn.values()}) == 1
    versions = {email: [t.card_version for t in response.context["teams"]] for email, response in seen.items()}
    assert len({repr(v) for v in versions.values()}) == 1  # the key names no reader
    for card in drawn[member.email].values():
        assert "your team" not in card
        assert "/t/platform/\"" not in card and "/t/growth/\"" not in card  # no link to a team's page
        assert "csrf" not in card


def test_the_readers_own_parts_are_drawn_around_the_card(member, outsider, admin, team, other_team, charters):
    mine = f'<a href="{team.get_absolute_url()}">Platform</a>'
    theirs = f'<a href="{other_team.get_absolute_url()}">Growth</a>'

    as_member, as_outsider, as_admin = read_map(member), read_map(outsider), read_map(admin)

    assertContains(as_member, mine, html=True)
    assertNotContains(as_member, theirs, html=True)
    assertContains(as_outsider, theirs, html=True)
    assertNotContains(as_outsider, mine, html=True)
    for response in (as_member, as_outsider):
        assertContains(response, '<span class="badge">your team</span>', count=1, html=True)
    assertNotContains(as_admin, "your team")


def test_a_card_is_drawn_once_for_every_reader(member, outsider, charters):
    first = read_map(member)
    second = read_map(outsider)

    assert PANEL in [t.name for t in first.templates]
    assert PANEL not in [t.name for t in second.templates]  # read from the cache
    assert cards(first) == cards(second)


def _rename(team, **_):
    Team.objects.filter(pk=team.pk).update(name="Platform Services")  # no service: nothing has to remember


def _falls(team, leader, **_):
    readings(key_results_of(team.charters.get())[0], leader, AT_RISK, start=timedelta(days=1))


def _joins(team, make_user, add_member, **_):
    add_member(team, make_user("new@example.com", "Nia New"), "member")


def _renames_a_leader(leader, **_):
    User.objects.filter(pk=leader.pk).update(display_name="Lena Laird")


@pytest.mark.parametrize(("change", "shown"), [
    (_rename, "Platform Services"),
    (_falls, "1 falling"),
    (_joins, "3 people"),
    (_renames_a_leader, "led by Lena Laird"),
])
def test_a_change_to_what_a_card_shows_is_seen_at_once(
    change, shown, member, leader, team, charters, make_user, add_member
):
    before = read_map(member)
    assertNotContains(before, shown)

    change(team=team, leader=leader, make_user=make_user, add_member=add_member)
    after = read_map(member)

    assertContains(after, shown)
    assert cards(after) != cards(before)


def test_a_card_whose_panel_data_is_not_plain_is_drawn_at_every_reading(member, team, monkeypatch):
    def the_team_itself(teams):
        return {t.pk: Team.objects.get(pk=t.pk) for t in teams}  # a model instance: `drawn` cannot vouch for it

    monkeypatch.setattr(panels, "_organisation_panels",
                        [*panels._organisation_panels, panels._OrganisationPanel(PANEL, the_team_itself)])

    response = read_map(member)

    assert response.status_code == 200
    assert {t.card_version for t in response.context["teams"]} == {None}
    assert PANEL in [t.name for t in read_map(member).templates]


# What a panel's data is drawn from ---------------------------------------------------------------

@dataclass
class Counts:
    done: int
    labels: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        return f"{self.done} done"


@dataclass
class Card:
    title: str
    since: datetime
    now: datetime
    counts: Counts

    @property
    def age(self) -> timedelta:
        return self.now - self.since

    @property
    def age_label(self) -> str:
        return f"{self.age.days} days"


def test_drawn_leaves_out_the_loaders_clock_and_keeps_what_the_card_says_of_it():
    since = timezone.now() - timedelta(days=3)
    earlier, later = timezone.now(), timezone.now() + timedelta(seconds=5)
    a_while_on = later + timedelta(hours=1)

    first = panels.drawn(Card("Ship", since, earlier, Counts(2)), clock=(earlier, earlier))
    again = panels.drawn(Card("Ship", since, later, Counts(2)), clock=(later, later))
    next_day = panels.drawn(Card("Ship", since, a_while_on + timedelta(days=1), Counts(2)),
                            clock=(a_while_on + timedelta(days=1),) * 2)

    assert first == again  # the same card, read a moment later
    assert first != next_day  # "4 days" now
    assert ("age_label", "3 days") in first[2] and "age" not in dict(first[2])
    assert first[1][1] == since.isoformat()  # a moment that is data stays in


def test_drawn_keeps_every_field_of_data_without_a_clock():
    clock = (timezone.now(), timezone.now())

    assert panels.drawn(Counts(2, ["a"]), clock=clock) != panels.drawn(Counts(2, ["b"]), clock=clock)
    assert panels.drawn({"n": [1, (2, None)]}, clock=clock) == (("n", (1, (2, None))),)


def test_drawn_refuses_what_it_cannot_vouch_for(team):
    with pytest.raises(panels.NotDrawn):
        panels.drawn({"team": team}, clock=(timezone.now(), timezone.now()))

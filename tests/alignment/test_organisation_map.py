"""The organisation page as an alignment map: every team as a card, searched, filtered and paged,
the same queries and URL reversals with 3 teams or 40 (and so with 1,000).

What charters puts on the cards, its filters and its summary are tested in
tests/charters/test_organisation_map.py; here, the page around them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.urls.resolvers import URLResolver
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import panels
from alignment.models import Team
from tests.charters.test_organisation_map import AT_RISK, ON_TRACK, in_force, key_results_of, readings

URL = reverse("organisation", args=["harbour"])


def add_teams(organisation, count: int, *, start: int = 0) -> list[Team]:
    return [Team.objects.create(organisation=organisation, name=f"Team {n:02}", slug=f"team-{n:02}")
            for n in range(start, start + count)]


@pytest.fixture
def map_of(organisation, team, other_team, leader, grow_team):
    """`map_of(n)`: the organisation with n teams, each with a few people and a charter in force whose
    key results have readings (one of them falling), except Growth, which has no charter yet."""

    def build(teams: int) -> None:
        for t in [team, *add_teams(organisation, teams - 2)]:
            grow_team(t, people=4)
            key_results = key_results_of(in_force(t, parts=("serves", "outcome"), key_results=2))
            readings(key_results[0], leader, ON_TRACK, AT_RISK)
            readings(key_results[1], leader, ON_TRACK)

    return build


@pytest.mark.parametrize("teams", [3, 40])
def test_the_page_runs_the_same_queries_with_3_or_40_teams(login, leader, map_of, teams, django_assert_num_queries):
    map_of(teams)
    client = login(leader)

    # 1. user  2. my memberships with their teams and organisations (the access check, the header's
    # switcher, which cards are my teams', whether I am an admin of each team's organisation, and the
    # header's bell's unread count)
    # 3. this page's teams with how many match in all  4. their head counts with their first leaders' names
    # 5. (charters) their charters in force, goals counted by purpose part  6. (charters) those charters'
    # key results with their latest reading (sent with 5.: one wait)  7. (charters) the admins' summary, one
    # aggregate.  8. (charters) the organisation's goals, for everyone (none here: nothing more is asked).
    # 9.-11. (charters, asks) the cross-team signals: contested tags, goals with a tradeoff, consultations past their date
    # (none here: nothing more is asked).
    # The cards are drawn (the first time) or read from the cache (after): no query either way.
    with django_assert_num_queries(11):
        response = client.get(URL)

    shown = min(teams, 24)
    assertContains(response, '<article class="card team-card', count=shown)
    assertContains(response, "1 falling", count=shown - 1)  # Growth has no charter
    assertContains(response, f"<strong>1 of {teams} teams</strong> has no ratified charter yet.")


@pytest.mark.parametrize("teams", [3, 40])
def test_a_search_with_a_filter_runs_the_same_queries(login, member, map_of, teams, django_assert_num_queries):
    map_of(teams)
    client = login(member)

    # As above, without the admins' summary: 1. user  2. my memberships (whether I am an admin too, and the
    # header's bell's unread count)
    # 3. this page's teams that match the search and the filter, with how many do (worked out once,
    # not once more to count)  4. head counts with leaders  5.-6. (charters) the cards' charters and readings
    # 7. (charters) the organisation's goals (none here)  8.-10. (charters, asks) the cross-team signals: contested tags, goals with a tradeoff, consultations past their date
    with django_assert_num_queries(10):
        response = client.get(URL, {"q": "TEAM", "filter": "falling"})

    assert len(response.context["teams"]) == min(teams - 2, 24)


@pytest.mark.parametrize("teams", [30, 60])
def test_a_later_page_runs_the_same_queries_as_the_first(login, member, organisation, team, other_team, teams,
                                                         django_assert_num_queries):
    add_teams(organisation, teams - 2)
    client = login(member)
    client.get(URL)  # the cards of page 1 drawn and kept: page 2's are not

    # 1. user  2. my memberships (whether I am an admin too, and the header's bell's unread count)
    # 3. page 2's teams with how many there are  4. head counts with leaders  5.-6. (charters) the cards' charters
    # in force and their key results' readings, sent together (none here)  7. (charters) the organisation's goals
    # (none here). (The cross-team signals were worked out for page 1 and are kept: no query.)
    with django_assert_num_queries(7):
        response = client.get(URL, {"page": "2"})

    assert response.context["page"].number == 2
    assert len(response.context["teams"]) == min(teams - 24, 24)


def test_a_page_past_the_last_costs_two_queries_more(login, member, organisation, team, other_team,
                                                     django_assert_num_queries):
    add_teams(organisation, 28)
    client = login(member)

    # As a later page, with 3. an empty page past the end  3a. how many teams there are
    # 3b. the last page's teams, and the cross-team signals (3 queries: no page was read before).
    with django_assert_num_queries(12):
        response = client.get(URL, {"page": "9"})

    assert response.context["page"].number == 2


def test_urls_are_reversed_once_per_page_not_once_per_card(login, leader, organisation, map_of, monkeypatch):
    calls = []
    original = URLResolver._reverse_with_prefix

    def counting(self, lookup_view, *args, **kwargs):
        calls.append(lookup_view)
        return original(self, lookup_view, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counting)
    map_of(3)
    client = login(leader)
    client.get(URL)  # the header, the same on both readings, is drawn once (alignment/templatetags/site_header.py)
    calls.clear()
    client.get(URL)
    with_3 = len(calls)
    add_teams(organisation, 37, start=50)
    calls.clear()

    response = client.get(URL)

    assert len(response.context["teams"]) == 24
    assert len(calls) == with_3


def test_search_by_name_ignores_case(login, member, team, other_team):
    response = login(member).get(URL, {"q": "PLAT"})

    assert [t.name for t in response.context["teams"]] == ["Platform"]
    assertContains(response, "1 team found")
    assertContains(response, '<input type="search" name="q" value="PLAT" maxlength="120" id="id_q">', html=True)


def test_nothing_found_offers_every_team_again(login, member, team, other_team):
    response = login(member).get(URL, {"q": "nothing like it"})

    assertContains(response, "No team matches.")
    assertContains(response, '<a href="?">Show all teams</a>', count=2, html=True)


def test_a_filter_no_app_offers_is_an_error_and_shows_every_team(login, member, team, other_team):
    response = login(member).get(URL, {"filter": "bogus", "q": "o"})

    assert response.status_code == 200
    assertContains(response, "Select a valid choice.")
    assert [t.name for t in response.context["teams"]] == ["Growth", "Platform"]  # the name still applies


def test_the_search_fields_are_drawn_once_for_what_is_asked_and_escaped(login, member, team, other_team, monkeypatch):
    """Drawn from what the address asks alone and kept in the process under it: asked again, not drawn; asked
    otherwise, drawn for that; what was typed is written back escaped."""
    from alignment import views
    from alignment.drawn_once import forget_all

    drawn, render = [], views.render_to_string
    monkeypatch.setattr(views, "render_to_string", lambda name, *args, **kwargs: (
        drawn.append(name) if name == views.SEARCH_FIELDS else None) or render(name, *args, **kwargs))
    forget_all()
    client = login(member)
    client.get(URL, {"q": "plat"})
    client.get(URL, {"q": "plat"})
    assert drawn == [views.SEARCH_FIELDS]

    response = client.get(URL, {"q": '"><script>x</script>'})
    assert len(drawn) == 2
    assertContains(response, 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"')
    assertNotContains(response, "<script>x</script>")


def test_a_feature_app_filters_the_teams_through_the_registry(login, member, organisation, team, other_team,
                                                              monkeypatch):
    given = []

    def growth_only(teams, organisation_id, now, value):
        # Part of the page's kept query (`panels.TeamFilter`): also built with stand-in ids while its shape is learnt.
        given.append((organisation_id, value))
        return teams.filter(name__startswith=value.upper())

    monkeypatch.setitem(panels._team_filters, "initial",
                        panels.TeamFilter("initial", "By initial", growth_only, values=(("g", "Starting with G"),)))

    response = login(member).get(URL, {"filter": "initial-g"})

    assertContains(response, '<option value="initial-g" selected>Starting with G</option>', html=True)
    assert [t.name for t in response.context["teams"]] == ["Growth"]
    assert (organisation.pk, "g") in given


class TestPages:
    @pytest.fixture(autouse=True)
    def thirty_teams(self, organisation, team, other_team):
        add_teams(organisation, 28)

    def test_shows_24_cards_a_page_and_how_many_pages(self, login, member):
        response = login(member).get(URL)

        assert len(response.context["teams"]) == 24
        assertContains(response, "30 teams · page 1 of 2")
        assertContains(response, '<a href="?page=2" rel="next">Next ›</a>', html=True)
        assertNotContains(response, 'rel="prev"')

    def test_the_links_keep_the_search_and_the_filter(self, login, member):
        response = login(member).get(URL, {"q": "team", "filter": "no-charter", "page": "2"})

        assert len(response.context["teams"]) == 4
        assertContains(response, "28 teams found · page 2 of 2")
        assertContains(response, '<a href="?q=team&amp;filter=no-charter&amp;page=1" rel="prev">‹ Previous</a>',
                       html=True)

    @pytest.mark.parametrize(("asked", "shown"), [("99", 2), ("0", 2), ("-1", 2), ("two", 1), ("", 1), ("2.0", 1),
                                                  ("99999999999999999999999", 2)])
    def test_a_page_that_does_not_exist_shows_the_nearest(self, login, member, asked, shown):
        response = login(member).get(URL, {"page": asked})

        assert response.status_code == 200
        assert response.context["page"].number == shown

    def test_archived_teams_come_last(self, login, member, organisation):
        from django.utils import timezone

        Team.objects.create(organisation=organisation, name="Aardvark", slug="aardvark", archived_at=timezone.now())

        first = login(member).get(URL)
        last = login(member).get(URL, {"page": 2})

        assert "Aardvark" not in [t.name for t in first.context["teams"]]
        assert [t.name for t in last.context["teams"]][-1] == "Aardvark"


def test_a_card_names_the_leaders_and_counts_the_people(login, leader, member, team, grow_team):
    grow_team(team, people=12)  # the leader, the member and 10 more: every fifth of them leads

    response = login(member).get(URL)

    card = response.context["teams"][0]
    assert len(card.leaders) == 3
    assertContains(response, "12 people · led by Lena Leader, Person 5, Person 10")


def test_a_card_shows_the_leaders_and_more(login, leader, member, team, make_user, add_member):
    for n in range(4):
        add_member(team, make_user(f"lead{n}@example.com", f"Lead {n}"), "leader")

    response = login(member).get(URL)

    assertContains(response, "led by Lena Leader, Lead 0, Lead 1 and 2 more")


def test_my_team_is_linked_and_marked(login, member, team, other_team):
    response = login(member).get(URL)

    assertContains(response, f'<a href="{team.get_absolute_url()}">Platform</a>', html=True)
    assertContains(response, '<span class="badge">your team</span>', count=1, html=True)
    assertNotContains(response, f'href="{other_team.get_absolute_url()}"')


def test_the_organisations_purpose_is_at_the_top(login, member, team):
    response = login(member).get(URL)

    assertContains(response, '<p class="lead org-purpose"><strong>Our purpose:</strong> Care close to home.</p>',
                   html=True)


def test_the_summary_is_for_admins_only(login, leader, member, team, other_team):
    assertContains(login(leader).get(URL), "2 of 2 teams</strong> have no ratified charter yet.")
    assertNotContains(login(member).get(URL), "map-summary")


def test_someone_outside_the_organisation_gets_404(login, stranger, team):
    assert login(stranger).get(URL).status_code == 404


def test_anonymous_is_asked_to_log_in(client, team):
    assertRedirects(client.get(URL), f"{reverse('login')}?next={URL}")


def test_an_admin_in_none_of_its_teams_reads_the_map(login, make_user, organisation, team):
    admin = make_user("admin@example.com", "Ada Admin")
    organisation.admins.add(admin)

    response = login(admin).get(URL)

    assert response.status_code == 200
    assertContains(response, '<article class="card team-card', count=1)
    # No membership says so, so the admin is asked for once: the summary is theirs.
    assertContains(response, "map-summary")

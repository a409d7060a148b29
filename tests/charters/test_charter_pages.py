"""Reading a charter: the working page, versions, history, compare, print and Markdown.

Each page is counted at two sizes: 2 and 20 non-negotiables, boundaries and goals (two key
results each, every goal with its own owner), comment threads, responses or
versions. The count must be the same at both sizes.
"""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from charters.models import Charter
from tests.charters.conftest import charter_url

SIZES = [2, 20]


# Query counts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("rows", SIZES)
def test_leader_view_of_a_draft_is_flat(login, leader, team, write_charter, discuss,
                                        django_assert_num_queries, rows):
    draft = write_charter(team, state=Charter.State.DRAFT, rows=rows)
    discuss(draft, rows=rows)
    client = login(leader)

    # 1 user, 2 the leader's memberships with teams and organisations (the team switcher too, and the header's
    # bell's unread count), 3 the versions in force (the working copy and any active one, with what it amends
    # and who ratified it), 4 goals with owners, 5 key results, 6 non-negotiables, 7 boundaries, 8 each key
    # result's latest progress with who recorded it, 9 the team's memberships with users (who has not
    # responded), 10 responses with members and answerers, 11 comments with authors and resolvers.
    with django_assert_num_queries(11):
        client.get(charter_url("detail"))

    # Read again, the items are kept under the revision of the text (`kept_contents`) and the goals' owners,
    # all members, come with the team: 1 user, 2 memberships (with the bell's count), 3 the versions in force,
    # 4 the team's memberships with users, 5 each key result's latest progress, 6 responses, 7 comments.
    with django_assert_num_queries(7):
        response = client.get(charter_url("detail"))

    assertContains(response, 'class="item goal"', count=rows)
    assertContains(response, 'class="reply"', count=rows)
    assertContains(response, "Objection 1")


@pytest.mark.parametrize("rows", SIZES)
def test_outsider_view_of_a_ratified_charter_is_flat(login, outsider, team, write_charter, discuss,
                                                     django_assert_num_queries, rows):
    active = write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    discuss(active, rows=rows)
    client = login(outsider)

    # 1 user, 2 a membership of this team (none: the person's memberships, which bring the header's bell's
    # unread count too), 3 the team if in the same organisation, 4 the versions in force (with what it amends
    # and who ratified it, for the header), 5 goals with owners, 6 key results, 7 non-negotiables,
    # 8 boundaries, 9 each key result's latest progress with who recorded it.
    with django_assert_num_queries(9):
        response = client.get(charter_url("detail"))

    assertContains(response, 'class="item goal"', count=rows)
    assertNotContains(response, "Comment 0")
    assertNotContains(response, "Objection 1")


@pytest.mark.parametrize("rows", SIZES)
def test_version_page_is_flat(login, member, team, write_charter, discuss, django_assert_num_queries, rows):
    ratified = write_charter(team, number=1, state=Charter.State.RATIFIED, rows=rows)
    discuss(ratified, rows=rows)
    client = login(member)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the version (with what it amends and who ratified it, for the header), 4 goals with owners, 5 key
    # results, 6 non-negotiables, 7 boundaries, 8 each key result's latest progress with who recorded it,
    # 9 responses with members and answerers, 10 the consent record kept at ratification (who had not given
    # their word, with users; today's team is not needed), 11 the comment threads with authors and resolvers
    # (read only now).
    with django_assert_num_queries(11):
        response = client.get(charter_url("version", 1))

    assertContains(response, "<tr id=\"key_result-", count=2 * rows)
    assertContains(response, f"Objection {rows - 1}")


@pytest.mark.parametrize("versions", SIZES)
def test_history_is_flat(login, leader, team, write_charter, django_assert_num_queries, versions):
    for number in range(1, versions):
        write_charter(team, number=number, state=Charter.State.SUPERSEDED, rows=1)
    write_charter(team, number=versions, state=Charter.State.RATIFIED, rows=1)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 versions with who ratified and who started them.
    with django_assert_num_queries(3):
        response = client.get(charter_url("history"))

    assertContains(response, "by Lena Leader", count=versions)


@pytest.mark.parametrize("rows", SIZES)
def test_compare_is_flat(login, leader, team, write_charter, django_assert_num_queries, rows):
    write_charter(team, number=1, state=Charter.State.SUPERSEDED, rows=rows)
    write_charter(team, number=2, state=Charter.State.RATIFIED, rows=rows + 1)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 both versions, 4-7 their goals with owners, key results, non-negotiables and boundaries.
    with django_assert_num_queries(7):
        response = client.get(charter_url("diff", query="a=2&b=1"))
    # Two ratified versions never change: compared again, they come from the cache (the user and the
    # memberships, with the bell's count, are still asked).
    with django_assert_num_queries(3):
        again = client.get(charter_url("diff", query="a=1&b=2"))
    assertContains(again, f"<ins><strong>Non-negotiable {rows + 1}</strong></ins>")

    assertContains(response, "Version 1 → version 2")
    # Formatted, not raw Markdown: the number apart, the title in bold, inside the insertion.
    assertContains(response, f"<ins><strong>Non-negotiable {rows + 1}</strong></ins>")
    assertContains(response, f"<ins>Goal {rows + 1}</ins>")


@pytest.mark.parametrize("rows", SIZES)
def test_print_is_flat(login, leader, team, write_charter, django_assert_num_queries, rows):
    write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version, 4 goals with owners, 5
    # key results, 6 non-negotiables, 7 boundaries. The print page has no site navigation.
    with django_assert_num_queries(7):
        response = client.get(charter_url("print", 1))

    assertContains(response, "Platform — team charter")
    assertContains(response, "owner Person", count=rows)
    assertNotContains(response, "Switch team")


@pytest.mark.parametrize("rows", SIZES)
def test_markdown_download_is_flat(login, leader, team, write_charter, django_assert_num_queries, rows):
    write_charter(team, state=Charter.State.RATIFIED, rows=rows)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version, 4 goals with owners, 5
    # key results, 6 non-negotiables, 7 boundaries.
    with django_assert_num_queries(7):
        response = client.get(charter_url("markdown", 1))

    text = response.content.decode()
    assert text.count("- Owner: Person") == rows
    assert text.count("- KR: Key result") == 2 * rows


@pytest.mark.parametrize("rows", SIZES)
def test_htmx_section_save_is_flat(login, leader, team, write_charter, discuss, django_assert_num_queries,
                                   rows):
    draft = write_charter(team, state=Charter.State.DRAFT, rows=rows)
    discuss(draft, rows=rows)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version; the save: 4 savepoint,
    # 5 the version (with team and organisation) under a row lock, 6 the compare-and-set update, 7 bump the
    # revision, 8 re-read the revision and edited_at, 9 release; the fragment: 10 goals with owners, 11 key
    # results, 12 non-negotiables, 13 boundaries, 14 each key result's latest progress, 15 the team's
    # memberships, 16 responses, 17 comments.
    with django_assert_num_queries(17):
        response = client.post(charter_url("section_edit", 1, "people"), {"version": "1", "people": "Be kind"},
                               HTTP_HX_REQUEST="true")

    assertContains(response, '<section id="people"')
    assertContains(response, 'id="completeness"')
    assertNotContains(response, "<html")


@pytest.mark.parametrize("rows", SIZES)
def test_htmx_goal_move_is_flat(login, leader, team, write_charter, discuss, django_assert_num_queries, rows):
    draft = write_charter(team, state=Charter.State.DRAFT, rows=rows)
    discuss(draft, rows=rows)
    first = draft.goals.get(position=1)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version, 4 the goal; the move:
    # 5 savepoint, 6 the version (with team and organisation) under a row lock, 7 the goals under row locks, 8
    # one update renumbering the swapped goals, 9 bump the revision, 10 re-read the revision and edited_at, 11
    # release; 12 the view's copy of the version re-reads its revision (the section is kept under it); the
    # fragment: 13 goals with owners, 14 key results, 15 non-negotiables, 16 boundaries, 17 each key result's
    # latest progress, 18 memberships, 19 responses, 20 comments.
    with django_assert_num_queries(20):
        response = client.post(charter_url("item_action", 1, "goal", first.pk, "down"), HTTP_HX_REQUEST="true")

    assertContains(response, 'class="item goal"', count=rows)
    content = response.content.decode()
    assert content.index("<h3>Goal 2</h3>") < content.index("<h3>Goal 1</h3>")


@pytest.mark.parametrize("rows", SIZES)
def test_htmx_non_negotiable_edit_is_flat(login, leader, team, write_charter, discuss, django_assert_num_queries,
                                          rows):
    draft = write_charter(team, state=Charter.State.DRAFT, rows=rows)
    discuss(draft, rows=rows)
    item = draft.non_negotiables.get(position=1)
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version, 4 the non-negotiable;
    # the save: 5 savepoint, 6 the version (with team and organisation) under a row lock, 7 the compare-and-set
    # update, 8 bump the revision, 9 re-read the revision and edited_at, 10 release; 11 the view's copy of the
    # version re-reads its revision (the consent form carries it); the fragment: 12 goals with owners, 13 key
    # results, 14 non-negotiables, 15 boundaries, 16 each key result's latest progress, 17 memberships, 18
    # responses, 19 comments.
    with django_assert_num_queries(19):
        response = client.post(charter_url("item_edit", 1, "non_negotiable", item.pk),
                               {"version": "1", "title": "Renamed", "standard": "Met"}, HTTP_HX_REQUEST="true")

    assertContains(response, "<h3>Renamed</h3>")


@pytest.mark.parametrize("rows", SIZES)
def test_htmx_goal_form_is_flat(login, leader, team, write_charter, django_assert_num_queries, rows):
    write_charter(team, state=Charter.State.DRAFT, rows=rows)  # rows people join the team as owners
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher too), 3 the version, 4 the team's people to
    # choose an owner from, 5 the organisation's open goals to name as the one it contributes to.
    with django_assert_num_queries(5):
        response = client.get(charter_url("item_add", 1, "goal"), HTTP_HX_REQUEST="true")

    assertContains(response, "No owner yet")
    assertContains(response, ">Person ", count=rows)


# What each reader sees -------------------------------------------------------------------------

def test_leader_sees_edit_controls_completeness_and_propose(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(leader).get(charter_url("detail"))

    assertContains(response, f'href="{charter_url("section_edit", 1, "purpose")}"')
    assertContains(response, f'href="{charter_url("item_add", 1, "non_negotiable")}"')
    assertContains(response, "10/10 checks pass")
    assertContains(response, f'action="{charter_url("propose", 1)}"')
    assertContains(response, f'action="{charter_url("discard", 1)}"')


def test_member_comments_on_a_draft_but_cannot_edit_it(login, member, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(member).get(charter_url("detail"))

    assertContains(response, 'class="comment-form"', count=6)
    assertContains(response, "checks pass")
    assertNotContains(response, charter_url("section_edit", 1, "purpose"))
    assertNotContains(response, charter_url("propose", 1))


def test_member_sees_the_consent_form_while_proposed(login, member, team, write_charter):
    write_charter(team, state=Charter.State.PROPOSED)

    response = login(member).get(charter_url("detail"))

    assertContains(response, f'action="{charter_url("respond", 1)}"')
    assertNotContains(response, f'action="{charter_url("ratify", 1)}"')


def test_leader_of_a_team_without_charter_can_start_one(login, leader, team):
    response = login(leader).get(charter_url("detail"))

    assertContains(response, "No charter yet")
    assertContains(response, f'action="{charter_url("start")}"')


def test_member_of_a_team_without_charter_waits_for_the_leader(login, member, team):
    response = login(member).get(charter_url("detail"))

    assertContains(response, "Your team's leader starts it")
    assertNotContains(response, charter_url("start"))


def test_outsider_does_not_see_a_draft_on_the_charter_page(login, outsider, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(outsider).get(charter_url("detail"))

    assertContains(response, "No ratified charter yet")
    assertNotContains(response, "Care close to home")


def test_amendment_names_the_version_it_amends(login, leader, team, write_charter):
    active = write_charter(team, number=1, state=Charter.State.RATIFIED)
    write_charter(team, number=2, based_on=active, amendment_note="Sharper purpose")

    response = login(leader).get(charter_url("detail"))

    assertContains(response, "Version 2 · Draft")
    assertContains(response, "amends version 1")
    assertContains(response, "Sharper purpose")


def test_superseded_version_points_to_the_current_charter(login, outsider, team, write_charter):
    write_charter(team, number=1, state=Charter.State.SUPERSEDED)
    write_charter(team, number=2, state=Charter.State.RATIFIED)

    response = login(outsider).get(charter_url("version", 1))

    assertContains(response, "This version was superseded")
    assertContains(response, f'<a href="{charter_url("detail")}">See the current charter</a>', html=True)


def test_history_offers_print_for_ratified_versions_and_a_compare_form(login, leader, team, write_charter):
    write_charter(team, number=1, state=Charter.State.RATIFIED)
    write_charter(team, number=2, state=Charter.State.DRAFT)

    response = login(leader).get(charter_url("history"))

    assertContains(response, charter_url("print", 1))
    assertNotContains(response, charter_url("print", 2))
    assertContains(response, charter_url("markdown", 2))
    assertContains(response, f'action="{charter_url("diff")}"')


def test_compare_a_version_with_itself_shows_no_change(login, leader, team, write_charter):
    write_charter(team, number=1, state=Charter.State.RATIFIED)

    response = login(leader).get(charter_url("diff", query="a=1&b=1"))

    assertContains(response, "No change.", count=6)


def test_markdown_download_is_a_named_attachment(login, outsider, team, write_charter):
    write_charter(team, number=1, state=Charter.State.RATIFIED)

    response = login(outsider).get(charter_url("markdown", 1))

    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="platform-charter-v1.md"'
    assert response.content.decode().startswith("# Platform — team charter, version 1\n")


# Bad input is a 404 or a message, never a 500 ---------------------------------------------------

@pytest.mark.parametrize("query", ["", "a=1", "b=2", "a=one&b=2", "a=1&b=", "a=1.5&b=2", "a=&b="])
def test_compare_without_two_version_numbers_goes_back_to_history(login, leader, team, write_charter, query):
    write_charter(team, number=1, state=Charter.State.RATIFIED)

    response = login(leader).get(charter_url("diff", query=query), follow=True)

    assertRedirects(response, charter_url("history"))
    assertContains(response, "Choose two versions to compare.")


@pytest.mark.parametrize("name, args, query", [
    ("version", [9], ""),
    ("print", [9], ""),
    ("markdown", [9], ""),
    ("diff", [], "a=1&b=9"),
    ("diff", [], "a=-1&b=1"),
])
def test_nonexistent_version_is_404(login, leader, team, write_charter, name, args, query):
    write_charter(team, number=1, state=Charter.State.RATIFIED)

    assert login(leader).get(charter_url(name, *args, query=query)).status_code == 404


def test_unknown_team_or_organisation_is_404(login, leader, team, write_charter):
    write_charter(team, number=1, state=Charter.State.RATIFIED)
    client = login(leader)

    assert client.get("/o/harbour/t/nowhere/charter/").status_code == 404
    assert client.get("/o/nowhere/t/platform/charter/v1/").status_code == 404

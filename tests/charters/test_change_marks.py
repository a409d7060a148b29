"""Changes you can see: an amendment marks what changed against the version it amends, and a
ratified version keeps its discussion readable (and closed)."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from charters import services
from charters.models import Charter, Comment
from tests.charters.conftest import charter_url
from tests.charters.factories import ratified_charter

SIZES = pytest.mark.parametrize("rows", [2, 20])


@pytest.fixture
def amendment(team, leader) -> Charter:
    ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader, note="Sharper people section")
    return services.update_people(charter=draft, expected_version=draft.people_version,
                                  people="- We say what we see, **early**.")


def test_an_amendment_marks_the_changed_section_with_its_changes_and_a_compare_link(login, member, amendment):
    page = login(member).get(charter_url("detail"))

    assertContains(page, 'id="changes-people"')
    assertContains(page, "Changed</span> since version 1")
    assertContains(page, "<strong>early</strong>")
    assertContains(page, f'{charter_url("diff")}?a=1&amp;b=2#diff-people')
    for unchanged in ("purpose", "process", "non_negotiables", "boundaries", "goals"):
        assertNotContains(page, f'id="changes-{unchanged}"')


def test_a_first_draft_and_the_organisation_see_no_change_marks(login, leader, outsider, team):
    ratified_charter(team, leader)

    assertNotContains(login(leader).get(charter_url("detail")), "change-mark")
    assertNotContains(login(outsider).get(charter_url("detail")), "change-mark")


@SIZES
def test_the_amendment_page_with_change_marks_is_flat(login, leader, team, write_charter, django_assert_num_queries,
                                                      rows):
    active = write_charter(team, number=1, state=Charter.State.RATIFIED, rows=rows)
    write_charter(team, number=2, state=Charter.State.PROPOSED, rows=rows + 1, based_on=active,
                  process="- Planning every second Monday")
    client = login(leader)

    # 1 user, 2 the person's memberships (the header's team switcher and the header's bell's unread count too),
    # 3 the versions in force (with what the amendment amends), then for the amendment and the version it amends
    # together (to mark changes): 4 goals with owners, 5 key results, 6 non-negotiables, 7 boundaries; 8 the
    # amendment's key results' latest progress, 9 the team's memberships with users, 10 responses, 11 comments,
    # 12 the review prompts the amendment took up (reviews' panel, charters.panels)
    with django_assert_num_queries(12):
        client.get(charter_url("detail"))

    # Read again, both versions' items are kept (the amendment's under the revision of its text) and the goals'
    # owners, all members, come with the team: 1 user, 2 memberships (with the bell's count), 3 the versions in
    # force, 4 the team's memberships with users, 5 the amendment's key results' latest progress, 6 responses,
    # 7 comments, 8 the review prompts.
    with django_assert_num_queries(8):
        response = client.get(charter_url("detail"))

    assertContains(response, 'id="changes-process"')
    assertContains(response, 'id="changes-goals"')


def test_a_ratified_versions_threads_stay_readable_without_reply_or_resolve(login, leader, member, team):
    charter = ratified_charter(team, leader)
    Comment.objects.create(charter=charter, section="purpose", author=member, body="Who are 'the wards'?")

    page = login(member).get(charter_url("version", 1))

    assertContains(page, "Who are &#x27;the wards&#x27;?")
    assertNotContains(page, "Resolve thread")
    assertNotContains(page, "reply-form")
    assertNotContains(page, "Comment on this section")


def test_resolving_a_thread_of_a_ratified_version_is_refused_with_the_reason(login, leader, member, team):
    charter = ratified_charter(team, leader)
    thread = Comment.objects.create(charter=charter, section="purpose", author=member, body="Who decides?")

    response = login(leader).post(charter_url("comment_resolve", 1, thread.pk), {"resolved": "1"}, follow=True)

    assertContains(response, "its discussion is kept as it was")
    assert Comment.objects.get(pk=thread.pk).resolved_at is None


def test_the_compare_page_shows_formatted_text_not_markdown(login, member, amendment):
    response = login(member).get(charter_url("diff", query="a=1&b=2"))

    assertContains(response, "<strong>early</strong>")
    assertNotContains(response, "**early**")
    assertNotContains(response, "monospace")

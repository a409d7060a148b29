"""The organisation's tags: its list, a boundary carrying tags from it, and where the tags show (the charter page,
its print and Markdown, the version diff, amendments). Who may open what: test_organisation_tag_permissions.py."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment import fragments
from alignment.confirm import CONFIRMED
from alignment.errors import ActionRefused
from alignment.models import Organisation
from charters import selectors, services, tags
from charters.models import Boundary, Charter, OrganisationTag
from charters.versions import charter_markdown
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter, ratified_charter

TAGS = reverse("charters:tags", args=["harbour"])


@pytest.fixture
def booking(organisation) -> OrganisationTag:
    return tags.add_tag(organisation=organisation, name="Booking flow")


def boundary_of(charter: Charter, area: str = "Choice of libraries") -> Boundary:
    return Boundary.objects.get(charter=charter, area=area)


# The list ------------------------------------------------------------------------------------------

def test_a_name_is_unique_in_an_organisation_whatever_its_case(organisation, booking):
    with pytest.raises(ActionRefused, match="already has"):
        tags.add_tag(organisation=organisation, name="  booking   FLOW ")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationTag.objects.create(organisation=organisation, name="BOOKING FLOW")
    elsewhere = Organisation.objects.create(name="Elsewhere", slug="elsewhere")

    assert tags.add_tag(organisation=elsewhere, name="Booking flow").name == "Booking flow"


def test_the_list_reads_alphabetically_whatever_the_case(organisation):
    for name in ("payments", "Booking flow", "Clinic rotas"):
        tags.add_tag(organisation=organisation, name=name)

    assert [t.name for t in OrganisationTag.objects.filter(organisation=organisation)] == [
        "Booking flow", "Clinic rotas", "payments"]


def test_an_admin_adds_renames_and_removes_a_tag_on_the_page(login, admin, organisation):
    client = login(admin)

    assert client.post(TAGS, {"name": "Booking"}).status_code == 302
    tag = OrganisationTag.objects.get(organisation=organisation)
    assert client.post(reverse("charters:tag", args=["harbour", tag.pk]), {"name": "Booking flow"}).status_code == 302
    tag.refresh_from_db()
    assert tag.name == "Booking flow"
    assertContains(client.get(TAGS), "Booking flow")
    client.post(reverse("charters:tag_remove", args=["harbour", tag.pk]), CONFIRMED)
    assert not OrganisationTag.objects.exists()


def test_a_name_already_on_the_list_is_refused_in_place_with_the_text_kept(login, leader, booking):
    response = login(leader).post(TAGS, {"name": "BOOKING FLOW"})

    assertContains(response, "The list already has “BOOKING FLOW”.", status_code=409)
    assertContains(response, 'value="BOOKING FLOW"', status_code=409)


def test_removing_a_tag_in_use_asks_first_saying_how_many_boundaries_carry_it(login, leader, team, booking):
    charter = complete_charter(team, leader)
    boundary_of(charter).tags.add(booking)
    url = reverse("charters:tag_remove", args=["harbour", booking.pk])

    asked = login(leader).post(url)

    assertContains(asked, "Remove the tag “Booking flow”?")
    assertContains(asked, "1 boundary of charters in force or being drafted carries it and will lose it")
    assert OrganisationTag.objects.exists()
    login(leader).post(url, CONFIRMED)
    assert not OrganisationTag.objects.exists() and not boundary_of(charter).tags.exists()


def test_a_tag_renamed_shows_its_new_name_on_a_ratified_charter_read_before(login, leader, team, booking):
    charter = ratified_charter(team, leader)
    boundary_of(charter).tags.add(booking)
    client = login(leader)
    assertContains(client.get(charter_url("detail")), "Booking flow")

    tags.rename_tag(tag=booking, name="Booking journey")

    page = client.get(charter_url("detail"))
    assertContains(page, "Booking journey")
    assertNotContains(page, "Booking flow")


# A boundary's tags -------------------------------------------------------------------------------

def test_the_boundary_form_offers_the_organisations_tags_as_checkboxes(login, leader, team, organisation, booking):
    tags.add_tag(organisation=Organisation.objects.create(name="Elsewhere", slug="elsewhere"), name="Theirs")
    charter = complete_charter(team, leader)

    form = login(leader).get(charter_url("item_edit", 1, "boundary", boundary_of(charter).pk))

    assertContains(form, f'type="checkbox" name="tags" value="{booking.pk}"')
    assertNotContains(form, "Theirs")


def test_a_leader_tags_a_boundary_and_the_page_shows_it(login, leader, team, booking):
    charter = complete_charter(team, leader)
    boundary = boundary_of(charter)

    response = login(leader).post(charter_url("item_edit", 1, "boundary", boundary.pk), {
        "area": boundary.area, "label": boundary.label, "guardrails": "", "set_by": "", "version": boundary.version,
        "tags": [booking.pk]})

    assert response.status_code == 302
    assert list(boundary.tags.all()) == [booking]
    assertContains(login(leader).get(charter_url("detail")), '<span class="badge tag">Booking flow</span>')


def test_a_new_boundary_carries_its_tags(login, leader, team, booking):
    complete_charter(team, leader)

    login(leader).post(charter_url("item_add", 1, "boundary"), {"area": "Booking API", "label": "team_decides",
                                                                "tags": [booking.pk]})

    assert list(Boundary.objects.get(area="Booking API").tags.all()) == [booking]


def test_a_tag_of_another_organisation_is_no_choice(login, leader, team):
    theirs = tags.add_tag(organisation=Organisation.objects.create(name="Elsewhere", slug="elsewhere"), name="Theirs")
    charter = complete_charter(team, leader)
    boundary = boundary_of(charter)

    response = login(leader).post(charter_url("item_edit", 1, "boundary", boundary.pk), {
        "area": boundary.area, "label": boundary.label, "version": boundary.version, "tags": [theirs.pk]})

    assert response.status_code == 400
    assert not boundary.tags.exists()


def test_a_tag_removed_while_the_editor_was_open_is_refused_keeping_the_text(team, leader, booking):
    charter = complete_charter(team, leader)
    boundary = boundary_of(charter)
    OrganisationTag.objects.filter(pk=booking.pk).delete()
    boundary.guardrails = "Typed with care"

    with pytest.raises(ActionRefused, match="removed from the organisation's list meanwhile"):
        services.update_item(charter=charter, item=boundary, expected_version=boundary.version, tags=[booking])

    boundary.refresh_from_db()
    assert boundary.guardrails != "Typed with care"


def test_an_amendment_copies_each_boundarys_tags(team, leader, booking):
    ratified = ratified_charter(team, leader)
    boundary_of(ratified).tags.add(booking)

    draft = services.start_amendment(team=team, actor=leader)

    assert list(boundary_of(draft).tags.all()) == [booking]
    assert list(boundary_of(ratified).tags.all()) == [booking]


def test_the_diff_shows_a_tag_only_change(login, leader, team, organisation, booking):
    ratified = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    boundary = boundary_of(draft)
    services.update_item(charter=draft, item=boundary, expected_version=boundary.version, tags=[booking])

    (boundaries,) = [diff for diff in selectors.comparison(ratified, draft) if diff.section == "boundaries"]

    assert boundaries.changed
    assert [line.html for line in boundaries.lines if line.is_added] == ["Tags: Booking flow"]


def test_the_markdown_and_print_name_the_tags(login, leader, team, booking):
    charter = ratified_charter(team, leader)
    boundary_of(charter).tags.add(booking)

    assert "  - Tags: Booking flow" in charter_markdown(selectors.load_content(charter))
    assertContains(login(leader).get(charter_url("print", 1)), "Tags: Booking flow")


def test_a_ratified_charter_page_with_tags_costs_one_query_more_than_without(login, member, team, leader, booking,
                                                                             django_assert_num_queries):
    charter = ratified_charter(team, leader)
    client = login(member)
    client.get(charter_url("detail"))  # the content kept
    untagged = _queries(client, django_assert_num_queries)
    cache.clear()  # the content kept anew, with its tag: in the shared cache and at hand in the process
    fragments.near.clear()
    boundary_of(charter).tags.add(booking)
    client.get(charter_url("detail"))  # kept again, with its tag

    # The kept boundaries carry tags: their names are read afresh, one query for all of them.
    with django_assert_num_queries(untagged + 1):
        client.get(charter_url("detail"))


def _queries(client, django_assert_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(charter_url("detail"))
    return len(queries)

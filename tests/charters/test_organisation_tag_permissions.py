"""Who may open and do what on every URL of the organisation's tags.

Anonymous people are sent to log in; someone in another organisation gets 404 everywhere; anyone in the
organisation reads the list. The organisation's admins (`admin`, in no team, and the cast's `leader`, an admin
too) add, rename and remove tags; a plain leader (a team's leader who is no admin) and the outsider (who leads
another team) may add a tag, since leaders write the boundaries that carry them, but not rename or remove one;
members and facilitators get 403 for every write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from alignment.confirm import CONFIRMED
from charters.models import OrganisationTag
from charters.tags import add_tag
from tests.matrix import Matrix

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ORG = "harbour"


@pytest.fixture
def world(organisation) -> OrganisationTag:
    return add_tag(organisation=organisation, name="Booking flow")


@pytest.fixture
def plain_leader(make_user, team, add_member):
    user = make_user("plain.leader@example.com", "Pat Plainleader")
    add_member(team, user, "leader")
    return user


@dataclass(frozen=True)
class Case:
    """One request, and the status an admin, a plain leader and everyone else in the organisation get for it."""

    name: str
    method: str
    url: Callable[[OrganisationTag], str]
    admin: int
    plain_leader: int = FORBIDDEN
    reader: int = FORBIDDEN
    data: Callable[[OrganisationTag], dict] = field(default=lambda tag: {})

    def __str__(self) -> str:
        return self.name


def _u(name: str, *with_tag: bool):
    return lambda tag: reverse(f"charters:{name}", args=[ORG, *([tag.pk] if with_tag else [])])


CASES = [
    Case("tags page", "get", _u("tags"), admin=OK, plain_leader=OK, reader=OK),
    Case("add a tag", "post", _u("tags"), admin=FOUND, plain_leader=FOUND, data=lambda tag: {"name": "Payments"}),
    Case("rename form", "get", _u("tag", True), admin=OK),
    Case("rename a tag", "post", _u("tag", True), admin=FOUND, data=lambda tag: {"name": "Booking journey"}),
    Case("remove a tag", "post", _u("tag_remove", True), admin=FOUND, data=lambda tag: CONFIRMED),
]

URL_NAMES = {"tags", "tag", "tag_remove"}


def test_every_tag_url_is_in_the_matrix():
    """A new tag URL (charters' names starting `tag`) must be added to CASES above."""
    from charters.urls import urlpatterns

    assert {p.name for p in urlpatterns if p.name.startswith("tag")} == URL_NAMES
    assert {case.url(OrganisationTag(pk=1)).split("/")[3] for case in CASES} == {"tags"}


def _state() -> list:
    return list(OrganisationTag.objects.values_list("pk", "name"))


MATRIX = Matrix(_state)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    MATRIX.sent_to_log_in(client, case, world)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stranger_in_another_organisation_gets_404(login, stranger, world, case):
    MATRIX.refused_without_writing(login(stranger), case, world, NOT_FOUND)


@pytest.mark.parametrize("person", ["member", "facilitator"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_everyone_else_in_the_organisation_reads_and_may_not_write(request, login, world, case, person):
    client = login(request.getfixturevalue(person))
    if case.reader == OK:
        assert MATRIX.send(client, case, world).status_code == OK
    else:
        MATRIX.refused_without_writing(client, case, world, case.reader)


@pytest.mark.parametrize("person", ["plain_leader", "outsider"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_leader_who_is_no_admin_reads_and_adds_but_neither_renames_nor_removes(request, login, world, case, person):
    client = login(request.getfixturevalue(person))
    if case.plain_leader in (OK, FOUND):
        assert MATRIX.send(client, case, world).status_code == case.plain_leader
    else:
        MATRIX.refused_without_writing(client, case, world, case.plain_leader)


@pytest.mark.parametrize("person", ["admin", "leader"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_organisations_admins_keep_the_list(request, login, world, case, person):
    assert MATRIX.send(login(request.getfixturevalue(person)), case, world).status_code == case.admin


def test_a_leader_of_an_archived_team_only_may_not_add(login, plain_leader, team, world):
    from django.utils import timezone

    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    assert login(plain_leader).post(reverse("charters:tags", args=[ORG]), {"name": "Payments"}).status_code == FORBIDDEN


def test_a_tag_of_another_organisation_is_404_even_to_an_admin(login, admin, stranger):
    from alignment.models import Organisation

    theirs = add_tag(organisation=Organisation.objects.get(slug="elsewhere"), name="Theirs")

    assert login(admin).get(reverse("charters:tag", args=[ORG, theirs.pk])).status_code == NOT_FOUND
    # Removing one: as if it were removed already (a double click), and it stays.
    login(admin).post(reverse("charters:tag_remove", args=[ORG, theirs.pk]), CONFIRMED)
    assert OrganisationTag.objects.filter(pk=theirs.pk).exists()

"""An organisation admin outside a team reads its summary pages, and never a person's check-in.

The admin (tests/conftest.py) is in no team. They get 200 on the team page, the week's summary, the
decision log (and a decision in it) and the cycle page, each saying they read as the organisation's
admin; they get the outsider's 404 on check-ins, a person's history, drafts and "This week", and a
refused request writes nothing. The week's summary shows them what a member sees when check-ins are
not open to the team, whatever the team's setting.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from checkins.models import Blocker, CheckIn, Reply
from decisions.models import Decision
from decisions.services import log_decision
from reviews.models import ReviewCycle
from tests.charters.factories import ratified_charter
from tests.checkins.conftest import MONDAY, at, form_data, url
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

SUBMITTED_WORDS = "Shipped the rota export, privately"
DRAFT_WORDS = "Half a thought about the on-call rota"
STRAIN_NOTE = "The pager went off at 3am"


@pytest.fixture
def world(team, leader, member, facilitator, admin, frozen):
    frozen(at(2))
    ratified_charter(team, leader)
    submitted = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                                       progress=SUBMITTED_WORDS, strain_note=STRAIN_NOTE, version=1)
    draft = CheckIn.objects.create(team=team, author=facilitator, week=MONDAY, state="draft", progress=DRAFT_WORDS,
                                   version=1)
    Blocker.objects.create(check_in=submitted, what="Staging VPN broken")
    decision = log_decision(team=team, actor=member, title="Move to weekly releases", purpose_effect="advances",
                            metric_effect="neutral")
    return {"submitted": submitted, "draft": draft, "decision": decision,
            "cycle": ReviewCycle.objects.filter(team=team).first()}


def summary_pages(world) -> dict[str, str]:
    return {
        "team page": reverse("team", args=["harbour", "platform"]),
        "week summary": url("week", query=f"week={MONDAY:%Y-%m-%d}"),
        "decision log": reverse("decisions:list", args=["harbour", "platform"]),
        "a decision": world["decision"].get_absolute_url(),
        "cycle page": reverse("reviews:cycle", args=["harbour", "platform", world["cycle"].number]),
    }


@pytest.mark.parametrize("page", ["team page", "week summary", "decision log", "a decision", "cycle page"])
def test_the_admin_reads_each_summary_page_and_is_told_so(login, admin, world, page):
    response = login(admin).get(summary_pages(world)[page])

    assertContains(response, "reading-as-admin")


def test_an_outsider_still_gets_404_on_the_summary_pages(login, outsider, world):
    for address in summary_pages(world).values():
        assert login(outsider).get(address).status_code == 404


def test_the_week_summary_never_shows_the_admin_anyones_words(login, admin, team, world):
    team.checkins_open_to_team = True  # even open to the team, the admin is not of the team
    team.save(update_fields=["checkins_open_to_team"])

    body = login(admin).get(url("week", query=f"week={MONDAY:%Y-%m-%d}")).content.decode()

    assert SUBMITTED_WORDS not in body and DRAFT_WORDS not in body and STRAIN_NOTE not in body
    assert world["submitted"].get_absolute_url() not in body
    assert "You see the team's summary" in body


def test_the_team_page_offers_the_admin_no_team_action(login, admin, team, world):
    body = login(admin).get(reverse("team", args=["harbour", "platform"])).content.decode()

    # No roles to change, nobody to remove or invite, no settings.
    assert "/roles/" not in body and "/remove/" not in body and "/invitations/" not in body
    assert reverse("team_settings", args=["harbour", "platform"]) not in body
    assert "Leave this team" not in body and "only leader" not in body
    assert "Max Member" in body  # the people, read-only
    assertNotContains(login(admin).get(reverse("team", args=["harbour", "platform"])), "My week")
    assert reverse("team_archive", args=["harbour", "platform"]) in body


# Every page and action of a person's check-in: the admin is an outsider there.
PRIVATE = [
    ("get", lambda w: url("this_week"), None),
    ("post", lambda w: url("save_draft"), lambda w: form_data(progress="An admin's words")),
    ("post", lambda w: url("submit"), lambda w: form_data(progress="An admin's words")),
    ("get", lambda w: url("checkin", w["submitted"].pk), None),
    ("get", lambda w: url("checkin", w["draft"].pk), None),
    ("get", lambda w: url("person", w["submitted"].author_id), None),
    ("post", lambda w: url("reply", w["submitted"].pk), lambda w: {"body": "From the admin", "token": "t"}),
    ("post", lambda w: url("acknowledge", w["submitted"].pk), lambda w: {}),
    ("get", lambda w: url("trends"), None),
    ("get", lambda w: url("commitments"), None),
    ("get", lambda w: reverse("decisions:create", args=["harbour", "platform"]), None),
    ("post", lambda w: w["decision"].get_absolute_url(), lambda w: {"outcome": "accepted", "reason": "x", "version": 1}),
    ("get", lambda w: reverse("team_settings", args=["harbour", "platform"]), None),
    ("post", lambda w: reverse("invitation_create", args=["harbour", "platform"]),
     lambda w: {"email": "friend@example.com", "roles": ["member"]}),
]


class Case:
    def __init__(self, method, address, data):
        self.method, self.url, self._data = method, address, data

    def data(self, world):
        return self._data(world) if self._data else {}


def _state() -> tuple:
    from alignment.models import Invitation, Membership

    return (list(CheckIn.objects.values_list("pk", "state", "version", "progress", "acknowledged_at")),
            list(Reply.objects.values_list("pk")), list(Decision.objects.values_list("pk", "outcome", "version")),
            list(Invitation.objects.values_list("pk")), list(Membership.objects.values_list("pk", "team")))


@pytest.mark.parametrize(("method", "address", "data"), PRIVATE)
def test_the_admin_gets_404_on_private_check_in_pages_and_nothing_is_written(login, admin, world, method, address,
                                                                           data):
    Matrix(_state).refused_without_writing(login(admin), Case(method, address, data), world, 404)


def test_an_admin_who_leads_the_team_reads_its_check_ins_as_its_leader(login, leader, world):
    # The cast's leader is an admin too: leading the team, they read its check-ins, never a draft.
    assert login(leader).get(url("checkin", world["submitted"].pk)).status_code == 200
    assert login(leader).get(url("checkin", world["draft"].pk)).status_code == 403

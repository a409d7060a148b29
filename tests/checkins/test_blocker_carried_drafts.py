"""What a person says of an earlier week's open blocker ("Still in your way?") survives every save: a draft saved
with the button or as they type, "Add a blocker", a refusal, an error, a conflict, an update. The form shows it
again when it reopens; only submitting acts on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, as_shown, at, form_data, form_fields, url

pytestmark = pytest.mark.django_db

EARLIER = MONDAY - timedelta(days=7)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def carried(team, member, facilitator) -> Blocker:
    """The member's blocker from last week's submitted check-in, still open, naming the facilitator."""
    checkin = CheckIn.objects.create(team=team, author=member, week=EARLIER, state="submitted",
                                     submitted_at=at(1, monday=EARLIER))
    return Blocker.objects.create(check_in=checkin, what="Staging VPN broken", who_could_help=facilitator,
                                  opened_at=at(1, monday=EARLIER))


@pytest.fixture
def client(login, member, frozen):
    frozen(at(2))
    return login(member)


def answered(blocker: Blocker, choice: str = "resolved", how: str = "IT reset the certificate") -> dict:
    return {f"carried_{blocker.pk}": choice, f"carried_{blocker.pk}_resolution": how}


def said(body: str, blocker: Blocker) -> tuple[str, str]:
    """The choice checked and the text in the blocker's "If resolved, how?" box, as the page draws them."""
    shown = form_fields(body)
    return shown[f"carried_{blocker.pk}"], shown[f"carried_{blocker.pk}_resolution"]


def test_save_draft_without_javascript_keeps_the_answer_for_the_reopened_form(client, carried):
    response = client.post(url("save_draft"), form_data(**answered(carried)))

    assert response.status_code == 302 and response["Location"] == url("this_week")
    assert said(client.get(url("this_week")).content.decode(), carried) == ("resolved", "IT reset the certificate")
    carried.refresh_from_db()
    assert carried.is_open  # a draft resolves nothing


def test_adding_a_blocker_row_keeps_the_answer(client, carried):
    response = client.post(url("save_draft"), form_data(**answered(carried), add_blocker="1"))

    assert response["Location"] == url("this_week", query="rows=4")
    assert said(client.get(response["Location"]).content.decode(), carried) == ("resolved",
                                                                               "IT reset the certificate")


def test_an_autosave_keeps_the_answer_and_stays_one_write(client, carried, django_assert_num_queries):
    client.post(url("save_draft"), form_data(progress="Drafting"))
    shown = as_shown(client)

    # user, the person's memberships (team_access), the compare-and-set UPDATE of the check-in (the answer with it).
    with django_assert_num_queries(3):
        response = client.post(url("save_draft"), shown | answered(carried, how="Typing…"), **HTMX)

    assert response.status_code == 200
    assert said(client.get(url("this_week")).content.decode(), carried) == ("resolved", "Typing…")


def test_a_note_typed_while_keeping_it_open_is_kept_too(client, carried):
    client.post(url("save_draft"), form_data(**answered(carried, "open", "Waiting on IT")))

    assert said(client.get(url("this_week")).content.decode(), carried) == ("open", "Waiting on IT")


def test_changing_ones_mind_back_is_kept(client, carried):
    client.post(url("save_draft"), form_data(**answered(carried)))
    shown = as_shown(client)

    client.post(url("save_draft"), shown | answered(carried, "open", ""))

    assert said(client.get(url("this_week")).content.decode(), carried) == ("open", "")


def test_the_reopened_draft_submits_as_shown_and_resolves_it_with_the_note(client, carried):
    client.post(url("save_draft"), form_data(**answered(carried)))

    response = client.post(url("submit"), as_shown(client) | {"progress": "Moved on", "load": "light"})

    assert response.status_code == 302
    carried.refresh_from_db()
    assert not carried.is_open and carried.resolution == "IT reset the certificate"


def test_an_update_after_submitting_keeps_a_note_on_a_blocker_kept_open(client, carried):
    client.post(url("submit"), form_data(**answered(carried, "open", "IT has a ticket")))

    assert said(client.get(url("this_week")).content.decode(), carried) == ("open", "IT has a ticket")
    carried.refresh_from_db()
    assert carried.is_open


def test_a_draft_refused_for_an_error_shows_the_answer_as_typed(client, carried):
    response = client.post(url("save_draft"), form_data(**answered(carried), version=""))

    assert response.status_code == 400
    assert said(response.content.decode(), carried) == ("resolved", "IT reset the certificate")


@pytest.mark.parametrize("action", ["save_draft", "submit"])
def test_a_save_refused_because_the_team_was_archived_shows_the_answer_as_typed(client, team, carried, action):
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    response = client.post(url(action), form_data(**answered(carried)))

    assert response.status_code == 409
    assert said(response.content.decode(), carried) == ("resolved", "IT reset the certificate")


def test_a_conflict_shows_the_answer_as_typed_and_a_knowing_second_save_keeps_it(client, carried):
    client.post(url("save_draft"), form_data(progress="From the other tab"))

    response = client.post(url("save_draft"), form_data(**answered(carried)))  # still at version 0

    assert response.status_code == 409
    body = response.content.decode()
    assert said(body, carried) == ("resolved", "IT reset the certificate")
    client.post(url("save_draft"), form_fields(body))
    assert said(client.get(url("this_week")).content.decode(), carried) == ("resolved", "IT reset the certificate")


def test_a_draft_naming_someone_elses_blocker_neither_shows_nor_resolves_it(client, login, team, leader, carried):
    theirs = CheckIn.objects.create(team=team, author=leader, week=EARLIER, state="submitted",
                                    submitted_at=at(1, monday=EARLIER))
    other = Blocker.objects.create(check_in=theirs, what="The leader's own", opened_at=at(1, monday=EARLIER))

    client.post(url("save_draft"), form_data(**answered(other)))
    client.post(url("submit"), as_shown(client) | {"progress": "Moved on", "load": "light"})

    assert "The leader's own" not in client.get(url("this_week")).content.decode()
    assert f"carried_{other.pk}" not in login(leader).get(url("this_week")).content.decode()
    other.refresh_from_db()
    assert other.is_open

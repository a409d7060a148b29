"""A member whose consent was given to an earlier text is asked, once, to confirm it, with a link to what
changed "since you responded": the text they responded to (kept with their response) against today's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from charters import notices, selectors, services
from charters.models import Boundary, Charter, Goal, KeyResult, Response
from notifications.models import Delivery, Notification
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter

SINCE = "/o/harbour/t/platform/charter/v1/since-you-responded/"


@pytest.fixture
def proposed(team, leader, member, facilitator) -> Charter:
    return services.propose(charter=complete_charter(team, leader), actor=leader)


def consent(charter: Charter, person) -> Response:
    return services.respond(charter=charter, member=person, kind=Response.Kind.CONSENT, reason="")


def edit_people(charter: Charter, text: str) -> Charter:
    version = Charter.objects.values_list("people_version", flat=True).get(pk=charter.pk)
    return services.update_people(charter=charter, expected_version=version, people=text)


def reconsents(person) -> list[Notification]:
    return list(Notification.objects.filter(kind=notices.RECONSENT, recipient=person))


def test_a_change_after_consent_asks_the_member_to_confirm_with_a_link_to_what_changed(
        proposed, member, django_capture_on_commit_callbacks, mailoutbox):
    consent(proposed, member)

    with django_capture_on_commit_callbacks(execute=True):
        edit_people(proposed, "We include carers in every decision.")

    [notice] = reconsents(member)
    assert notice.url == SINCE
    assert notice.subject == "Platform: the charter changed after you consented (version 1)"
    assert "The changes since you responded are marked" in notice.body
    [email] = mailoutbox
    assert email.to == ["member@example.com"]
    assert f"Open it: {settings.SITE_URL}{SINCE}" in email.body
    html = email.alternatives[0][0]
    assert f'<a href="{settings.SITE_URL}{SINCE}"' in html and "See what changed since you responded</a>" in html


def test_a_series_of_edits_asks_once_and_a_change_after_confirming_asks_again(proposed, member):
    consent(proposed, member)
    edit_people(proposed, "First change.")
    edit_people(proposed, "Second change.")
    assert len(reconsents(member)) == 1

    consent(proposed, member)  # confirmed, to the text as it is now
    edit_people(proposed, "Third change.")

    assert len(reconsents(member)) == 2


def test_only_consents_to_an_earlier_text_are_asked(proposed, member, facilitator, leader):
    services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION, reason="Carers are missing")

    edit_people(proposed, "We include carers.")

    # An objector's objection stands (the leader answers it); the facilitator never responded; the leader edits.
    assert not Delivery.objects.filter(kind=notices.RECONSENT).exists()


def test_editing_a_draft_asks_nobody(team, leader, member):
    draft = complete_charter(team, leader)
    Response.objects.create(charter=draft, member=member, kind=Response.Kind.CONSENT, revision=draft.revision)

    edit_people(draft, "Still drafting.")

    assert not Delivery.objects.filter(kind=notices.RECONSENT).exists()


def test_since_you_responded_marks_what_changed_after_the_response(login, proposed, member):
    consent(proposed, member)
    edit_people(proposed, "We include carers in every decision.")

    response = login(member).get(SINCE)

    assertContains(response, "what changed since you responded")
    assertContains(response, "<ins>")
    assertContains(response, "carers")
    assertContains(response, "<h2 id=\"diff-people\">People")
    assertNotContains(response, "<h2 id=\"diff-process\">")  # unchanged sections are only named
    assertContains(response, "Unchanged: Purpose, Process")
    assertContains(response, "Confirm or change your response")


def test_the_response_keeps_the_text_it_was_given_to(proposed, member):
    consent(proposed, member)
    before = Charter.objects.get(pk=proposed.pk).people
    edit_people(proposed, "Something else entirely.")

    response = Response.objects.get(member=member)

    assert response.text_seen["people"] == before
    sections = {s.section.value: s for s in selectors.since_response(response)}
    assert sections["people"].changed and not sections["goals"].changed


def test_a_response_from_before_texts_were_kept_says_so(login, proposed, member):
    Response.objects.create(charter=proposed, member=member, kind=Response.Kind.CONSENT, revision=1)
    edit_people(proposed, "Changed.")

    response = login(member).get(SINCE)

    assertContains(response, "The text you responded to was not kept")


def test_the_consent_panel_links_to_what_changed(login, proposed, member):
    consent(proposed, member)
    edit_people(proposed, "Changed.")

    assertContains(login(member).get(charter_url("detail")), f'href="{SINCE}">See what changed since you responded')


def test_since_you_responded_takes_the_same_queries_however_long_the_charter(login, proposed, member):
    consent(proposed, member)
    edit_people(proposed, "Changed.")
    client = login(member)
    client.get(SINCE)  # the session is warm
    short = _queries(client)
    for n in range(5):
        goal = Goal.objects.create(charter=proposed, objective=f"Goal {n}", position=10 + n)
        KeyResult.objects.create(goal=goal, metric=f"Metric {n}", target_value=10, position=1)
        Boundary.objects.create(charter=proposed, area=f"Area {n}", label="consult", position=10 + n)

    long = _queries(client)

    # The page reads the access and the version (with the base page's own reads), the response, and the
    # version's content: 4 (non-negotiables, boundaries, goals with owners, their key results).
    assert len(long) == len(short), [q["sql"] for q in long]
    assert sum("charters_keyresult" in q["sql"] for q in long) == 1


def _queries(client) -> list:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(SINCE).status_code == 200
    return captured.captured_queries

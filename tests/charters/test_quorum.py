"""An optional quorum on a consent round: a share of the people who can respond must give their word
(consent or objection alike) before the charter can be ratified, confirmed or not; the round closing on its
date tells the leaders when the quorum blocks it.

The standard team: a leader (who does not respond), a member and a facilitator: 2 people can respond.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains

from alignment.errors import ActionRefused
from charters import notices, rounds, services
from charters.models import Charter, Response
from notifications.models import Notification
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter
from tests.concurrency import on_postgresql, run_concurrently

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def closes():
    return timezone.localdate(timezone=LONDON) + timedelta(days=5)


@pytest.fixture
def proposed(team, leader, member, facilitator, closes) -> Charter:
    """Proposed with a quorum of 60%: 2 × 60% is 1.2, so both people who can respond must."""
    return services.propose(charter=complete_charter(team, leader), actor=leader, responses_close_on=closes,
                            quorum_percent=60)


def consent(charter, person) -> Response:
    return services.respond(charter=charter, member=person, kind=Response.Kind.CONSENT, reason="")


def test_ratifying_is_refused_below_the_quorum_even_when_the_leader_confirms(proposed, leader, member):
    consent(proposed, member)

    with pytest.raises(services.QuorumNotMet, match="2 of 2 people, must respond .* and 1 has. 1 more response is "
                                                    "needed"):
        services.ratify(charter=proposed, actor=leader, despite_gaps=True)

    assert Charter.objects.get(pk=proposed.pk).is_proposed


def test_an_objection_counts_towards_the_quorum_and_then_the_gaps_ask_for_confirmation(proposed, leader, member,
                                                                                          facilitator, people, team):
    consent(proposed, member)
    services.respond(charter=proposed, member=facilitator, kind=Response.Kind.OBJECTION, reason="Too vague")
    services.answer_objection(response=Response.objects.get(member=facilitator), actor=leader, answer="kept",
                              text="It is deliberate")

    assert services.ratify(charter=proposed, actor=leader).is_active


def test_lowering_the_quorum_while_proposed_lets_a_confirmed_ratification_through(proposed, leader, member):
    consent(proposed, member)
    services.set_quorum(charter=proposed, actor=leader, quorum_percent=50)

    assert services.ratify(charter=proposed, actor=leader, despite_gaps=True).ratified_despite_gaps


def test_the_quorum_is_set_when_proposing_and_changed_only_while_proposed(team, leader):
    draft = complete_charter(team, leader)

    with pytest.raises(ActionRefused, match="changes while the charter is proposed"):
        services.set_quorum(charter=draft, actor=leader, quorum_percent=50)
    with pytest.raises(ActionRefused, match="between 1% and 100%"):
        services.propose(charter=draft, actor=leader, quorum_percent=0)


def test_the_round_closing_below_the_quorum_tells_the_leaders_how_many_more(proposed, member, closes):
    consent(proposed, member)

    counts = rounds.run(now=datetime(closes.year, closes.month, closes.day, tzinfo=LONDON) + timedelta(days=1, hours=1))

    assert counts.blocked == 1
    notice = Notification.objects.get(kind=notices.ROUND_CLOSED)
    assert notice.recipient.email == "leader@example.com"
    assert "The quorum is not met: 2 of 2 people must respond (60%) and 1 have. 1 more response needed" in notice.body
    assert Charter.objects.get(pk=proposed.pk).is_proposed


def test_the_consent_panel_shows_the_quorum_and_the_leader_changes_it(login, leader, member, proposed):
    consent(proposed, member)
    client = login(leader)

    assertContains(client.get(charter_url("detail")), "Quorum 60%: 2 of 2 must respond · 1 has. 1 more needed")

    response = client.post(charter_url("propose", 1), {"change": "quorum", "quorum_percent": "50"},
                           HTTP_HX_REQUEST="true")

    assertContains(response, "Quorum 50%: 1 of 2 must respond · 1 has.")
    assert Charter.objects.get(pk=proposed.pk).quorum_percent == 50


def test_a_refused_quorum_keeps_what_was_typed_with_why(login, leader, proposed):
    response = login(leader).post(charter_url("propose", 1), {"change": "quorum", "quorum_percent": "150"})

    assert response.status_code == 400
    assertContains(response, 'value="150"', status_code=400)
    assert Charter.objects.get(pk=proposed.pk).quorum_percent == 60


def test_proposing_sets_the_quorum_and_hidden_stances(login, team, leader, member):
    complete_charter(team, leader)

    login(leader).post(charter_url("propose", 1), {"quorum_percent": "75", "stances_hidden": "on"})

    charter = Charter.objects.get()
    assert (charter.state, charter.quorum_percent, charter.stances_hidden) == ("proposed", 75, True)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_quorum_raised_while_ratifying_is_counted_by_one_or_the_other(team, leader, member, facilitator):
    """Ratifying and raising the quorum both lock the charter: either it is ratified under the old quorum,
    or the new one refuses it; never ratified against a quorum nobody saw."""
    charter = services.propose(charter=complete_charter(team, leader), actor=leader, quorum_percent=50)
    consent(charter, member)

    ratifying, raising = run_concurrently(
        lambda: services.ratify(charter=charter, actor=leader, despite_gaps=True),
        lambda: services.set_quorum(charter=charter, actor=leader, quorum_percent=100),
    )

    charter.refresh_from_db()
    if charter.is_active:  # ratified first: the quorum could no longer change
        assert isinstance(raising.error, ActionRefused) and charter.quorum_percent == 50
    else:  # raised first: ratifying counted against 100%
        assert isinstance(ratifying.error, services.QuorumNotMet) and charter.quorum_percent == 100


def test_ratify_anyway_below_the_quorum_is_refused_in_words(login, leader, member, proposed):
    consent(proposed, member)

    response = login(leader).post(charter_url("ratify", 1), {"despite_gaps": "1"}, follow=True)

    assertContains(response, "The quorum is not met")
    assertContains(response, "1 more response is needed")
    assert Charter.objects.get(pk=proposed.pk).is_proposed

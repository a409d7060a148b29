"""The feature apps' governance events in the audit trail, each recorded by the service that makes the change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alignment.models import AuditEvent, AuditKind, Membership
from charters import services as charters
from charters.models import Response
from decisions import services as decisions
from notifications import calendar as calendar_feed
from reviews.retro import services as retros
from tests.alignment.test_audit import the_event
from tests.charters.factories import complete_charter
from tests.reviews.retro_factories import charter_in_force, open_cycle, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(team, leader, member, facilitator):
    return charters.propose(charter=complete_charter(team, leader), actor=leader)


class TestCharter:
    def test_consent_objection_and_its_answer(self, proposed, member, facilitator, leader, team):
        charters.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")
        objection = charters.respond(charter=proposed, member=facilitator, kind=Response.Kind.OBJECTION,
                                     reason="No on-call rule")
        charters.answer_objection(response=objection, actor=leader, answer=Response.Answer.KEPT,
                                  text="It is in the process section")

        consent = the_event(AuditKind.CONSENT_GIVEN)
        assert (consent.actor, consent.team, consent.organisation_id) == (member, team, team.organisation_id)
        # Who objected, not the objection's words: those stay the member's to take back or erase.
        assert the_event(AuditKind.OBJECTION_RAISED).changes == {"charter_version": proposed.number,
                                                                  "response": Response.Kind.OBJECTION}
        answered = the_event(AuditKind.OBJECTION_ANSWERED)
        assert (answered.actor, answered.changes["answer"]) == (leader, Response.Answer.KEPT)

    def test_responding_again_with_the_same_words_records_nothing_more(self, proposed, member):
        for _ in range(2):
            charters.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")

        the_event(AuditKind.CONSENT_GIVEN)

    def test_ratified(self, proposed, member, facilitator, leader):
        for person in (member, facilitator):
            charters.respond(charter=proposed, member=person, kind=Response.Kind.CONSENT, reason="")
        charters.ratify(charter=proposed, actor=leader)

        event = the_event(AuditKind.CHARTER_RATIFIED)
        assert (event.actor, event.summary) == (leader, "Version 1 of the charter ratified")
        assert event.changes["ratified_anyway"] is False

    def test_ratified_anyway_names_whose_word_was_missing(self, proposed, member, leader):
        charters.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")
        charters.ratify(charter=proposed, actor=leader, despite_gaps=True)

        event = the_event(AuditKind.CHARTER_RATIFIED)
        assert "anyway" in event.summary and event.changes["ratified_anyway"] is True
        assert event.changes["missing_word"].startswith("facilitator@example.com (")


class TestDecision:
    def test_the_final_call_and_a_change_of_it(self, team, leader):
        charter_in_force(team)
        decision = decisions.log_decision(team=team, actor=leader, title="Buy a pager service",
                                          purpose_effect="advances", metric_effect="improves")
        decisions.record_outcome(decision=decision, actor=leader, outcome="proceed", reason="",
                                 expected_version=decision.version)
        decisions.record_outcome(decision=decision, actor=leader, outcome="decline", reason="Budget gone",
                                 expected_version=decision.version)

        first, changed = AuditEvent.objects.filter(kind=AuditKind.DECISION_CALL_RECORDED).order_by("pk")
        assert (first.actor, first.team, first.changes["outcome"]) == (leader, team, ["pending", "proceed"])
        assert changed.changes["outcome"] == ["proceed", "decline"] and changed.summary.endswith("(changed)")


class TestRetrospective:
    def test_anonymity_and_hiding_are_recorded_and_the_votes_are_not(self, team, leader, facilitator):
        open_cycle(team, charter_in_force(team))
        retro = session(team, facilitator)

        retros.update_settings(retrospective_id=retro.pk, team=team, actor=facilitator, is_anonymous=True,
                               hide_text_while_collecting=True, votes_per_person=3)
        retros.update_settings(retrospective_id=retro.pk, team=team, actor=facilitator, is_anonymous=True,
                               hide_text_while_collecting=True, votes_per_person=5)

        event = the_event(AuditKind.RETRO_PRIVACY_CHANGED)
        assert (event.actor, event.team) == (facilitator, team)
        assert event.changes == {"retrospective": retro.pk, "is_anonymous": [False, True],
                                 "hide_text_while_collecting": [False, True]}


class TestExports:
    def test_a_calendar_address_made_replaced_and_stopped(self, login, member):
        client = login(member)
        client.post(reverse("notifications:calendar_issue"), {})
        replacing = calendar_feed.feed_version(calendar_feed.feed_of(member))
        client.post(reverse("notifications:calendar_issue"), {"replacing": replacing})
        calendar_feed.revoke_feed(user=member)

        made = AuditEvent.objects.filter(kind=AuditKind.CALENDAR_ADDRESS_MADE).order_by("pk")
        assert [(e.actor, e.changes) for e in made] == [(member, {"replaced": None}),
                                                        (member, {"replaced": replacing})]
        assert the_event(AuditKind.CALENDAR_FEED_STOPPED).actor == member


class TestSiteAdmin:
    def test_a_change_in_djangos_admin_is_copied_with_its_organisation(self, client, make_user, member, team):
        root = make_user("root@example.com", is_staff=True, is_superuser=True)
        client.force_login(root)
        membership = Membership.objects.get(user=member)

        response = client.post(reverse("admin:alignment_membership_delete", args=[membership.pk]), {"post": "yes"})

        assert response.status_code == 302
        event = the_event(AuditKind.SITE_ADMIN_CHANGE)
        assert (event.actor, event.organisation_id) == (root, team.organisation_id)
        assert event.summary.startswith("In the site's admin, membership") and event.changes["action"] == "deleted"

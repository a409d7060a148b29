"""A request is routed by the boundary of the receiving team's charter in force that it touches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alignment.errors import ActionRefused
from asks import notices, services
from asks.models import Ask, Route
from charters.models import Charter
from decisions import services as decision_services
from decisions.models import Decision
from notifications.models import Delivery, Notification
from tests.asks.conftest import TODAY


def told(kind: str) -> set[str]:
    return set(Delivery.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture(autouse=True)
def world(cast, second_growth_leader):
    return cast


def test_fixed_goes_to_the_leaders_for_the_owner_it_names(send):
    ask = send("fixed")
    assert ask.route == Route.FIXED and ask.set_by == "Director of Operations" and ask.due_on is None
    assert "set by Director of Operations" in ask.route_in_words
    assert told(notices.ASK_RECEIVED) == {"sofia@example.com", "gus@example.com"}  # the leaders, not Mei


def test_consult_has_a_due_date_and_its_leaders_are_told(send):
    ask = send("consult")
    assert ask.route == Route.CONSULT and ask.due_on == TODAY + timedelta(days=7)
    assert told(notices.ASK_RECEIVED) == {"sofia@example.com", "gus@example.com"}
    notice = Notification.objects.filter(kind=notices.ASK_RECEIVED).first()
    assert notice.url == ask.get_absolute_url()


def test_consult_needs_a_day_not_past(send):
    with pytest.raises(ActionRefused, match="by when"):
        send("consult", due_on=None)
    with pytest.raises(ActionRefused, match="passed"):
        send("consult", due_on=TODAY - timedelta(days=1))
    assert not Ask.objects.exists()


def test_team_decides_lands_in_the_decision_log_judged_by_its_purpose(send, growth):
    ask = send("team_decides", purpose_effect="harms", metric_effect="improves")
    decision = ask.decision
    assert decision.team == growth and decision.verdict == Decision.Verdict.NO  # the same rule as the log's
    assert decision.title == "Platform asks: Warn patients the clinic may call back"
    assert decision.charter == Charter.objects.active_for(growth)


def test_team_decides_needs_the_effects(send):
    with pytest.raises(ActionRefused, match="purpose"):
        send("team_decides", purpose_effect="", metric_effect="")
    assert not Decision.objects.exists() and not Ask.objects.exists()


def test_the_final_call_on_the_decision_answers_the_ask_and_tells_the_asker(send, growth_leader):
    ask = send("team_decides")
    decision = ask.decision
    decision_services.record_outcome(decision=decision, actor=growth_leader, outcome="proceed", reason="",
                                     expected_version=decision.version)
    ask.refresh_from_db()
    assert ask.state == Ask.State.ACCEPTED and ask.answered_by == growth_leader
    assert "Yes" in ask.answer  # the verdict's words when the leader gave no reason
    decision.refresh_from_db()
    decision_services.record_outcome(decision=decision, actor=growth_leader, outcome="decline",
                                     reason="Not before the winter peak.", expected_version=decision.version)
    ask.refresh_from_db()
    assert ask.state == Ask.State.DECLINED and ask.answer == "Not before the winter peak."
    answers = Delivery.objects.filter(kind=notices.ASK_ANSWERED).order_by("pk")
    assert [d.recipient.email for d in answers] == ["member@example.com"] * 2  # each call told once
    assert answers.last().body == "Not before the winter peak."


def test_a_decision_not_from_an_ask_follows_nothing(growth, growth_leader, growth_charter):
    decision = decision_services.log_decision(team=growth, actor=growth_leader, title="Own idea",
                                              purpose_effect="advances", metric_effect="neutral")
    decision_services.record_outcome(decision=decision, actor=growth_leader, outcome="proceed", reason="",
                                     expected_version=decision.version)
    assert not Delivery.objects.filter(kind=notices.ASK_ANSWERED).exists()


@pytest.mark.parametrize("label", [None, ""], ids=["none of these", "unlabelled boundary"])
def test_no_boundary_or_an_unlabelled_one_is_unclear_who_decides(send, label):
    ask = send(label)
    assert ask.route == Route.UNCLEAR and ask.is_unclear and ask.due_on is None
    assert "Unclear who decides" in ask.route_in_words


def test_a_boundary_no_longer_in_force_is_refused(send, growth_charter):
    Charter.objects.filter(pk=growth_charter.pk).update(state=Charter.State.SUPERSEDED)
    with pytest.raises(ActionRefused, match="charter changed"):
        send("fixed")


def test_nobody_asks_their_own_team(send, growth_member):
    with pytest.raises(ActionRefused, match="You are in Growth"):
        send("fixed", asker=growth_member)


def test_answer_once_and_tell_the_asker_in_the_answers_words(send, growth_leader, second_growth_leader):
    ask = send("consult")
    services.answer_ask(ask=ask, actor=growth_leader, state="accepted", answer="Yes — we add the sentence.")
    with pytest.raises(ActionRefused, match="Sofia Leader already answered"):
        services.answer_ask(ask=ask, actor=second_growth_leader, state="declined", answer="No")
    ask.refresh_from_db()
    assert ask.state == Ask.State.ACCEPTED
    delivery = Delivery.objects.get(kind=notices.ASK_ANSWERED)
    assert delivery.recipient.email == "member@example.com" and delivery.body == "Yes — we add the sentence."
    assert "accepted" in delivery.subject


def test_the_decision_logs_asks_are_not_answered_beside_it(send, growth_leader):
    ask = send("team_decides")
    with pytest.raises(ActionRefused, match="decision log"):
        services.answer_ask(ask=ask, actor=growth_leader, state="accepted", answer="Sure")


def test_input_goes_to_the_other_side(send, member, growth_leader):
    ask = send("consult")
    services.add_comment(ask=ask, author=member, body="The clinic leads suggest a wording.")
    assert told(notices.ASK_COMMENT) == {"sofia@example.com", "gus@example.com"}
    services.add_comment(ask=ask, author=growth_leader, body="Thanks, we will use it.")
    assert told(notices.ASK_COMMENT) == {"sofia@example.com", "gus@example.com", "member@example.com"}


def test_withdrawn_asks_take_nothing_more(send, member, growth_leader):
    ask = send("consult")
    services.withdraw_ask(ask=ask, actor=member)
    assert told(notices.ASK_RECEIVED) == {"sofia@example.com", "gus@example.com"}
    assert Delivery.objects.filter(kind=notices.ASK_RECEIVED, key__endswith="withdrawn").count() == 2
    with pytest.raises(ActionRefused, match="withdrew"):
        services.answer_ask(ask=ask, actor=growth_leader, state="accepted", answer="Sure")
    with pytest.raises(ActionRefused, match="withdrew"):
        services.add_comment(ask=ask, author=member, body="One more thing")


def test_archived_teams_take_no_requests(send, growth):
    from django.utils import timezone

    growth.archived_at = timezone.now()
    growth.save(update_fields=["archived_at"])
    with pytest.raises(ActionRefused, match="archived"):
        send("fixed")

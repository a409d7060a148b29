"""The day before a consultation is due, the receiving team's leaders are reminded once, by moving the clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from asks import notices, reminders, services
from asks.tasks import remind_consult_asks
from notifications.models import Delivery
from tests.asks.conftest import LONDON, TODAY


def at(day_offset: int, clock: time) -> datetime:
    return datetime.combine(TODAY + timedelta(days=day_offset), clock, LONDON)


@pytest.fixture
def consult(cast, second_growth_leader, send):
    return send("consult", due_on=TODAY + timedelta(days=3))  # due Thursday


def reminded() -> list[tuple[str, str]]:
    return sorted(Delivery.objects.filter(kind=notices.ASK_DUE).values_list("recipient__email", "key"))


def test_nothing_before_the_day_before(consult, frozen):
    frozen(at(1, time(12)))
    assert remind_consult_asks() == 0 and reminded() == []
    frozen(at(2, time(8, 59)))
    assert remind_consult_asks() == 0


def test_the_leaders_are_reminded_once_the_day_before(consult, frozen):
    frozen(at(2, time(9)))
    assert remind_consult_asks() == 2
    key = f"ask:{consult.pk}:due-{consult.due_on.isoformat()}"
    assert reminded() == [("gus@example.com", key), ("sofia@example.com", key)]
    frozen(at(2, time(16)))
    assert remind_consult_asks() == 0  # the next run of beat, and a task run twice, send nothing more
    frozen(at(3, time(23, 59)))
    assert remind_consult_asks() == 0
    delivery = Delivery.objects.filter(kind=notices.ASK_DUE).first()
    assert delivery.url == consult.get_absolute_url() and "by Thursday 19 November" in delivery.subject


def test_not_sent_late_nor_for_an_answered_ask(consult, frozen, growth_leader, send):
    frozen(at(4, time(9)))  # the day after: the window passed while the scheduler was down
    assert remind_consult_asks() == 0
    answered = send("consult", title="Another", due_on=TODAY + timedelta(days=5))
    services.answer_ask(ask=answered, actor=growth_leader, state="accepted", answer="Yes")
    frozen(at(4, time(10)))
    assert reminders.due_reminders(at(4, time(10))) == []


def test_a_flat_number_of_queries_for_many_asks(cast, send, frozen, django_assert_num_queries):
    for n in range(5):
        send("consult", title=f"Ask {n}", due_on=TODAY + timedelta(days=1))
    # query: open consult asks falling due with their teams; the receiving teams' people; deliveries made
    with django_assert_num_queries(3):
        assert len(reminders.due_reminders(at(0, time(10)))) == 5


def preview_line(team) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("schedule_preview", "--team", team.slug, stdout=out)
    return next(line for line in out.getvalue().splitlines() if line.strip().startswith(reminders.PREVIEW_LABEL))


def test_the_schedule_preview_shows_the_next_consult_reminder(consult, frozen):
    team = consult.receiving_team
    frozen(at(1, time(12)))
    assert (at(2, time(9)).strftime("%Y-%m-%d %H:%M")) in preview_line(team)  # when the window opens

    frozen(at(2, time(10)))
    assert at(2, time(10)).strftime("%Y-%m-%d %H:%M") in preview_line(team)  # owed: the next run sends it
    remind_consult_asks()
    assert preview_line(team).split()[2] == "—"  # sent; nothing more is owed for this consultation


def test_the_preview_costs_two_queries_however_many_consultations(consult, send, frozen, django_assert_num_queries):
    frozen(at(2, time(10)))
    for _ in range(3):
        send("consult", due_on=TODAY + timedelta(days=3))
    with django_assert_num_queries(2):
        reminders.next_times([consult.receiving_team], at(2, time(10)))

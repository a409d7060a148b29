"""Who may open and do what on every review-prompt URL.

Anonymous people are sent to log in. The team reads a prompt with its evidence; its leaders, who steward
the charter, start the amendment from it, dismiss it, and move the review date. Someone of another team and
an organisation admin in no team get 404 (the evidence comes from the team's check-ins); a stranger too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import resolve, reverse

from alignment.confirm import CONFIRMED
from charters.models import Charter
from notifications.models import Delivery
from reviews import urls
from reviews.models import ReviewTrigger
from reviews.triggers import fire_due_triggers
from tests.matrix import Matrix
from tests.reviews.trigger_factories import NOW, charter_ratified, trigger_url

OK, FOUND, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405
PEOPLE = ["leader", "member", "facilitator", "outsider", "admin", "stranger"]


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[ReviewTrigger], str]
    answers: dict[str, int]
    data: Callable[[ReviewTrigger], dict] = field(default=lambda trigger: {})

    def __str__(self) -> str:
        return self.name


def _team(**answers: int) -> dict[str, int]:
    """The team's answers as given; everyone outside it gets 404."""
    return {"outsider": NOT_FOUND, "admin": NOT_FOUND, "stranger": NOT_FOUND, **answers}


_leaders_only = _team(leader=FOUND, member=FORBIDDEN, facilitator=FORBIDDEN)

CASES = [
    Case("prompt", "get", lambda t: trigger_url("trigger", t), _team(leader=OK, member=OK, facilitator=OK)),
    Case("start the amendment", "post", lambda t: trigger_url("trigger_amend", t), _leaders_only),
    Case("start the amendment by GET", "get", lambda t: trigger_url("trigger_amend", t),
         {p: NOT_ALLOWED for p in PEOPLE}),
    Case("dismiss", "post", lambda t: trigger_url("trigger_dismiss", t), _leaders_only,
         data=lambda t: {"reason": "Known", **CONFIRMED}),
    Case("review date", "post", lambda t: reverse("reviews:review_date", args=["harbour", "platform"]),
         _leaders_only, data=lambda t: {"review_on": "2027-03-01"}),
]


def state() -> tuple:
    return (list(ReviewTrigger.objects.order_by("pk").values()), list(Charter.objects.order_by("pk").values()),
            Delivery.objects.count())


matrix = Matrix(state)


@pytest.fixture
def cast(leader, member, facilitator, outsider, admin, stranger) -> dict:
    return {"leader": leader, "member": member, "facilitator": facilitator, "outsider": outsider, "admin": admin,
            "stranger": stranger}


@pytest.fixture
def trigger(team, leader, frozen) -> ReviewTrigger:
    charter = charter_ratified(team, leader, frozen)
    Charter.objects.filter(pk=charter.pk).update(review_on=NOW.date())
    fire_due_triggers(now=NOW)
    return ReviewTrigger.objects.get()


def test_every_review_prompt_url_is_in_the_matrix(trigger):
    named = {p.name for p in urls.urlpatterns if p.name in {"trigger", "trigger_amend", "trigger_dismiss",
                                                             "review_date"}}
    in_matrix = {resolve(case.url(trigger)).url_name for case in CASES}
    assert named == in_matrix == {"trigger", "trigger_amend", "trigger_dismiss", "review_date"}


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("person", PEOPLE)
def test_matrix(client, cast, trigger, case, person):
    client.force_login(cast[person])
    expected = case.answers[person]
    if expected in (OK, FOUND):
        response = matrix.send(client, case, trigger)
        assert response.status_code == expected, response.content.decode()[:2000]
    else:
        matrix.refused_without_writing(client, case, trigger, expected)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, trigger, case):
    if case.answers["leader"] == NOT_ALLOWED:
        return  # the method is refused before anyone is asked who they are
    matrix.sent_to_log_in(client, case, trigger)


def test_an_archived_team_refuses_every_change(client, team, leader, trigger):
    team.archived_at = NOW
    team.save(update_fields=["archived_at"])
    client.force_login(leader)
    for case in CASES[1:]:
        if case.method == "post":
            matrix.refused_without_writing(client, case, trigger, FORBIDDEN)

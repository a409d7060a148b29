"""The asks tests' world: Platform (the standard cast) asks Growth, whose ratified charter has one boundary of each
label and one unlabelled; Clinical Support is a third team of the organisation.

People: `member` (of Platform) asks; `leader` leads Platform; `growth_leader` and `growth_member` are Growth's;
`bystander` is in Clinical Support (same organisation, neither team); `admin` is an organisation admin in no
team; `stranger` is in another organisation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from alignment.models import Team
from asks import services
from asks.models import Ask
from charters.models import Boundary, Charter

ORG = "harbour"
LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 16)  # a Monday
NOON = datetime.combine(TODAY, time(12, 0), LONDON)


def ask_url(name: str, ask: Ask | None = None, *, team: str = "growth") -> str:
    args = [ORG, team] if ask is None else [ORG, ask.receiving_team.slug, ask.pk]
    return reverse(f"asks:{name}", args=args)


@pytest.fixture(autouse=True)
def noon(frozen):
    """The clock stands at noon on Monday 16 Nov 2026 in London, unless a test moves it."""
    frozen(NOON)


@pytest.fixture
def growth(other_team):
    other_team.time_zone = "Europe/London"
    other_team.save(update_fields=["time_zone"])
    return other_team


@pytest.fixture
def clinical(organisation):
    return Team.objects.create(organisation=organisation, name="Clinical Support", slug="clinical-support")


@pytest.fixture
def growth_leader(make_user, growth, add_member):
    user = make_user("sofia@example.com", "Sofia Leader")
    add_member(growth, user, "leader")
    return user


@pytest.fixture
def second_growth_leader(make_user, growth, add_member):
    user = make_user("gus@example.com", "Gus Leader")
    add_member(growth, user, "leader")
    return user


@pytest.fixture
def growth_member(make_user, growth, add_member):
    user = make_user("mei@example.com", "Mei Member")
    add_member(growth, user, "member")
    return user


@pytest.fixture
def bystander(make_user, clinical, add_member):
    user = make_user("ravi@example.com", "Ravi Bystander")
    add_member(clinical, user, "member")
    return user


@pytest.fixture
def growth_charter(growth, growth_leader):
    charter = Charter.objects.create(team=growth, number=1, state=Charter.State.RATIFIED,
                                     purpose_statement="More people book the right care first time.")
    specs = [("Marketing budget", "fixed", "Director of Operations"),
             ("Messaging to patients", "consult", "Team, after consulting Clinical Support"),
             ("Experiments on the booking flow", "team_decides", "The team"),
             ("Partnerships", "", "")]
    for position, (area, label, set_by) in enumerate(specs):
        Boundary.objects.create(charter=charter, position=position, area=area, label=label, set_by=set_by)
    return charter


@pytest.fixture
def boundary(growth_charter):
    """`boundary("consult")`: Growth's boundary of that label ("" for the unlabelled one)."""
    return lambda label: growth_charter.boundaries.get(label=label)


@pytest.fixture
def send(team, growth, member, boundary):
    """`send("consult")`: the member asks Growth from Platform under the boundary of that label (None: not sure)."""

    def ask(label: str | None = "consult", *, title: str = "Warn patients the clinic may call back",
            asker=None, **extra) -> Ask:
        values = {"due_on": TODAY + timedelta(days=7)} if label == "consult" else {}
        if label == "team_decides":
            values = {"purpose_effect": "advances", "metric_effect": "improves"}
        values.update(extra)
        return services.send_ask(asker=asker or member, asking_team=team, receiving_team=growth, kind="change",
                                 title=title, body="One sentence in the SMS.",
                                 boundary=None if label is None else boundary(label), **values)

    return ask


@pytest.fixture
def cast(leader, member, growth_leader, growth_member, bystander, admin, stranger, growth_charter):
    return {"leader": leader, "member": member, "growth_leader": growth_leader, "growth_member": growth_member,
            "bystander": bystander, "admin": admin, "stranger": stranger}

"""Charters in every state and at any size, for the charter view tests.

`write_charter(team, state=..., rows=n)` stores one version straight in the database:
a complete purpose, people and process, and `rows` non-negotiables, boundaries and
goals (each goal with two key results, each goal owned by a different person), so a
page's query count can be compared at 2 and at 20 rows. `discuss` adds comment threads
and consent responses, and `charter_versions`
is the whole cast's world: a superseded, a ratified and a proposed version.
"""

from __future__ import annotations

import functools
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from charters.models import (
    Boundary,
    BoundaryLabel,
    Charter,
    Comment,
    Goal,
    KeyResult,
    NonNegotiable,
    PurposePart,
    Response,
    Section,
)
from tests import cast
from tests.migration_history import rolled_back_migrations

ORG, TEAM = "harbour", "platform"


def charter_url(name: str, *args, query: str = "") -> str:
    """A charters URL of the standard team, e.g. charter_url("version", 2)."""
    url = reverse(f"charters:{name}", args=[ORG, TEAM, *args])
    return f"{url}?{query}" if query else url


def people_of(team, n: int) -> list:
    """The first n extra members of a team, created on first use."""
    from alignment.models import User

    found = []
    for i in range(n):
        email = f"person{i}.{team.slug}@example.com"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = cast.user(email, f"Person {i}")
            cast.add_member(team, user, "member")
        found.append(user)
    return found


@pytest.fixture
def people(db):
    """`people(team, n)`: the first n extra members of a team, created on first use."""
    return people_of


def written_charter(team, *, leader, number: int = 1, state: str = Charter.State.DRAFT, rows: int = 2,
                    **fields) -> Charter:
    """A version complete enough to propose, written by `leader`: what the `write_charter` fixture writes."""
    now = timezone.now()
    was_ratified = state in (Charter.State.RATIFIED, Charter.State.SUPERSEDED)
    texts = {
        "purpose_statement": f"Care close to home, version {number}",
        "purpose_serves": "Patients and the nurses who visit them",
        "purpose_outcome": "Fewer avoidable hospital admissions",
        "purpose_refuses": "Patient safety",
        "people": "- We say what we see\n- We ask for help early",
        "process": "- Planning every Monday\n- Done means released to patients",
    }
    charter = Charter.objects.create(
        team=team, number=number, state=state, created_by=leader,
        proposed_at=None if state == Charter.State.DRAFT else now,
        ratified_at=now if was_ratified else None,
        ratified_by=leader if was_ratified else None,
        superseded_at=now if state == Charter.State.SUPERSEDED else None,
        **{**texts, **fields},
    )
    charter.team = team
    owners = people_of(team, rows)
    labels = list(BoundaryLabel)
    NonNegotiable.objects.bulk_create(
        NonNegotiable(charter=charter, position=i, title=f"Non-negotiable {i}",
                      standard=f"Standard {i} is met", why=f"It *matters* ({i})")
        for i in range(1, rows + 1)
    )
    Boundary.objects.bulk_create(
        Boundary(charter=charter, position=i, area=f"Area {i}", label=labels[i % 3],
                 guardrails=f"Guardrail {i}", set_by="Head of Engineering")
        for i in range(1, rows + 1)
    )
    goals = Goal.objects.bulk_create(
        Goal(charter=charter, position=i, objective=f"Goal {i}", purpose_part=PurposePart.OUTCOME,
             tradeoff=f"Tradeoff {i}", owner=owners[i - 1])
        for i in range(1, rows + 1)
    )
    KeyResult.objects.bulk_create(
        KeyResult(goal=goal, position=k, metric=f"Key result {goal.position}.{k}", unit="%",
                  start_value=Decimal(0), target_value=Decimal(100), current_value=Decimal(40),
                  confidence="on_track")
        for goal in goals for k in (1, 2)
    )
    return charter


@pytest.fixture
def write_charter(leader):
    """`write_charter(team, number=1, state="draft", rows=2)`: a version complete enough to propose.

    Other keyword arguments replace the default texts or set further fields (`based_on`).
    """
    return functools.partial(written_charter, leader=leader)


@pytest.fixture
def discuss(people, leader):
    """`discuss(charter, rows=2)`: a comment thread (with a reply) and a response per person.

    Every other response is an objection; every other objection is already answered.
    """

    def add(charter: Charter, *, rows: int = 2) -> None:
        now = timezone.now()
        sections = list(Section)
        for i, person in enumerate(people(charter.team, rows)):
            thread = Comment.objects.create(
                charter=charter, section=sections[i % len(sections)], author=person, body=f"Comment {i}",
                resolved_at=now if i % 3 == 0 else None, resolved_by=leader if i % 3 == 0 else None,
            )
            Comment.objects.create(charter=charter, section=thread.section, parent=thread, author=leader,
                                   body=f"Reply {i}")
            objects = i % 2 == 1
            answered = objects and i % 4 == 1
            Response.objects.create(
                charter=charter, member=person,
                kind=Response.Kind.OBJECTION if objects else Response.Kind.CONSENT,
                reason=f"Objection {i}" if objects else "",
                answer=Response.Answer.KEPT if answered else "", answer_text="Kept" if answered else "",
                answered_by=leader if answered else None, answered_at=now if answered else None,
            )

    return add


@dataclass
class Versions:
    """The standard team's charter history, with one of everything on the proposed version."""

    superseded: Charter
    active: Charter
    proposed: Charter
    non_negotiable: NonNegotiable
    boundary: Boundary
    goal: Goal
    key_result: KeyResult
    comment: Comment  # the member's thread on the purpose
    objection: Response  # the member's, not yet answered


def versions_of(team, *, leader, member) -> Versions:
    """Version 1 superseded, version 2 ratified (the active one), version 3 proposed."""
    superseded = written_charter(team, leader=leader, number=1, state=Charter.State.SUPERSEDED)
    active = written_charter(team, leader=leader, number=2, state=Charter.State.RATIFIED, based_on=superseded)
    proposed = written_charter(team, leader=leader, number=3, state=Charter.State.PROPOSED, based_on=active,
                               amendment_note="Sharper purpose")
    goal = Goal.objects.filter(charter=proposed).first()
    return Versions(
        superseded=superseded, active=active, proposed=proposed,
        non_negotiable=NonNegotiable.objects.filter(charter=proposed).first(),
        boundary=Boundary.objects.filter(charter=proposed).first(),
        goal=goal,
        key_result=KeyResult.objects.filter(goal=goal).first(),
        comment=Comment.objects.create(charter=proposed, section=Section.PURPOSE, author=member,
                                       body="Who exactly do we serve?"),
        objection=Response.objects.create(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                          reason="The purpose leaves out carers"),
    )


@pytest.fixture
def charter_versions(team, leader, member, facilitator) -> Versions:
    """Version 1 superseded, version 2 ratified (the active one), version 3 proposed."""
    return versions_of(team, leader=leader, member=member)


@pytest.fixture
def migrate(transactional_db):
    """Move the charters app to a migration (None: the newest, which the models are) and return the apps as
    they were there. For the data migrations' tests: the first move opens a transaction that is rolled back
    when the test ends (tests/migration_history.py), which puts the schema back without migrating again."""
    with ExitStack() as stack:
        walk = None

        def to(target):
            nonlocal walk
            walk = walk or stack.enter_context(rolled_back_migrations())
            return walk.to(target)

        yield to

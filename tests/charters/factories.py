"""Build charters for tests: a complete draft, and one taken through ratification.

`complete_charter` gives a draft that passes every completeness check, so a test
can break exactly the one thing it is about.
"""

from __future__ import annotations

from decimal import Decimal

from charters import services
from charters.models import (
    Boundary,
    BoundaryLabel,
    Charter,
    Goal,
    KeyResult,
    NonNegotiable,
    PurposePart,
)

PURPOSE = {
    "purpose_statement": "Give every clinician a system they can trust at 3 a.m.",
    "purpose_serves": "Clinicians in our coastal clinics, and through them their patients.",
    "purpose_outcome": "Records that are there, correct and fast whenever care is given.",
    "purpose_refuses": "Patient safety and the privacy of health data.",
}
PEOPLE = "- We say what we see.\n- We pair on anything that touches patient data."
PROCESS = "- Weekly check-in on Fridays.\n- Done means reviewed, tested and deployed."
BOUNDARIES = [
    ("Data protection rules", BoundaryLabel.FIXED, "Set by the Clinical Safety Officer."),
    ("Clinician-facing workflows", BoundaryLabel.CONSULT, "After consulting two clinic leads."),
    ("Choice of libraries", BoundaryLabel.TEAM_DECIDES, "Approved licences only."),
]
PURPOSE_PARTS = [PurposePart.OUTCOME, PurposePart.SERVES, PurposePart.REFUSES]


def complete_charter(team, actor, *, non_negotiables: int = 3, goals: int = 1) -> Charter:
    """The team's first charter, in draft, passing every completeness check.

    `non_negotiables` titles are "Non-negotiable 1", "Non-negotiable 2", ...; every
    one has a standard. Three boundaries, one per label. Each goal ("Goal 1", ...)
    advances a part of the purpose, names a tradeoff, is owned by `actor`, and has
    one key result ("Metric 1", ...) from 10 to 20, currently 12, at risk.
    With `goals=0` the Performance check fails; with more than five
    non-negotiables the (advisory) few-non-negotiables check fails.
    """
    charter = services.start_charter(team=team, actor=actor)
    for name, value in {**PURPOSE, "people": PEOPLE, "process": PROCESS}.items():
        setattr(charter, name, value)
    charter.save(update_fields=[*PURPOSE, "people", "process"])

    NonNegotiable.objects.bulk_create(
        NonNegotiable(
            charter=charter,
            position=n,
            title=f"Non-negotiable {n}",
            standard=f"Standard {n} is met when anyone can see it.",
            why=f"Reason {n}.",
        )
        for n in range(1, non_negotiables + 1)
    )
    Boundary.objects.bulk_create(
        Boundary(
            charter=charter,
            position=n,
            area=area,
            label=label,
            guardrails=guardrails,
            set_by="The team",
        )
        for n, (area, label, guardrails) in enumerate(BOUNDARIES, start=1)
    )
    for n in range(1, goals + 1):
        goal = Goal.objects.create(
            charter=charter,
            position=n,
            objective=f"Goal {n}",
            purpose_part=PURPOSE_PARTS[(n - 1) % len(PURPOSE_PARTS)],
            tradeoff=f"We pause roadmap work {n}.",
            owner=actor,
        )
        KeyResult.objects.create(
            goal=goal,
            position=1,
            metric=f"Metric {n}",
            unit="%",
            start_value=Decimal("10"),
            target_value=Decimal("20"),
            current_value=Decimal("12"),
            confidence="at_risk",
        )
    return charter


def ratified_charter(team, actor, *, non_negotiables: int = 3, goals: int = 1) -> Charter:
    """A complete charter proposed and ratified by `actor` with no objections."""
    charter = complete_charter(team, actor, non_negotiables=non_negotiables, goals=goals)
    services.propose(charter=charter, actor=actor)
    return services.ratify(charter=charter, actor=actor, despite_gaps=True)


def corrected_in_the_admin(reading, **fields) -> None:
    """Correct a key result's reading as staff do, through the admin's change form (which keeps its id)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from tests.alignment.reading import form_values

    staff = Client()
    staff.force_login(get_user_model().objects.filter(is_superuser=True).first()
                      or get_user_model().objects.create_superuser("staff@example.com", "pw"))
    url = reverse("admin:charters_keyresultprogress_change", args=[reading.pk])
    data = form_values(staff.get(url).content.decode())
    data.update({name: [str(value)] for name, value in fields.items()})
    answer = staff.post(url, data)
    assert answer.status_code == 302, [line for line in answer.content.decode().splitlines() if "errorlist" in line]

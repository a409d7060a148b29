"""What the charter journeys share: logging in through the page, and charters built beforehand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def log_in(live_server):
    """Open a page of the app as someone: the login form comes first, then the page asked for."""

    def as_user(page: Page, email: str, path: str, password: str = "password") -> None:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return as_user


@pytest.fixture
def charter_url(team):
    from django.urls import reverse

    return reverse("charters:detail", args=[team.organisation.slug, team.slug])


@pytest.fixture
def complete_draft(team, leader):
    """A draft that passes every completeness check, written through the services."""
    from charters import services
    from charters.models import Boundary, Goal, KeyResult, NonNegotiable

    charter = services.start_charter(team=team, actor=leader)
    services.update_purpose(
        charter=charter,
        expected_version=1,
        purpose_statement="Keep the hospital's software safe to change.",
        purpose_serves="Clinicians on the wards.",
        purpose_outcome="Releases nobody has to be afraid of.",
        purpose_refuses="Patient safety, for any deadline.",
    )
    services.update_people(charter=charter, expected_version=1, people="We say what we do not know.")
    services.update_process(charter=charter, expected_version=1,
                            process="Planning every other Monday; done means deployed.")
    services.add_item(charter=charter, item=NonNegotiable(
        charter=charter, title="Reviewed code only", standard="Every change has a second pair of eyes.",
    ))
    services.add_item(charter=charter, item=Boundary(charter=charter, area="Tooling", label="team_decides"))
    goal = services.add_item(charter=charter, item=Goal(
        charter=charter, objective="Release weekly", purpose_part="outcome",
        tradeoff="Fewer new features this cycle.",
    ))
    services.add_item(charter=charter, item=KeyResult(
        goal=goal, metric="Releases per month", start_value=Decimal(1), target_value=Decimal(4),
    ))
    charter.refresh_from_db()
    return charter


@pytest.fixture
def proposed_charter(complete_draft, leader):
    from charters import services

    return services.propose(charter=complete_draft, actor=leader)


@pytest.fixture
def ratified_charter(proposed_charter, leader):
    from charters import services

    return services.ratify(charter=proposed_charter, actor=leader, despite_gaps=True)


@pytest.fixture(autouse=True)
def _live_boards_poll_faster(settings):
    """A board polls every half second here: the journeys wait for the next poll many times over."""
    settings.RETRO_POLL_SECONDS = 0.5

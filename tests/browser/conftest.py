"""What the charter journeys share: logging in through the page, and charters built beforehand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def log_in(live_server):
    """Open a page of the app as someone already signed in: their browser is given a session made for them.

    Signing in is a journey of its own (tests/browser/test_first_run.py, test_two_factor.py,
    test_single_sign_on.py and tests/alignment/test_accounts.py go through the form); here it is only the way
    in, so the journeys start where a person who is signed in starts, on the page they open.
    """
    from django.conf import settings
    from django.test import Client

    from alignment.models import User

    def as_user(page: Page, email: str, path: str, password: str = "password") -> None:
        client = Client()
        client.force_login(User.objects.get(email=email))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        page.goto(live_server.url + path)
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

"""A leader looks back on the cycle and closes it by hand, choosing which commitments go on."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from checkins.models import Commitment
from reviews.models import CycleCommitment, ReviewCycle


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_leader_reads_the_cycle_and_closes_it(browser, live_server, log_in, team, member, leader,
                                                   ratified_charter, javascript):
    for title in ("Failover runbook", "Old dashboard"):
        Commitment.objects.create(team=team, owner=member, created_by=member, title=title, standard="Done",
                                  due_on=date(2026, 12, 1))
    page = browser.new_context(java_script_enabled=javascript).new_page()
    try:
        log_in(page, "leader@example.com", reverse("team", args=[team.organisation.slug, team.slug]))
        page.get_by_role("link", name="How the cycle is going").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Cycle 1")
        expect(page.get_by_role("region", name="Goals and key results")).to_contain_text("Releases per month")

        closing = page.get_by_role("region", name="Close this cycle")
        closing.get_by_label("Old dashboard").uncheck()
        # The cycle started today: closing it now is closing it early, which asks for a summary and to confirm.
        closing.get_by_label("Summary").fill("The team was reorganised.")
        closing.get_by_role("button", name="Close cycle 1 early and open the next").click()
        page.get_by_role("button", name="Yes, close cycle 1 early").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Cycle 2")
        expect(page.locator("main")).to_contain_text("Cycle 1 is closed early.")
    finally:
        page.context.close()

    opened = ReviewCycle.objects.get(team=team, state="open")
    carried = CycleCommitment.objects.filter(cycle=opened).values_list("commitment__title", flat=True)
    assert opened.number == 2 and list(carried) == ["Failover runbook"]

"""Renegotiating a commitment in the browser: the member asks to defer, the leader accepts on the team week."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from checkins.models import Commitment


@pytest.mark.browser
def test_member_asks_to_defer_and_the_leader_accepts(browser, live_server, log_in, team, member, leader):
    kept = Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                     standard="Kwame runs a failover from it alone", due_on=date(2026, 12, 1))
    o, t = team.organisation.slug, team.slug

    member_page = browser.new_context().new_page()
    try:
        # Max is on call twice this month: from his check-in page he opens the commitment to renegotiate.
        log_in(member_page, "member@example.com", reverse("checkins:this_week", args=[o, t]))
        commitments = member_page.get_by_role("complementary", name="Your open commitments")
        expect(commitments).to_contain_text("Failover runbook")
        commitments.get_by_role("link", name="Renegotiate").click()

        # He asks to defer it by ten days, and says why.
        form = member_page.get_by_role("region", name="Ask to renegotiate")
        form.get_by_role("radio", name="defer (a new date)").check()
        form.get_by_label("Why").fill("On call twice this month; the runbook needs a quiet week.")
        form.get_by_label("New due date (to defer)").fill("2026-12-11")
        form.get_by_role("button", name="Ask to renegotiate").click()
        expect(member_page.get_by_role("status").first).to_contain_text("Your team's leader will accept")
        expect(member_page.get_by_role("region", name="History")).to_contain_text("pending")
    finally:
        member_page.context.close()

    leader_page = browser.new_context().new_page()
    try:
        # Lena sees it on the team's week and accepts it with a comment.
        log_in(leader_page, "leader@example.com", reverse("checkins:week", args=[o, t]))
        pending = leader_page.get_by_role("region", name="Pending renegotiations and requests")
        expect(pending).to_contain_text("Max Member asks to defer (a new date): Failover runbook")
        expect(pending).to_contain_text("On call twice this month")
        pending.get_by_label("Your comment").fill("Take the quiet week.")
        pending.get_by_role("button", name="Accept").click()
        expect(leader_page.get_by_role("status").first).to_contain_text("Accepted")
        expect(leader_page.get_by_role("region", name="Pending renegotiations and requests")).to_contain_text(
            "No renegotiation waits for an answer")
    finally:
        leader_page.context.close()

    member_page = browser.new_context().new_page()
    try:
        # Max sees the new date, and the history: what it was, what it became, who agreed.
        log_in(member_page, "member@example.com", kept.get_absolute_url())
        expect(member_page.locator("#due-on")).to_have_text("Fri 11 Dec 2026")
        history = member_page.get_by_role("region", name="History")
        expect(history).to_contain_text("Tue 1 Dec 2026 → Fri 11 Dec 2026")
        expect(history).to_contain_text("Accepted by Lena Leader")
        expect(history).to_contain_text("Take the quiet week.")
    finally:
        member_page.context.close()

"""A consent round that ends on its date: the leader proposes with a closing date, a member consents, the
leader reminds who has not answered (once a day), the text changes and the member reads what changed since
they responded before confirming, and once the closing day is over the scheduler ratifies the charter.

The clock moves by passing `now=` to the scheduler (`charters.rounds.run`), never by sleeping.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect


@pytest.mark.browser
def test_a_round_ends_on_its_date_with_reminders_and_a_re_consent(browser, log_in, charter_url, complete_draft, team,
                                                                   leader, member, make_user, add_member):
    from charters import rounds, services
    from charters.models import Charter, Response

    quinn = make_user("quinn@example.com", "Quinn Quiet")
    add_member(team, quinn, "member")
    zone = zoneinfo.ZoneInfo(team.time_zone)
    closes = timezone.localdate(timezone=zone) + timedelta(days=3)

    # Lena proposes the charter with a closing date.
    lena = browser.new_context()
    try:
        page = lena.new_page()
        log_in(page, "leader@example.com", charter_url)
        page.get_by_label("Responses close on").fill(closes.isoformat())
        page.get_by_role("button", name="Propose to the team").click()
        expect(page.get_by_text("Version 1 · Proposed")).to_be_visible()
    finally:
        lena.close()

    # Max consents.
    max_context = browser.new_context()
    try:
        page = max_context.new_page()
        log_in(page, "member@example.com", charter_url)
        consent = page.get_by_role("region", name="Team consent")
        expect(consent).to_contain_text(f"Responses close on {closes:%A} {closes.day} {closes:%B}")
        consent.get_by_role("radio", name="Consent").check()
        consent.get_by_role("button", name="Record my response").click()
        expect(consent).to_contain_text("You said: Consent.")
    finally:
        max_context.close()

    # Lena reminds who has not answered; a second click the same day is refused, in place.
    lena = browser.new_context()
    try:
        page = lena.new_page()
        log_in(page, "leader@example.com", charter_url)
        consent = page.get_by_role("region", name="Team consent")
        expect(consent).to_contain_text("Not yet responded: Quinn Quiet")
        consent.get_by_role("button", name="Remind who hasn't answered").click()
        expect(consent).to_contain_text("Last reminded")
        consent.get_by_role("button", name="Remind who hasn't answered").click()
        expect(consent.get_by_role("alert")).to_contain_text("Reminders go out at most once a day")
    finally:
        lena.close()

    # Lena changes the text: Max's consent was to an earlier text, so he is asked to confirm it.
    charter = Charter.objects.get()
    services.update_people(charter=charter, expected_version=charter.people_version,
                           people="We say what we do not know, and we ask the wards first.")
    services.respond(charter=charter, member=quinn, kind=Response.Kind.CONSENT, reason="")

    max_context = browser.new_context()
    try:
        page = max_context.new_page()
        log_in(page, "member@example.com", "/notifications/")
        page.get_by_role("link", name="Platform: the charter changed after you consented (version 1)").click()
        expect(page.get_by_role("heading", name="Version 1: what changed since you responded")).to_be_visible()
        people = page.get_by_role("region", name="People")
        expect(people.locator("ins")).to_contain_text("and we ask the wards first.")
        page.get_by_role("link", name="Confirm or change your response").click()
        consent = page.get_by_role("region", name="Team consent")
        expect(consent).to_contain_text("The charter changed after you responded.")
        consent.get_by_role("radio", name="Consent").check()
        consent.get_by_role("button", name="Confirm my response").click()
        # The counts read the same before and after; what waits for the answer is the question going away.
        expect(consent).not_to_contain_text("The charter changed after you responded.")
        expect(consent).to_contain_text("2 consented · 0 objected · 0 not yet responded")
    finally:
        max_context.close()

    # The closing day ends: the scheduler closes the round, and every rule is met.
    day_after = closes + timedelta(days=1)
    assert rounds.run(now=datetime(day_after.year, day_after.month, day_after.day, 0, 15, tzinfo=zone)).ratified == 1

    lena = browser.new_context()
    try:
        page = lena.new_page()
        log_in(page, "leader@example.com", charter_url)
        expect(page.get_by_text("Version 1 · Ratified")).to_be_visible()
        expect(page.get_by_role("region", name="Team consent")).to_contain_text(
            "Everyone who could respond had given their word on the final text.")
    finally:
        lena.close()

"""Members have their say on a proposed charter; the leader answers the objection and ratifies."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_members_consent_and_object_and_the_leader_answers_before_ratifying(
    browser, log_in, charter_url, proposed_charter, team, leader, member, make_user, add_member
):
    olga = make_user("olga@example.com", "Olga Objector")
    add_member(team, olga, "member")
    quiet = make_user("quinn@example.com", "Quinn Quiet")
    add_member(team, quiet, "member")

    # Max reads the proposal, comments on the purpose and consents.
    max_context = browser.new_context()
    try:
        page = max_context.new_page()
        log_in(page, "member@example.com", charter_url)
        expect(page.get_by_text("Version 1 · Proposed")).to_be_visible()
        purpose = page.get_by_role("region", name="Purpose", exact=True)
        purpose.get_by_text("Comment on this section").click()
        purpose.get_by_label("Your comment").fill("Does 'the wards' include outpatients?")
        purpose.get_by_role("button", name="Comment", exact=True).click()
        expect(purpose).to_contain_text("Max Member")
        expect(purpose).to_contain_text("Does 'the wards' include outpatients?")
        expect(purpose.get_by_text("Comment on this section (1 thread)")).to_be_visible()

        consent = page.get_by_role("region", name="Team consent")
        expect(consent).to_contain_text("0 consented · 0 objected · 3 not yet responded")
        consent.get_by_role("radio", name="Consent").check()
        consent.get_by_role("button", name="Record my response").click()
        expect(consent).to_contain_text("You said: Consent.")
        expect(consent).to_contain_text("1 consented · 0 objected · 2 not yet responded")
    finally:
        max_context.close()

    # Olga objects, and says why.
    olga_context = browser.new_context()
    try:
        page = olga_context.new_page()
        log_in(page, "olga@example.com", charter_url)
        consent = page.get_by_role("region", name="Team consent")
        consent.get_by_role("radio", name="Objection").check()
        consent.get_by_label(re.compile(r"^Reason")).fill(
            "Weekly releases will wear out the on-call rota."
        )
        consent.get_by_role("button", name="Record my response").click()
        expect(consent).to_contain_text("You said: Objection.")
        expect(consent.get_by_role("listitem").filter(has_text="Olga Objector")).to_contain_text(
            "Waiting for the leader's answer."
        )
    finally:
        olga_context.close()

    # Lena sees who said what, and who has not answered yet.
    lena_context = browser.new_context()
    try:
        page = lena_context.new_page()
        log_in(page, "leader@example.com", charter_url)
        consent = page.get_by_role("region", name="Team consent")
        expect(consent).to_contain_text("1 consented · 1 objected · 1 not yet responded")
        expect(consent.get_by_role("listitem").filter(has_text="Max Member")).to_contain_text(
            "Consent"
        )
        olgas = consent.get_by_role("listitem").filter(has_text="Olga Objector")
        expect(olgas).to_contain_text("Objection")
        expect(olgas).to_contain_text("Weekly releases will wear out the on-call rota.")
        expect(consent).to_contain_text("Not yet responded: Quinn Quiet")
        # Max's comment is there for her too.
        expect(page.get_by_role("region", name="Purpose", exact=True)).to_contain_text(
            "Does 'the wards' include outpatients?"
        )

        # Ratifying over an open objection is refused.
        page.get_by_role("button", name="Ratify version 1").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "1 objection still needs your answer before the charter can be ratified."
        )
        expect(page.get_by_text("Version 1 · Proposed")).to_be_visible()

        # She answers it: the charter stays, and she says why.
        consent = page.get_by_role("region", name="Team consent")
        answer = consent.get_by_role("group", name="Answer Olga Objector's objection")
        answer.get_by_role("radio", name="Keep it, and explain").check()
        consent.get_by_label("Explanation").fill(
            "We pair the rota with release days; see the Process section."
        )
        page.screenshot(path="/tmp/charter_consent_answering.png", full_page=True)
        consent.get_by_role("button", name="Answer objection").click()
        olgas = consent.get_by_role("listitem").filter(has_text="Olga Objector")
        expect(olgas).to_contain_text(
            "Kept it, with an explanation (Lena Leader): "
            "We pair the rota with release days; see the Process section."
        )
        expect(consent.get_by_role("button", name="Answer objection")).to_have_count(0)
        consent.screenshot(path="/tmp/charter_consent.png")

        # Now it can be ratified; Quinn never answered, so she is asked to confirm first.
        page.get_by_role("button", name="Ratify version 1").click()
        confirm = page.locator("#ratify-confirm")
        expect(confirm).to_contain_text("Not everyone has given their word on this text.")
        expect(confirm).to_contain_text("Quinn Quiet had not responded")
        confirm.get_by_role("button", name="Ratify anyway").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Ratified. Version 1 is now the team's active charter."
        )
        expect(page.get_by_text("Version 1 · Ratified")).to_be_visible()
        expect(page.get_by_role("region", name="Ratified")).to_contain_text(
            "This is the team's active charter."
        )
        # The record of the team's say stays with the version.
        record = page.get_by_role("region", name="Team consent")
        expect(record).to_contain_text("1 consented · 1 objected · 1 had not responded")
        expect(record).to_contain_text("The record of this consent round")
        expect(record).to_contain_text("Quinn Quiet had not responded")
    finally:
        lena_context.close()


@pytest.mark.browser
def test_a_member_confirms_again_after_the_text_changed(page, browser, log_in, charter_url, proposed_charter,
                                                      leader, member):
    # Max consents to the proposal.
    log_in(page, "member@example.com", charter_url)
    consent = page.get_by_role("region", name="Team consent")
    consent.get_by_role("radio", name="Consent").check()
    consent.get_by_role("button", name="Record my response").click()
    expect(consent).to_contain_text("You said: Consent")

    # Meanwhile Lena sharpens the People section in her own browser.
    lena = browser.new_context()
    try:
        lena_page = lena.new_page()
        log_in(lena_page, "leader@example.com", charter_url)
        lena_page.get_by_role("link", name="Edit people").click()
        lena_page.get_by_role("textbox", name=re.compile(r"^People")).fill("We say what we do not know, out loud.")
        lena_page.get_by_role("button", name="Save").click()
        expect(lena_page.locator("#people")).to_contain_text("out loud")
    finally:
        lena.close()

    # Max's consent was given to the earlier text: he reads again and confirms.
    page.reload()
    consent = page.get_by_role("region", name="Team consent")
    expect(consent).to_contain_text("The charter changed after you responded.")
    expect(consent.get_by_role("listitem").filter(has_text="Max Member")).to_contain_text("given to an earlier text")
    consent.get_by_role("button", name="Confirm my response").click()
    expect(consent.get_by_role("listitem").filter(has_text="Max Member")).not_to_contain_text(
        "given to an earlier text"
    )

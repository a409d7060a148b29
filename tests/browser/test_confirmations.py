"""Nothing that cannot be undone happens on one click: a dialog asks first, or a page when JavaScript is off.

Lena Leader removes a colleague, withdraws an invitation (an htmx form) and removes an item from the
draft charter (htmx too): each time a dialog asks, "Cancel" leaves everything as it was, "Yes, …" does
it. Without JavaScript the server asks the same question on a page of its own. On a phone the charter's
Propose and Ratify controls are one tap away from the top, and the pages touched here fit 390 px.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.screens import PHONE
from tests.browser.test_content_security_policy import watch_for_csp_violations

pytestmark = pytest.mark.browser


def person(page: Page, name: str):
    return page.get_by_role("region", name=re.compile(r"^People")).get_by_role("listitem").filter(has_text=name)


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_removing_a_colleague_asks_first_and_cancel_does_nothing(page, log_in, team, leader, member):
    from alignment.models import Membership

    violations = watch_for_csp_violations(page)
    log_in(page, leader.email, team.get_absolute_url())
    remove = person(page, "Max Member").get_by_role("button", name="Remove Max Member")

    # A click asks; "Cancel" sends nothing and gives the focus back to the button.
    remove.click()
    dialog = page.get_by_role("dialog", name="Remove Max Member from Platform?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("What they wrote stays.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # a stray Enter does no harm
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(remove).to_be_focused()
    assert Membership.objects.filter(team=team, user=member).exists()

    # Escape is a "Cancel" too.
    remove.click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Membership.objects.filter(team=team, user=member).exists()

    # "Yes" does it at once: no page in between.
    remove.click()
    dialog.get_by_role("button", name="Yes, remove Max Member").click()
    expect(page.get_by_role("status").filter(has_text="Max Member was removed from Platform.")).to_be_visible()
    expect(person(page, "Max Member")).to_have_count(0)
    assert not Membership.objects.filter(team=team, user=member).exists()
    assert violations == []


def test_withdrawing_an_invitation_asks_in_a_dialog_then_htmx_swaps_the_list(page, log_in, team, leader):
    from alignment.models import Invitation
    from alignment.services import invite

    kept, _ = invite(team=team, email="mei@example.com", roles=["member"], actor=leader)
    withdrawn, _ = invite(team=team, email="omar@example.com", roles=["member"], actor=leader)
    log_in(page, leader.email, team.get_absolute_url())
    page.evaluate("window.__marker = 'same page'")
    invitations = page.get_by_role("region", name="Invite people")
    revoke = invitations.get_by_role("listitem").filter(has_text="omar@example.com").get_by_role("button",
                                                                                                  name="Revoke")

    revoke.click()
    dialog = page.get_by_role("dialog", name="Withdraw the invitation to omar@example.com?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Invitation.objects.get(pk=withdrawn.pk).revoked_at is None

    revoke.click()
    dialog.get_by_role("button", name="Yes, withdraw it").click()
    expect(invitations).to_contain_text("Invitation to omar@example.com withdrawn.")
    expect(invitations.get_by_role("listitem").filter(has_text="omar@example.com")).to_have_count(0)
    expect(invitations.get_by_role("listitem").filter(has_text="mei@example.com")).to_have_count(1)
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped the section; no reload
    assert Invitation.objects.get(pk=withdrawn.pk).revoked_at is not None
    assert Invitation.objects.get(pk=kept.pk).revoked_at is None

    # The form that stays on the page asks again: the confirmation was for that one post only.
    invitations.get_by_role("listitem").filter(has_text="mei@example.com").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("dialog", name="Withdraw the invitation to mei@example.com?")).to_be_visible()


def test_removing_a_charter_item_asks_and_the_section_is_swapped(page, log_in, charter_url, complete_draft,
                                                                 leader):
    from charters.models import NonNegotiable

    log_in(page, leader.email, charter_url)
    section = page.locator("#non_negotiables")
    section.get_by_role("button", name="Remove Reviewed code only").click()
    dialog = page.get_by_role("dialog", name="Remove “Reviewed code only”?")
    expect(dialog).to_contain_text("It leaves version 1 of the charter.")

    dialog.get_by_role("button", name="Yes, remove it").click()

    expect(section).not_to_contain_text("Reviewed code only")
    assert not NonNegotiable.objects.filter(charter=complete_draft).exists()


def test_the_dialog_has_no_serious_accessibility_problems(page, log_in, team, leader, member):
    from axe_playwright_python.sync_playwright import Axe

    log_in(page, leader.email, team.get_absolute_url())
    person(page, "Max Member").get_by_role("button", name="Remove Max Member").click()
    expect(page.get_by_role("dialog")).to_be_visible()

    found = Axe().run(page).response["violations"]
    assert [v["id"] for v in found if v["impact"] in {"serious", "critical"}] == []


def test_without_javascript_a_page_asks_the_same_question(browser, live_server, team, leader, member):
    from alignment.models import Membership

    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + team.get_absolute_url())
        page.get_by_label("Email address").fill(leader.email)
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Log in").click()

        # The button posts; the server answers with the question, and nothing is removed yet.
        person(page, "Max Member").get_by_role("button", name="Remove Max Member").click()
        expect(page.get_by_role("heading", level=1, name="Remove Max Member from Platform?")).to_be_visible()
        expect(page.get_by_role("listitem").filter(has_text="What they wrote stays.")).to_be_visible()
        assert page_width(page) <= PHONE["width"]
        assert Membership.objects.filter(team=team, user=member).exists()

        # "Cancel" leads back to the team, where Max still is.
        page.get_by_role("link", name="Cancel").click()
        expect(person(page, "Max Member")).to_have_count(1)

        # Asked again, she confirms: the page posts the same request with the confirmation.
        person(page, "Max Member").get_by_role("button", name="Remove Max Member").click()
        page.get_by_role("button", name="Yes, remove Max Member").click()
        expect(page.get_by_role("status").filter(has_text="Max Member was removed from Platform.")).to_be_visible()
        assert not Membership.objects.filter(team=team, user=member).exists()
    finally:
        context.close()


def test_without_javascript_the_settings_page_asks_before_archiving(browser, live_server, team, leader):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("team_settings", args=[team.organisation.slug, team.slug]))
        page.get_by_label("Email address").fill(leader.email)
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Log in").click()

        page.get_by_role("button", name="Archive Platform…").click()
        expect(page.get_by_role("heading", level=1, name="Archive Platform?")).to_be_visible()
        expect(page.get_by_text("Nothing is deleted")).to_be_visible()
        team.refresh_from_db()
        assert not team.is_archived

        page.get_by_role("button", name="Yes, archive Platform").click()
        expect(page.get_by_text("Platform is archived.")).to_be_visible()
        team.refresh_from_db()
        assert team.is_archived
    finally:
        context.close()


def test_on_a_phone_a_leader_jumps_from_the_top_to_propose_and_back(page, log_in, charter_url, complete_draft,
                                                                     leader):
    page.set_viewport_size(PHONE)
    log_in(page, leader.email, charter_url)
    propose = page.get_by_role("button", name="Propose to the team")
    assert page.evaluate("window.scrollY") == 0
    expect(propose).not_to_be_in_viewport()

    page.get_by_role("link", name="Skip to proposing").click()

    expect(propose).to_be_in_viewport()
    page.get_by_role("link", name="Back to the top").click()
    expect(page.get_by_role("heading", level=1, name="Platform charter")).to_be_in_viewport()
    assert page_width(page) <= PHONE["width"]


def test_on_a_phone_a_proposal_offers_the_way_to_ratify_and_to_consent(page, log_in, charter_url, proposed_charter,
                                                                       leader, member):
    page.set_viewport_size(PHONE)
    log_in(page, leader.email, charter_url)
    page.get_by_role("link", name="Skip to ratifying").click()
    expect(page.get_by_role("button", name=re.compile(r"^Ratify"))).to_be_in_viewport()

    page.get_by_role("button", name="Log out").click()
    log_in(page, member.email, charter_url)
    expect(page.get_by_role("link", name="Skip to ratifying")).to_have_count(0)
    page.get_by_role("link", name="Skip to your consent").click()
    expect(page.locator("#consent")).to_be_in_viewport()


def test_the_jump_link_is_not_there_for_a_reader_who_cannot_act(page, log_in, team, charter_url, ratified_charter,
                                                                member):
    page.set_viewport_size(PHONE)
    log_in(page, member.email, charter_url)

    expect(page.get_by_role("heading", level=1, name="Platform charter")).to_be_visible()
    expect(page.locator(".jump-link")).to_have_count(0)


def test_the_versions_page_fits_a_phone_with_a_proposal_open(page, log_in, team, leader, ratified_charter):
    """Was 404 px wide: the state badge and the ratifier's name kept four columns wider than the phone."""
    from charters import services

    amendment = services.start_amendment(team=team, actor=leader,
                                         note="Add a non-negotiable about accessibility for clinicians.")
    services.propose(charter=amendment, actor=leader)
    page.set_viewport_size(PHONE)
    log_in(page, leader.email, reverse("charters:history", args=[team.organisation.slug, team.slug]))

    expect(page.get_by_role("link", name="Version 2")).to_be_visible()
    expect(page.get_by_text("Proposed", exact=True)).to_be_visible()
    assert page_width(page) <= PHONE["width"]


@pytest.mark.parametrize("path", ["team", "settings", "webhooks", "calendar", "charter"])
def test_the_pages_with_asking_forms_fit_a_phone(page, log_in, team, leader, member, complete_draft, path):
    from alignment.services import invite

    invite(team=team, email="a.very.long.address.for.someone@hospital-trust.example.com", roles=["member"],
           actor=leader)
    args = [team.organisation.slug, team.slug]
    url = {
        "team": team.get_absolute_url(),
        "settings": reverse("team_settings", args=args),
        "webhooks": reverse("notifications:webhooks", args=args),
        "calendar": reverse("notifications:calendar"),
        "charter": reverse("charters:detail", args=args),
    }[path]
    page.set_viewport_size(PHONE)
    log_in(page, leader.email, url)

    assert page_width(page) <= PHONE["width"]


def test_taking_back_a_card_on_the_live_board_asks_even_while_the_board_changes(page, log_in, team, leader,
                                                                                 facilitator, member):
    """The board is redrawn every two seconds when someone else writes: the open question survives it."""
    from reviews.models import RetroCard, Retrospective
    from tests.reviews.retro_factories import charter_in_force, open_cycle, session, write_card

    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase=Retrospective.Phase.COLLECT)
    mine = write_card(retro, member, "Pairing on deploys")
    log_in(page, member.email, reverse("reviews:retrospective", args=[team.organisation.slug, team.slug, retro.pk]))
    card = page.locator(".retro-card").filter(has_text="Pairing on deploys")

    card.locator("form").evaluate("form => form.dataset.drawn = 'before'")
    card.get_by_role("button", name="Take back").click()
    dialog = page.get_by_role("dialog", name="Take back your card?")
    expect(dialog).to_be_visible()
    # Meanwhile the leader writes a card: the board is swapped under the open dialog.
    write_card(retro, leader, "Calmer releases")
    Retrospective.objects.filter(pk=retro.pk).update(version=retro.version + 5)
    expect(page.locator(".retro-card").filter(has_text="Calmer releases")).to_have_count(1, timeout=6000)
    expect(card.locator("form[data-drawn]")).to_have_count(0)  # the form the question was about is gone
    expect(dialog).to_be_visible()

    dialog.get_by_role("button", name="Yes, take it back").click()

    expect(page.locator(".retro-card").filter(has_text="Pairing on deploys")).to_have_count(0)
    assert not RetroCard.objects.filter(pk=mine.pk).exists()

"""A founder sets up a team and invites a colleague, who joins from the email link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "harbour-lights-at-dawn-42"


def sign_up(page: Page, *, email: str | None, name: str) -> None:
    """Fill the Sign up page; leave the email alone when it is already filled in."""
    if email is not None:
        page.get_by_label("Email address").fill(email)
    page.get_by_label("Display name").fill(name)
    # Labels end with Django's ":" suffix; "Password" alone also matches the confirmation.
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


@pytest.mark.browser
def test_founder_invites_a_colleague_who_joins_as_member(
    page, browser, live_server, settings, mailoutbox
):
    # The invitation email links to SITE_URL; point it at the server the browser uses.
    settings.SITE_URL = live_server.url

    # The founder signs up from the front door.
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    sign_up(page, email="nadia@example.com", name="Nadia Founder")
    expect(page.get_by_role("status")).to_contain_text("Welcome, Nadia Founder.")

    # With no team yet, the home page offers to start an organisation.
    page.get_by_role("link", name="Create an organisation").click()
    page.get_by_label("Name").fill("Harbour Health")
    page.get_by_label("Organisation purpose").fill("Care close to home.")
    page.get_by_role("button", name="Create organisation").click()

    # ...and goes straight on to its first team, which the founder leads.
    expect(page.get_by_role("heading", name="New team in Harbour Health")).to_be_visible()
    page.get_by_label("Name").fill("Platform")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", level=1, name="Platform")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are its leader")
    expect(page.get_by_text("You are:")).to_contain_text("Leader")
    team_url = page.url

    # The founder invites a colleague; htmx swaps the invitations section in place.
    page.evaluate("window.stillTheSamePage = true")
    invite = page.get_by_role("region", name="Invite people")
    invite.get_by_label("Email address").fill("omar@example.com")
    expect(invite.get_by_role("checkbox", name="Member")).to_be_checked()
    invite.get_by_role("button", name="Send invitation").click()
    expect(invite.get_by_role("status")).to_contain_text("Invitation sent to omar@example.com")
    pending = invite.get_by_role("listitem").filter(has_text="omar@example.com")
    expect(pending).to_contain_text("as Member")
    expect(pending).to_contain_text("invited by Nadia Founder")
    # No full reload: same address, and the window kept what was set before the post.
    assert page.url == team_url
    assert page.evaluate("window.stillTheSamePage") is True
    # The form is ready for the next person.
    expect(invite.get_by_label("Email address")).to_have_value("")
    page.screenshot(path="/tmp/team_page.png", full_page=True)

    # The colleague gets an email with the link.
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["omar@example.com"]
    assert "Nadia Founder invited you to Platform" in email.subject
    accept_url = re.search(r"https?://\S+", email.body).group(0)
    assert accept_url.startswith(live_server.url + "/invitations/")

    # The colleague opens it in their own browser, with no account yet.
    colleague = browser.new_context()
    try:
        their_page = colleague.new_page()
        their_page.goto(accept_url)
        expect(their_page.get_by_role("heading", name="Join Platform")).to_be_visible()
        expect(their_page.get_by_role("main")).to_contain_text(
            "Nadia Founder invited omar@example.com to join Platform in Harbour Health as Member."
        )
        their_page.get_by_role("link", name="Create your account to accept").click()

        # The signup form already knows the invited address.
        expect(their_page.get_by_label("Email address")).to_have_value("omar@example.com")
        sign_up(their_page, email=None, name="Omar Colleague")

        # Back on the invitation, now signed in: one click to join.
        their_page.get_by_role("button", name="Accept and join Platform").click()

        expect(their_page.get_by_role("heading", level=1, name="Platform")).to_be_visible()
        expect(their_page.get_by_role("status")).to_contain_text(
            "Welcome to Platform. You joined as Member."
        )
        assert their_page.url == team_url
        expect(their_page.get_by_text("You are:")).to_contain_text("Member")
        people = their_page.get_by_role("region", name=re.compile(r"^People"))
        me = people.get_by_role("listitem").filter(has_text="Omar Colleague")
        expect(me.get_by_text("Member", exact=True)).to_be_visible()
        expect(people.get_by_role("listitem").filter(has_text="Nadia Founder")).to_contain_text(
            "Leader"
        )
    finally:
        colleague.close()

    # The founder sees the invitation is no longer pending.
    page.reload()
    expect(page.get_by_role("region", name="Invite people")).to_contain_text(
        "No pending invitations."
    )


@pytest.mark.browser
def test_inviting_someone_already_in_the_team_explains_why_in_place(
    page, live_server, team, leader, member, mailoutbox
):
    page.goto(live_server.url + team.get_absolute_url())
    page.get_by_label("Email address").fill("leader@example.com")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    team_url = page.url

    page.evaluate("window.stillTheSamePage = true")
    invite = page.get_by_role("region", name="Invite people")
    invite.get_by_label("Email address").fill("member@example.com")
    invite.get_by_role("button", name="Send invitation").click()

    # The refusal (a 400 with the form re-rendered) is swapped in, next to the field.
    expect(invite.get_by_role("alert")).to_contain_text(
        "member@example.com is already in Platform. Change their roles in the member list."
    )
    expect(invite.get_by_label("Email address")).to_have_value("member@example.com")
    expect(invite).to_contain_text("No pending invitations.")
    assert page.url == team_url
    assert page.evaluate("window.stillTheSamePage") is True
    assert mailoutbox == []

"""A leader manages invitations and roles with JavaScript off: plain forms do it all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect


def person(page: Page, name: str) -> Locator:
    # Its name carries the head count, "People (2)"; a bare "People" also matches "Invite people".
    people = page.get_by_role("region", name=re.compile(r"^People"))
    return people.get_by_role("listitem").filter(has_text=name)


def roles_of(page: Page, name: str) -> Locator:
    return page.get_by_role("group", name=f"Roles of {name}")


@pytest.mark.browser
def test_leader_invites_revokes_and_changes_roles_without_javascript(
    browser, live_server, team, leader, member
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        # Lena Leader follows a link to her team and is asked to log in first.
        page.goto(live_server.url + team.get_absolute_url())
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        page.get_by_label("Email address").fill("leader@example.com")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1, name="Platform")).to_be_visible()

        # She invites a facilitator; the form posts, the page comes back with it pending.
        invite = page.get_by_role("region", name="Invite people")
        invite.get_by_label("Email address").fill("fay@example.com")
        invite.get_by_role("checkbox", name="Member").uncheck()
        invite.get_by_role("checkbox", name="Facilitator").check()
        invite.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_role("status")).to_contain_text("Invitation sent to fay@example.com")
        pending = invite.get_by_role("listitem").filter(has_text="fay@example.com")
        expect(pending).to_contain_text("as Facilitator")

        # She changes her mind and revokes it; without JavaScript a page asks first.
        pending.get_by_role("button", name="Revoke").click()
        expect(page.get_by_role("heading", name="Withdraw the invitation to fay@example.com?")).to_be_visible()
        page.get_by_role("button", name="Yes, withdraw it").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Invitation to fay@example.com withdrawn."
        )
        expect(invite).to_contain_text("No pending invitations.")
        expect(invite.get_by_role("listitem").filter(has_text="fay@example.com")).to_have_count(0)

        # She makes Max a leader too.
        roles_of(page, "Max Member").get_by_role("checkbox", name="Leader").check()
        person(page, "Max Member").get_by_role("button", name="Save roles").click()
        expect(page.get_by_role("status")).to_contain_text("Max Member is now: Leader, Member.")
        expect(roles_of(page, "Max Member").get_by_role("checkbox", name="Leader")).to_be_checked()
        expect(roles_of(page, "Max Member").get_by_role("checkbox", name="Member")).to_be_checked()

        # Then takes it back, which leaves her as the only leader.
        roles_of(page, "Max Member").get_by_role("checkbox", name="Leader").uncheck()
        person(page, "Max Member").get_by_role("button", name="Save roles").click()
        expect(page.get_by_role("status")).to_contain_text("Max Member is now: Member.")
        expect(
            roles_of(page, "Max Member").get_by_role("checkbox", name="Leader")
        ).not_to_be_checked()

        # As the last leader she cannot step down, even keeping a Member role.
        my_roles = roles_of(page, "Lena Leader")
        my_roles.get_by_role("checkbox", name="Member").check()
        my_roles.get_by_role("checkbox", name="Leader").uncheck()
        person(page, "Lena Leader").get_by_role("button", name="Save roles").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Lena Leader is the team's only leader. Make someone else a leader first."
        )
        # The page shows her roles as they really are: still a leader, not a member.
        expect(roles_of(page, "Lena Leader").get_by_role("checkbox", name="Leader")).to_be_checked()
        expect(
            roles_of(page, "Lena Leader").get_by_role("checkbox", name="Member")
        ).not_to_be_checked()
        expect(page.get_by_text("You are:")).to_contain_text("Leader")
    finally:
        context.close()

"""Nothing lost: every refusal is explained in place, and what was typed stays.

Max takes on a new commitment while overloaded and renegotiates another first: he comes back to the
new one as he typed it. Then Lena archives the team while Max has forms open: his check-in, a new
commitment and a comment on the charter come back with his words and the reason, with JavaScript on.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from alignment.permissions import ARCHIVED_REFUSAL

pytestmark = pytest.mark.browser

ARCHIVED_START = "This team is archived"


def wait_for_htmx(page: Page) -> None:
    page.wait_for_function("() => window.htmx !== undefined")


def archive(team, leader) -> None:
    """Lena archives the team from its settings, in another window: Max's page does not know yet."""
    from alignment import services

    services.archive_team(team=team, actor=leader)


def test_renegotiating_first_brings_max_back_to_his_new_commitment(page, log_in, team, member, leader):
    from alignment.weeks import current_week
    from checkins.models import CheckIn, Commitment

    # Max said last week that he is overloaded; he owns a runbook due soon.
    CheckIn.objects.create(team=team, author=member, week=current_week(team).previous().monday,
                           state="submitted", submitted_at=timezone.now(), load="overloaded")
    runbook = Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                        standard="Kwame runs a failover from it alone", due_on=date(2027, 1, 8))
    log_in(page, "member@example.com", reverse("checkins:commitments", args=[team.organisation.slug, team.slug]))
    wait_for_htmx(page)

    # He types a new commitment and commits: first he is asked what he would rather renegotiate.
    new = page.get_by_role("region", name="Commit to something")
    new.get_by_label("What you commit to").fill("Alert inventory")
    new.get_by_label("Standard of completion").fill("Every alert has an owner and a runbook link")
    new.get_by_label("Due").fill("2027-01-15")
    new.get_by_role("button", name="Commit").click()
    expect(page.get_by_role("heading", name="Before you take this on")).to_be_visible()
    expect(page.get_by_text("“Alert inventory” is kept as you typed it")).to_be_visible()

    # He renegotiates the runbook...
    page.get_by_role("link", name="Renegotiate this one").click()
    asking = page.get_by_role("region", name="Ask to renegotiate")
    expect(asking).to_contain_text("After you ask, you go back to your new commitment “Alert inventory”")
    asking.get_by_role("radio", name="defer (a new date)").check()
    asking.get_by_label("Why").fill("On call twice this month.")
    asking.get_by_label("New due date (to defer)").fill("2027-01-22")
    asking.get_by_role("button", name="Ask to renegotiate").click()

    # ...and lands back on his new commitment, as he typed it, the overload question answered.
    expect(page.get_by_role("status").first).to_contain_text("Your new commitment “Alert inventory” is below")
    new = page.get_by_role("region", name="Commit to something")
    expect(new.get_by_label("What you commit to")).to_have_value("Alert inventory")
    expect(new.get_by_label("Standard of completion")).to_have_value("Every alert has an owner and a runbook link")
    expect(new.get_by_label("Due")).to_have_value("2027-01-15")
    expect(new.get_by_label("Why you take it on anyway")).to_have_value(
        "Asked to renegotiate “Failover runbook” first.")
    new.get_by_role("button", name="Commit").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Alert inventory")
    expect(page.locator(".commitment-facts")).to_contain_text("Asked to renegotiate “Failover runbook” first.")
    assert runbook.renegotiations.get().proposed_due_on == date(2027, 1, 22)


def test_a_check_in_open_when_the_team_is_archived_keeps_its_text_and_says_why(page, log_in, team, member, leader,
                                                                                ratified_charter):
    log_in(page, "member@example.com", reverse("checkins:this_week", args=[team.organisation.slug, team.slug]))
    wait_for_htmx(page)
    progress = page.get_by_label("What moved this week")
    status = page.locator("#draft-status")
    progress.fill("Release pipeline green again")
    expect(status).to_contain_text("Draft saved")

    archive(team, leader)

    # Saving as he types is refused on the status line; his words stay in the field.
    progress.fill("Release pipeline green again; two deploys.")
    expect(status).to_contain_text(f"Not saved: {ARCHIVED_START}")
    expect(progress).to_have_value("Release pipeline green again; two deploys.")

    # Submitting shows the page again with everything he typed and the reason.
    page.get_by_role("button", name="Submit check-in").click()
    expect(page.locator(".checkin-form .errors").first).to_contain_text(ARCHIVED_REFUSAL)
    expect(page.get_by_label("What moved this week")).to_have_value("Release pipeline green again; two deploys.")


def test_a_new_commitment_open_when_the_team_is_archived_keeps_its_text(page, log_in, team, member, leader):
    log_in(page, "member@example.com", reverse("checkins:commitments", args=[team.organisation.slug, team.slug]))
    new = page.get_by_role("region", name="Commit to something")
    new.get_by_label("What you commit to").fill("Alert inventory")
    new.get_by_label("Standard of completion").fill("Every alert has an owner")
    new.get_by_label("Due").fill("2027-01-15")

    archive(team, leader)
    new.get_by_role("button", name="Commit").click()

    new = page.get_by_role("region", name="Commit to something")
    expect(new.get_by_role("alert")).to_contain_text(ARCHIVED_REFUSAL)
    expect(new.get_by_label("What you commit to")).to_have_value("Alert inventory")
    expect(new.get_by_label("Standard of completion")).to_have_value("Every alert has an owner")


def test_a_comment_open_when_the_team_is_archived_is_refused_in_place(page, log_in, charter_url, team, member,
                                                                      leader, proposed_charter):
    log_in(page, "member@example.com", charter_url)
    wait_for_htmx(page)
    page.evaluate("window.__marker = 'same page'")
    comments = page.locator("#comments-purpose")
    comments.get_by_text("Comment on this section").click()
    comments.get_by_label("Your comment").fill("What about the carers?")

    archive(team, leader)
    comments.get_by_role("button", name="Comment", exact=True).click()

    # htmx swaps the refusal into the section: the same page, the reason and his words.
    expect(comments.get_by_role("alert")).to_contain_text(ARCHIVED_REFUSAL)
    expect(comments).to_contain_text("What about the carers?")
    assert page.evaluate("window.__marker") == "same page"

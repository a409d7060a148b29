"""Answering check-ins in the browser: the leader replies, acknowledges and decides; the member reads the answers.

Then a goal owner's new value travels from the check-in form to the trends chart and table and to the
charter. The app's clock stands still on the Wednesday of `MONDAY`'s week (the live server reads it too),
so every journey happens in one known week, whatever day the tests run.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, Response, expect

from alignment.weeks import current_week
from charters.models import Charter, Goal, KeyResult, NonNegotiable
from checkins.content import BlockerRow, CheckInContent, KeyResultEntry
from checkins.models import CheckIn, Renegotiation
from tests.browser.screens import PHONE
from tests.checkins.conftest import MONDAY, at

WEDNESDAY = at(2, "11:00")  # before the team's check-in time, Friday 10:00
REPLY = "Thanks, Max. I'll chase IT about the certificate before lunch."


def this_week(team) -> str:
    return reverse("checkins:this_week", args=[team.organisation.slug, team.slug])


def team_week(team) -> str:
    return reverse("checkins:week", args=[team.organisation.slug, team.slug])


def message(page: Page) -> Locator:
    """The message a page opens with after an action (not the draft's status line)."""
    return page.locator(".messages").get_by_role("status")


def thread_of_max(page: Page) -> Locator:
    return page.get_by_role("region", name="Replies to Max Member’s check-in")


def team_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Platform")


def fits_the_screen(page: Page) -> bool:
    """Nothing makes the page scroll sideways (wide tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= 390")


def saved_with(key_result: KeyResult, confidence: str):
    """The draft save that carries the confidence just chosen (the last change typed)."""

    def is_it(response: Response) -> bool:
        return (response.url.endswith("/check-ins/this-week/draft/")
                and f"kr_{key_result.pk}_confidence={confidence}" in (response.request.post_data or ""))

    return is_it


@pytest.fixture(autouse=True)
def wednesday(monkeypatch):
    """Stop the app's clock on Wednesday 18 Nov 2026, 11:00 in London, before any row is written."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY)


@pytest.fixture
def charter(team, member):
    """The active charter: Max owns the goal; its key result read 70%, on track, last Thursday."""
    from charters.services import record_progress

    active = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED,
                                    purpose_statement="Keep the hospital's software safe to change.")
    NonNegotiable.objects.create(charter=active, title="Reviewed code only", position=0)
    goal = Goal.objects.create(charter=active, objective="Release safely", purpose_part="outcome", owner=member)
    key_result = KeyResult.objects.create(goal=goal, metric="Deploys without rollback", unit="%",
                                          start_value=Decimal(60), target_value=Decimal(95))
    record_progress(key_result=key_result, actor=member, value=Decimal(70), confidence="on_track",
                    recorded_at=at(3, "16:00", monday=MONDAY - timedelta(days=7)))
    return active


@pytest.fixture
def key_result(charter) -> KeyResult:
    return KeyResult.objects.get(goal__charter=charter)


@pytest.fixture
def checkin_with_a_blocker(team, member, key_result) -> CheckIn:
    """Max's check-in this week, submitted: a blocker, a lower confidence, and a defer asked on his commitment."""
    from checkins import services

    commitment = services.create_commitment(
        team=team, owner=member, actor=member, title="Failover runbook",
        standard="Kwame runs a failover from it alone", due_on=date(2026, 12, 1))
    services.ask_to_renegotiate(commitment_id=commitment.pk, team=team, actor=member,
                                kind=Renegotiation.Kind.DEFER, due_on=date(2026, 12, 11),
                                reason="On call twice this month; the runbook needs a quiet week.")
    return services.submit_checkin(
        team=team, author=member, week=current_week(team), expected_version=0, content=CheckInContent(
            progress="Release pipeline green again; two deploys.", load="about_right",
            blockers=(BlockerRow(0, "Staging VPN certificate expired"),),
            key_results=(KeyResultEntry(key_result, Decimal("72.5"), "at_risk"),)))


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_leader_answers_a_check_in_and_the_member_reads_the_answers(browser: Browser, live_server, log_in, team,
                                                                     leader, checkin_with_a_blocker, javascript):
    week_url = live_server.url + team_week(team)
    leader_page = browser.new_context(java_script_enabled=javascript).new_page()
    try:
        # Lena opens the team's week: Max's check-in, the confidence that fell, his blocker and his request.
        log_in(leader_page, "leader@example.com", team_week(team))
        checkins = leader_page.get_by_role("region", name="Check-ins", exact=True)
        expect(checkins).to_contain_text("Release pipeline green again; two deploys.")
        expect(leader_page.get_by_role("region", name="Confidence that fell this week")).to_contain_text(
            re.compile(r"Deploys without rollback \(Release safely\): on track → at risk · now 72\.5%"))
        thread = thread_of_max(leader_page)
        expect(thread.get_by_role("button", name="Acknowledge")).to_be_visible()

        # She replies.
        if javascript:
            # In place: the reply joins the thread, the box empties, and the page is the same page.
            leader_page.evaluate("window.stillTheSamePage = true")
            thread.get_by_label("Your reply").fill(REPLY)
            thread.get_by_role("button", name="Send reply").click()
            expect(thread).to_contain_text(REPLY)
            expect(thread.get_by_label("Your reply")).to_have_value("")
            expect(leader_page).to_have_url(week_url)
            assert leader_page.evaluate("window.stillTheSamePage === true")
            expect(message(leader_page)).to_have_count(0)
        else:
            # A plain post, and back to the week at the thread.
            thread.get_by_label("Your reply").fill(REPLY)
            thread.get_by_role("button", name="Send reply").click()
            expect(message(leader_page)).to_have_text("Reply sent.")
            expect(leader_page).to_have_url(re.compile(re.escape(week_url) + r"#thread-\d+$"))
            expect(thread).to_contain_text(REPLY)
            expect(thread.get_by_label("Your reply")).to_have_value("")
        expect(thread.locator(".replies li")).to_have_count(1)

        # She acknowledges it.
        thread.get_by_role("button", name="Acknowledge").click()
        expect(message(leader_page)).to_have_text("Acknowledged Max Member’s check-in.")
        expect(thread).to_contain_text("Acknowledged by Lena Leader · Wed 18 Nov")
        expect(thread.get_by_role("button", name="Acknowledge")).to_have_count(0)

        # She accepts the defer, with a comment.
        pending = leader_page.get_by_role("region", name="Pending renegotiations and requests")
        expect(pending).to_contain_text("Max Member asks to defer (a new date): Failover runbook")
        pending.get_by_label("Your comment").fill("Take the quiet week.")
        pending.get_by_role("button", name="Accept").click()
        expect(message(leader_page)).to_have_text("Accepted: defer (a new date): Failover runbook.")
        expect(pending).to_contain_text("No renegotiation waits for an answer")

        # She resolves the blocker with a note.
        blockers = leader_page.get_by_role("region", name="Open blockers")
        expect(blockers).to_contain_text("Staging VPN certificate expired")
        blockers.get_by_label("Resolution note").fill("IT renewed the certificate")
        blockers.get_by_role("button", name="Resolve").click()
        expect(message(leader_page)).to_have_text("Resolved: “Staging VPN certificate expired”.")
        expect(blockers).to_contain_text("No open blockers")

        # Max's check-in page has it all: the resolved blocker, the acknowledgement, the reply.
        checkins.get_by_role("link", name="Max Member").click()
        expect(leader_page.get_by_role("heading", level=1)).to_contain_text("Max Member’s check-in")
        expect(leader_page.locator(".checkin-blockers")).to_contain_text(
            "Staging VPN certificate expired resolved by Lena Leader — IT renewed the certificate")
        expect(thread).to_contain_text("Acknowledged by Lena Leader")
        expect(thread).to_contain_text(REPLY)
    finally:
        leader_page.context.close()

    member_page = browser.new_context().new_page()
    try:
        # Max opens this week's check-in: beside it, Lena's answers.
        log_in(member_page, "member@example.com", this_week(team))
        answers = member_page.get_by_role("complementary", name="Replies from your leaders")
        expect(answers).to_contain_text(REPLY)
        expect(answers).to_contain_text("Acknowledged by Lena Leader")
        expect(member_page.get_by_role("group", name="Blockers", exact=True)).to_contain_text(
            "Resolved: Staging VPN certificate expired — IT renewed the certificate")

        # His commitment is due on the new date, and its history says who agreed.
        member_page.get_by_role("complementary", name="Your open commitments").get_by_role(
            "link", name="Failover runbook").click()
        expect(member_page.locator("#due-on")).to_have_text("Fri 11 Dec 2026")
        history = member_page.get_by_role("region", name="History")
        expect(history).to_contain_text("accepted")
        expect(history).to_contain_text("Accepted by Lena Leader")
        expect(history).to_contain_text("Take the quiet week.")
    finally:
        member_page.context.close()


@pytest.mark.browser
def test_goal_owner_checks_in_a_new_value_and_finds_it_in_trends_and_on_the_charter(browser: Browser, live_server,
                                                                                   log_in, team, member,
                                                                                   key_result):
    page = browser.new_context().new_page()
    try:
        # Max writes his check-in, with the key result's new value and his confidence in it.
        log_in(page, "member@example.com", this_week(team))
        page.get_by_label("What moved this week").fill("Canary deploys on for the ward apps.")
        page.get_by_role("radio", name="about right").check()
        row = page.get_by_role("group", name="Your key results").get_by_role(
            "group", name="Deploys without rollback")
        row.get_by_label("New value").fill("72.5")
        with page.expect_response(saved_with(key_result, "at_risk")):
            row.get_by_label("Confidence").select_option(label="at risk")
        # The last draft save has landed (its version is the form's), so submitting meets no conflict.
        saved = CheckIn.objects.get(team=team, author=member)
        expect(page.locator("#id_version")).to_have_value(str(saved.version))
        page.get_by_role("button", name="Submit check-in").click()
        expect(message(page)).to_contain_text("Check-in submitted")

        # On Trends, this week's marker on the chart says the new value.
        team_nav(page).get_by_role("link", name="Trends").click()
        chart = page.get_by_role("img", name=re.compile(r"^Deploys without rollback"))
        expect(chart).to_have_class(re.compile(r"\bline-chart\b"))
        expect(chart.locator("circle")).to_have_count(2)  # one per week with a reading
        expect(chart.locator("circle > title")).to_have_text([
            "Week of 9 Nov 2026: 70%, on track",
            "Week of 16 Nov 2026: 72.5%, at risk",
        ])

        # The same readings as a table, once opened.
        table = page.get_by_role("table", name="Deploys without rollback, week by week")
        expect(table).to_be_hidden()
        page.get_by_text("Deploys without rollback as a table").click()
        expect(table).to_be_visible()
        expect(table.get_by_role("row", name=re.compile(r"^16 Nov 2026")).get_by_role("cell")).to_have_text(
            ["72.5%", "at risk", "yes"])
        expect(table.get_by_role("row", name=re.compile(r"^9 Nov 2026")).get_by_role("cell")).to_have_text(
            ["70%", "on track", "yes"])

        # The charter shows it as the key result's current value.
        team_nav(page).get_by_role("link", name="Charter", exact=True).click()
        current = page.get_by_role("row", name=re.compile(r"^Deploys without rollback")).locator(".latest-value")
        expect(current).to_contain_text("72.5%")
        expect(current).to_contain_text("18 Nov 2026 by Max Member")
    finally:
        page.context.close()


@pytest.mark.browser
def test_team_week_and_trends_fit_a_phone(browser: Browser, live_server, log_in, team, leader,
                                          checkin_with_a_blocker):
    page = browser.new_context(viewport=PHONE).new_page()
    try:
        log_in(page, "leader@example.com", team_week(team))
        expect(thread_of_max(page).get_by_label("Your reply")).to_be_visible()
        assert fits_the_screen(page)

        team_nav(page).get_by_role("link", name="Trends").click()
        expect(page.get_by_role("img", name=re.compile(r"^Deploys without rollback"))).to_be_visible()
        page.get_by_text("Deploys without rollback as a table").click()
        table = page.get_by_role("table", name="Deploys without rollback, week by week")
        expect(table).to_be_visible()
        assert fits_the_screen(page)
        # Its four columns fit a phone: nothing of it is off screen in a box scrolled sideways.
        assert table.locator("xpath=..").evaluate("box => box.scrollWidth <= box.clientWidth")
    finally:
        page.context.close()

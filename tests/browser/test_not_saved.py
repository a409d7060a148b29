"""A post that fails says so where it was sent, and keeps what was typed: "Not saved — try again."

One script (static/js/not-saved.js) serves every htmx form. Here it is shown on the two forms people
type the most into: a retrospective card and this week's check-in draft. Each fails for real in the
browser, once with the server answering 500 and once with the network dropping the request
(Playwright's routing), and each is then sent again with the network back: it saves and the notice goes.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Route, expect

from checkins.models import CheckIn
from reviews.models import RetroCard
from reviews.retro import services
from tests.reviews.retro_factories import REVIEW_DAY, charter_in_force, open_cycle, prompt_of, session

pytestmark = pytest.mark.browser

NOT_SAVED = "Not saved — try again."
LIVE = 5000  # ms: the board polls every 2 s


def failing(how: str):
    """A route handler that breaks posts (`"500"`: the server errs; `"abort"`: the network fails) and lets reads by."""

    def handle(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif how == "abort":
            route.abort("connectionfailed")
        else:
            route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>")

    return handle


def page_errors(page: Page) -> list[str]:
    """Uncaught script errors (a failed request's own console line is expected, and not one of these)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def review_day(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY)


def test_a_card_that_fails_to_send_stays_typed_and_saves_on_retry(browser, live_server, log_in, review_day, team,
                                                                   facilitator, member):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="collect")
    cards_url = live_server.url + reverse("reviews:retro_card_add", args=[team.organisation.slug, team.slug, retro.pk])
    page = browser.new_context().new_page()
    errors = page_errors(page)
    try:
        log_in(page, member.email, retro.get_absolute_url())
        keep = page.locator(".prompt").filter(has=page.get_by_role("heading", name="What should we keep doing?"))
        card_form = keep.locator("form.card-form")
        field = card_form.get_by_label("Your card")

        # The server fails: the card form says so, and Max's words are still in it.
        page.route(cards_url, failing("500"))
        field.fill("Pairing on every deploy")
        card_form.get_by_role("button", name="Add card").click()
        expect(card_form.get_by_role("alert")).to_have_text(NOT_SAVED)
        expect(field).to_have_value("Pairing on every deploy")
        assert not RetroCard.objects.filter(retrospective=retro).exists()

        # Someone else's card swaps the board in the meantime: the notice and the words stay.
        services.add_card(retrospective_id=retro.pk, team=team, author=facilitator,
                          prompt_id=prompt_of(retro, "change").pk, text="Releases pile up on Thursdays",
                          token=uuid.uuid4())
        expect(page.get_by_text("Releases pile up on Thursdays")).to_be_visible(timeout=LIVE)
        expect(card_form.get_by_role("alert")).to_have_text(NOT_SAVED)
        expect(field).to_have_value("Pairing on every deploy")

        # He tries again once it works: the card is on the board, the notice gone, the field empty.
        page.unroute(cards_url)
        card_form.get_by_role("button", name="Add card").click()
        expect(keep.locator(".retro-card")).to_contain_text("Pairing on every deploy")
        expect(card_form.get_by_role("alert")).to_have_count(0)
        expect(field).to_have_value("")

        # The network drops the next one: the same notice, the same care for what he typed.
        page.route(cards_url, failing("abort"))
        field.fill("Quiet on-call weeks")
        card_form.get_by_role("button", name="Add card").click()
        expect(card_form.get_by_role("alert")).to_have_text(NOT_SAVED)
        expect(field).to_have_value("Quiet on-call weeks")
        page.unroute(cards_url)
        card_form.get_by_role("button", name="Add card").click()
        expect(keep.locator(".retro-card").filter(has_text="Quiet on-call weeks")).to_be_visible()
        expect(card_form.get_by_role("alert")).to_have_count(0)
    finally:
        page.context.close()
    assert errors == []
    assert sorted(RetroCard.objects.filter(retrospective=retro, author=member).values_list("text", flat=True)) == [
        "Pairing on every deploy", "Quiet on-call weeks"]


def test_a_check_in_draft_that_fails_to_save_says_so_until_it_saves(browser, live_server, log_in, team, member):
    this_week = reverse("checkins:this_week", args=[team.organisation.slug, team.slug])
    draft_url = live_server.url + reverse("checkins:save_draft", args=[team.organisation.slug, team.slug])
    page = browser.new_context().new_page()
    errors = page_errors(page)
    try:
        log_in(page, member.email, this_week)
        form = page.locator("form.checkin-form")
        progress = page.get_by_label("What moved this week")

        # The draft saves itself as Max types; the server fails that save.
        page.route(draft_url, failing("500"))
        progress.fill("Release pipeline green again")
        expect(form.get_by_role("alert")).to_have_text(NOT_SAVED)
        expect(progress).to_have_value("Release pipeline green again")

        # He goes on typing once it works: the draft is saved and the notice goes.
        page.unroute(draft_url)
        progress.fill("Release pipeline green again; two deploys.")
        expect(page.locator("#draft-status")).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d"))
        expect(form.get_by_role("alert")).to_have_count(0)

        # The network drops a later save: said again, and his words kept.
        page.route(draft_url, failing("abort"))
        progress.fill("Release pipeline green again; three deploys.")
        expect(form.get_by_role("alert")).to_have_text(NOT_SAVED)
        expect(progress).to_have_value("Release pipeline green again; three deploys.")
        page.unroute(draft_url)
        progress.press("End")
        progress.press_sequentially("!")
        expect(form.get_by_role("alert")).to_have_count(0)
        expect(page.locator("#draft-status")).to_contain_text("Draft saved")
    finally:
        page.context.close()
    assert errors == []
    assert CheckIn.objects.get(author=member, team=team).progress == "Release pipeline green again; three deploys.!"

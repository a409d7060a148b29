"""A charter review, facilitated live: Fay runs it, Max and Kwame take part from their own browsers.

Fay opens the session, makes the cards anonymous and starts; Max and Kwame, already on the page, see
every phase change, each other's cards, the vote closing and the discussion timer without reloading.
They review last cycle's action, write cards and rate the non-negotiables, group, vote, discuss on the
clock and agree a commitment and an amendment; the session closes with its summary. A second journey
does the collect and vote phases with JavaScript off, as plain form posts.

The app's clock stands still (the live server reads it too), so the timer always starts at 5:00.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from charters.models import Charter
from checkins.models import Commitment
from reviews.models import NonNegotiableRating, RetroAction, RetroCard, Retrospective, ReviewCycle
from tests.charters.factories import ratified_charter
from tests.reviews.retro_factories import CYCLE_START, REVIEW_DAY, closed_cycle, open_cycle, prompt_of

pytestmark = pytest.mark.browser

LIVE = 5000  # ms: the board polls every 2 s; anything later than that is a failure


@pytest.fixture(autouse=True)
def review_day(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY)


@pytest.fixture
def cycle(team, leader, member, facilitator, kwame):
    """The charter in force (ratified through the services, so an amendment starts from it), the cycle under
    review, and last cycle's session with one action to review."""
    charter = ratified_charter(team, leader, non_negotiables=2)
    ReviewCycle.objects.filter(team=team).delete()  # ratifying opened one today; these tests set their dates
    earlier = closed_cycle(team, charter, number=1, start=CYCLE_START - timedelta(weeks=6))
    before = Retrospective.objects.create(team=team, cycle=earlier, facilitator=facilitator, phase="closed",
                                          closed_at=REVIEW_DAY - timedelta(weeks=6))
    RetroAction.objects.create(retrospective=before, kind="commitment", title="Give every alert a runbook",
                               owner=member, due_on=CYCLE_START, standard="No alert without one")
    return open_cycle(team, charter, number=2)


def phase(page: Page):
    return page.locator("#phase-title")


def prompt(page: Page, question: str):
    return page.locator(".prompt").filter(has=page.get_by_role("heading", name=question))


def theme_card(page: Page, name: str):
    return page.locator(".theme").filter(has=page.get_by_role("heading", name=name))


class ConsoleErrors(list):
    """The error lines the pages write to their console while the journey runs, but for a poll the browser
    aborted because its page went on to another (htmx writes "htmx:afterRequest" and "htmx:sendAbort" for
    it). Call `stop()` before closing the pages, which aborts their polls too."""

    def __init__(self, *pages: Page):
        super().__init__()
        self.listening = True
        for page in pages:
            page.on("console", self._heard)

    def _heard(self, message) -> None:
        if self.listening and message.type == "error":
            self.append(message.text)

    def stop(self) -> list[str]:
        self.listening = False
        aborted = {n for n, line in enumerate(self) if line.startswith("htmx:sendAbort")}
        aborted |= {n - 1 for n in aborted if n and self[n - 1].startswith("htmx:afterRequest")}
        return [line for n, line in enumerate(self) if n not in aborted]


def test_a_facilitated_charter_review_from_last_actions_to_closed(browser: Browser, live_server, log_in, team, cycle,
                                                                   facilitator, member, kwame):
    retrospectives = reverse("reviews:retrospectives", args=[team.organisation.slug, team.slug])
    fay = browser.new_context().new_page()
    max_ = browser.new_context().new_page()
    kwame_page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors = ConsoleErrors(fay, max_, kwame_page)
    try:
        # Fay opens the cycle's retrospective from the team's retrospectives.
        log_in(fay, facilitator.email, retrospectives)
        fay.get_by_role("button", name="Open the retrospective").click()
        expect(phase(fay)).to_have_text("Getting ready")
        session_url = fay.url

        # Max and Kwame join while she gets it ready.
        log_in(max_, member.email, session_url.removeprefix(live_server.url))
        log_in(kwame_page, kwame.email, session_url.removeprefix(live_server.url))
        expect(max_.get_by_text("Fay Facilitator is getting the session ready")).to_be_visible()

        # Anonymity is chosen before the start.
        fay.get_by_label("Anonymous cards").check()
        fay.get_by_role("button", name="Save settings").click()
        expect(fay.locator(".retro-status")).to_have_text("Settings saved.")
        fay.get_by_role("button", name="Start the retrospective").click()

        # Everyone sees the first phase, without reloading: last cycle's action.
        for page in (fay, max_, kwame_page):
            expect(phase(page)).to_have_text("Review last actions", timeout=LIVE)
        expect(max_.locator("#last-actions")).to_contain_text("Give every alert a runbook")
        fay.locator("#last-actions").get_by_role("button", name="Done", exact=True).click()
        expect(max_.locator("#last-actions")).to_contain_text("done", timeout=LIVE)
        fay.get_by_role("button", name="Next: Collect").click()

        # Collect: cards under the charter's prompts, anonymous; the non-negotiables rated.
        expect(phase(max_)).to_have_text("Collect", timeout=LIVE)
        expect(phase(kwame_page)).to_have_text("Collect", timeout=LIVE)
        keep = prompt(max_, "What should we keep doing?")
        keep.get_by_label("Your card").fill("Pairing on every deploy")
        keep.get_by_role("button", name="Add card").click()
        expect(keep.locator(".retro-card")).to_contain_text("Pairing on every deploy")
        expect(keep.locator(".retro-card")).to_contain_text("Yours")
        first_nn = max_.locator(".prompt").filter(has=max_.locator(".rating-form")).first
        first_nn.get_by_label("strained").check()  # saved as soon as it is chosen
        expect(max_.locator(".retro-status")).to_have_text("Ratings saved.")
        change = prompt(kwame_page, "What should we change?")
        change.get_by_label("Your card").fill("Releases pile up on Thursdays")
        change.get_by_role("button", name="Add card").click()
        # Each sees the other's card appear, with nobody's name on it.
        other = prompt(kwame_page, "What should we keep doing?").locator(".retro-card")
        expect(other).to_contain_text("Pairing on every deploy", timeout=LIVE)
        expect(other).not_to_contain_text("Max")
        expect(prompt(max_, "What should we change?").locator(".retro-card")).to_contain_text(
            "Releases pile up on Thursdays", timeout=LIVE)
        expect(prompt(fay, "What should we change?").locator(".retro-card")).to_contain_text(
            "Releases pile up on Thursdays", timeout=LIVE)
        fay.get_by_role("button", name="Next: Group").click()

        # Group: Fay ticks both cards into one named theme; everyone sees it.
        expect(phase(kwame_page)).to_have_text("Group", timeout=LIVE)
        fay.get_by_label("Pairing on every deploy").check()
        fay.get_by_label("Releases pile up on Thursdays").check()
        fay.get_by_label("New theme").fill("Release rhythm")
        fay.get_by_role("button", name="Group the ticked cards").click()
        expect(theme_card(kwame_page, "Release rhythm")).to_contain_text("Releases pile up on Thursdays",
                                                                           timeout=LIVE)
        fay.get_by_role("button", name="Next: Vote").click()

        # Vote: counts hidden from everyone until the vote ends.
        expect(phase(max_)).to_have_text("Vote", timeout=LIVE)
        rhythm = theme_card(max_, "Release rhythm")
        rhythm.get_by_role("button", name="Vote for Release rhythm").click()
        expect(rhythm).to_contain_text("your vote: 1")
        rhythm.get_by_role("button", name="Vote for Release rhythm").click()
        expect(theme_card(max_, "Release rhythm")).to_contain_text("your votes: 2")
        expect(phase(kwame_page)).to_have_text("Vote", timeout=LIVE)
        theme_card(kwame_page, "Release rhythm").get_by_role("button", name="Vote for Release rhythm").click()
        expect(fay.locator("#phase")).to_contain_text("3 votes cast so far, by 2 people", timeout=LIVE)
        expect(fay.locator(".votes")).to_have_count(0)
        fay.get_by_role("button", name="Next: Discuss").click()

        # Discuss: the vote closes for everyone, and the timer runs on every screen.
        expect(theme_card(max_, "Release rhythm").locator(".votes")).to_have_text("3 votes", timeout=LIVE)
        fay.get_by_role("button", name="Discuss for 5 minutes").click()
        for page in (max_, kwame_page):
            expect(page.locator(".timer")).to_contain_text("left for “Release rhythm”", timeout=LIVE)
            expect(page.locator(".timer-clock")).to_have_text(re.compile(r"^[45]:\d\d$"))
        reading = kwame_page.locator(".timer-clock").inner_text()
        expect(kwame_page.locator(".timer-clock")).not_to_have_text(reading)  # it counts down by itself
        note = theme_card(max_, "Release rhythm")
        note.get_by_label("Note").fill("Release on Tuesdays and Wednesdays")
        note.get_by_role("button", name="Add note").click()
        expect(theme_card(fay, "Release rhythm")).to_contain_text("Release on Tuesdays and Wednesdays",
                                                                    timeout=LIVE)
        fay.get_by_role("button", name="Next: Actions").click()

        # Actions: a commitment for Max, and an amendment to the charter for the leader.
        expect(phase(max_)).to_have_text("Actions", timeout=LIVE)
        form = fay.locator(".action-form")
        form.get_by_label("What we will do").fill("Write the release checklist")
        form.get_by_label("Owner").select_option(label="Max Member")
        form.get_by_label("Standard of completion (for a commitment)").fill("Used for the next two releases")
        form.get_by_role("button", name="Add action").click()
        expect(fay.locator(".retro-status")).to_contain_text("Max Member is asked to accept it.")
        form = fay.locator(".action-form")
        form.get_by_label("charter amendment").check()
        form.get_by_label("What we will do").fill("Make the Friday rule a boundary")
        form.get_by_label("Owner").select_option(label="Lena Leader")
        form.get_by_label("Proposed change to the charter (for an amendment)").fill(
            "Move the Friday rule to the boundaries, fixed by the clinics.")
        form.get_by_label("Part of the charter (for an amendment)").select_option(label="Non-negotiables")
        form.get_by_role("button", name="Add action").click()
        expect(fay.locator(".retro-status")).to_contain_text("Amendment noted in charter version 2")
        expect(max_.locator("#actions")).to_contain_text("Write the release checklist", timeout=LIVE)
        fay.get_by_role("button", name="Close the retrospective").click()

        # Closed: everyone lands on the summary's links.
        for page in (fay, max_, kwame_page):
            expect(phase(page)).to_have_text("Closed", timeout=LIVE)
        kwame_page.get_by_role("link", name="Read its summary").click()
        expect(kwame_page.get_by_role("heading", name="Retrospective of cycle 2")).to_be_visible()
        expect(kwame_page.locator("main")).to_contain_text("Write the release checklist")
        assert kwame_page.evaluate("document.documentElement.scrollWidth <= 390")
    finally:
        seen = errors.stop()
        for page in (fay, max_, kwame_page):
            page.context.close()

    commitment = Commitment.objects.get(title="Write the release checklist")
    assert (commitment.owner, commitment.state) == (member, "requested")
    assert Charter.objects.working().get(team=team).comments.exists()
    assert NonNegotiableRating.objects.get().rating == "strained"
    assert RetroCard.objects.count() == 2
    # Three browsers poll while the others post. SQLite's in-memory test database shares one cache between
    # the live server's threads and locks whole tables ("database table is locked", a 500 the next poll
    # makes good); the file database the app runs on (WAL) does not, as tests/test_sqlite_concurrency.py shows.
    if connection.vendor != "sqlite":
        assert seen == []


def test_collecting_and_voting_without_javascript(browser: Browser, live_server, log_in, team, cycle, facilitator,
                                                  kwame):
    from reviews.retro import services

    retro = services.start_retrospective(team=team, actor=facilitator)
    Retrospective.objects.filter(pk=retro.pk).update(phase="collect")
    page = browser.new_context(java_script_enabled=False).new_page()
    try:
        log_in(page, kwame.email, retro.get_absolute_url())
        expect(phase(page)).to_have_text("Collect")
        expect(page.get_by_role("link", name="Refresh")).to_be_visible()

        # A card, as a plain form post: the page comes back with it and says so.
        keep = prompt(page, "What should we keep doing?")
        keep.get_by_label("Your card").fill("Quiet on-call weeks")
        keep.get_by_role("button", name="Add card").click()
        expect(page.locator(".messages")).to_contain_text("Card added.")
        expect(prompt(page, "What should we keep doing?").locator(".retro-card")).to_contain_text(
            "Quiet on-call weeks")
        # Rating without JavaScript: choose, then save.
        rated = page.locator(".prompt").filter(has=page.locator(".rating-form")).first
        rated.get_by_label("held").check()
        rated.get_by_role("button", name="Save rating").click()
        expect(page.locator(".messages")).to_contain_text("Ratings saved.")

        # The facilitator moves on; without JavaScript Kwame refreshes to see it.
        services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="collect")
        services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="group")
        page.get_by_role("link", name="Refresh").click()
        expect(phase(page)).to_have_text("Vote")
        quiet = theme_card(page, "Quiet on-call weeks")  # a lone card became a theme of its own
        quiet.get_by_role("button", name="Vote for Quiet on-call weeks").click()
        expect(page.locator(".messages")).to_contain_text("Vote cast.")
        expect(theme_card(page, "Quiet on-call weeks")).to_contain_text("your vote: 1")
        expect(page.locator("#phase")).to_contain_text("You have 2 of 3 votes left")
    finally:
        page.context.close()


def collecting(team, facilitator) -> Retrospective:
    """The cycle's session, started and collecting cards."""
    from reviews.retro import services

    retro = services.start_retrospective(team=team, actor=facilitator)
    Retrospective.objects.filter(pk=retro.pk).update(phase="collect")
    return retro


def test_what_someone_types_survives_the_live_board_and_empties_once_added(browser: Browser, live_server, log_in,
                                                                          team, cycle, facilitator, member, kwame):
    from reviews.retro import services

    retro = collecting(team, facilitator)
    max_ = browser.new_context().new_page()
    errors = ConsoleErrors(max_)
    try:
        log_in(max_, member.email, retro.get_absolute_url())
        expect(phase(max_)).to_have_text("Collect")

        # Max is halfway through a card when Kwame's card arrives: only the cards under Kwame's prompt and the
        # count are swapped in, the board itself stays, and so do Max's words, his focus and where he types.
        try_next = prompt(max_, "What should we try next cycle?")
        field = try_next.get_by_label("Your card")
        field.fill("Demo day every cycle")
        max_.evaluate("document.getElementById('board').dataset.seen = 'before'")
        services.add_card(retrospective_id=retro.pk, team=team, author=kwame, prompt_id=prompt_of(retro, "change").pk,
                          text="Releases pile up on Thursdays", token=uuid.uuid4())
        expect(prompt(max_, "What should we change?").locator(".retro-card")).to_contain_text(
            "Releases pile up on Thursdays", timeout=LIVE)
        expect(max_.locator("#phase")).to_contain_text("1 card so far")
        expect(field).to_have_value("Demo day every cycle")
        expect(field).to_be_focused()
        assert max_.evaluate("document.getElementById('board').dataset.seen") == "before"

        # Kwame writes under the very prompt Max is typing in: the cards above his field change, his field doesn't.
        services.add_card(retrospective_id=retro.pk, team=team, author=kwame, prompt_id=prompt_of(retro, "try").pk,
                          text="Rotate the demo host", token=uuid.uuid4())
        expect(try_next.locator(".retro-card")).to_contain_text("Rotate the demo host", timeout=LIVE)
        expect(field).to_be_focused()
        max_.keyboard.type(", with cake")
        expect(field).to_have_value("Demo day every cycle, with cake")
        assert max_.evaluate("document.getElementById('board').dataset.seen") == "before"

        # He adds it: the card is on the board and its field is empty for the next one.
        try_next.get_by_role("button", name="Add card").click()
        expect(try_next.locator(".retro-card.mine")).to_contain_text("Demo day every cycle, with cake")
        expect(try_next.get_by_label("Your card")).to_have_value("")
    finally:
        seen = errors.stop()
        max_.context.close()
    assert seen == []


def test_a_name_changed_outside_the_session_reaches_an_open_board_within_half_a_minute(
        browser: Browser, live_server, log_in, team, cycle, facilitator, member, kwame, monkeypatch):
    from django.utils import timezone

    from reviews.retro import live, services

    retro = collecting(team, facilitator)
    max_ = browser.new_context().new_page()
    errors = ConsoleErrors(max_)
    try:
        log_in(max_, member.email, retro.get_absolute_url())
        expect(max_.locator("#board-facts")).to_contain_text(f"Facilitated by {facilitator.name}.")
        max_.evaluate("document.getElementById('board').dataset.seen = 'before'")

        # Fay renames herself: no write of the session's, so its version stays, and the board's polls are told
        # nothing new until the board they show is due to be drawn again.
        facilitator.display_name = "Fay Fairweather"
        facilitator.save()
        monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY + timedelta(seconds=live.RECHECK_SECONDS))

        expect(max_.locator("#board-facts")).to_contain_text("Facilitated by Fay Fairweather.", timeout=LIVE)
        assert max_.evaluate("document.getElementById('board').dataset.seen") == "before"  # a region, not the board

        # The poller came back with the new time and goes on: the session's next write arrives as before.
        services.add_card(retrospective_id=retro.pk, team=team, author=kwame, prompt_id=prompt_of(retro, "change").pk,
                          text="Releases pile up on Thursdays", token=uuid.uuid4())
        expect(prompt(max_, "What should we change?").locator(".retro-card")).to_contain_text(
            "Releases pile up on Thursdays", timeout=LIVE)
    finally:
        seen = errors.stop()
        max_.context.close()
    assert seen == []

"""An organisation admin finds their way around the alignment map: pages of teams, a search by name,
a filter for teams without a ratified charter, and a team's charter one click away. With and
without JavaScript, on a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.browser.screens import PHONE


@pytest.fixture
def many_teams(organisation, other_team):
    """24 more teams, none with a ratified charter: with Platform and Growth, two pages of cards."""
    from alignment.models import Team

    Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {n:02}", slug=f"team-{n:02}")
                             for n in range(1, 25))


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_an_admin_pages_searches_and_filters_the_map_then_reads_a_charter(
    browser: Browser, log_in, javascript, ratified_charter, many_teams, organisation, leader
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, "leader@example.com", reverse("organisation", args=[organisation.slug]))

    expect(page.get_by_role("heading", level=1, name="Harbour Health")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("25 of 26 teams have no ratified charter yet.")
    expect(page.locator(".map-count")).to_have_text("26 teams · page 1 of 2")
    expect(page.locator("article.team-card")).to_have_count(24)
    signals = page.get_by_role("region", name="Where teams meet")
    expect(signals).to_contain_text("No signals")
    expect(signals.get_by_role("link", name="Tags")).to_be_visible()
    assert fits_the_screen(page)

    page.get_by_role("navigation", name="Pages of teams").get_by_role("link", name="Next ›").click()
    expect(page.locator("article.team-card")).to_have_count(2)
    expect(page.get_by_role("navigation", name="Pages of teams")).to_contain_text("Page 2 of 2")

    search = page.get_by_role("search", name="Find teams")
    search.get_by_label("Team name").fill("plat")
    search.get_by_role("button", name="Show teams").click()
    expect(page.locator(".map-count")).to_have_text("1 team found")
    card = page.locator("article.team-card")
    expect(card).to_contain_text("Keep the hospital's software safe to change.")
    expect(card).to_contain_text("your team")

    card.get_by_role("link", name="Read the charter of Platform").click()
    expect(page.get_by_role("heading", level=1, name="Platform charter")).to_be_visible()
    page.go_back()

    search = page.get_by_role("search", name="Find teams")
    search.get_by_label("Team name").fill("")
    search.get_by_label("Show").select_option(label="No ratified charter yet")
    search.get_by_role("button", name="Show teams").click()
    expect(page.locator(".map-count")).to_have_text("25 teams found · page 1 of 2")
    expect(page.get_by_role("heading", level=3, name="Platform")).to_have_count(0)
    expect(page.get_by_role("heading", level=3, name="Growth")).to_be_visible()
    assert fits_the_screen(page)
    context.close()


@pytest.mark.browser
def test_someone_from_another_team_reads_the_same_card_and_sees_a_new_reading_at_once(
    browser: Browser, log_in, ratified_charter, organisation, leader, outsider
):
    """Platform's card is kept for every reader of the map: Growth's leader reads it as the admin did,
    without the "your team" that is the admin's own, and a reading recorded since shows on the next visit."""
    from charters import services
    from charters.models import KeyResult

    admin_context, context = browser.new_context(), browser.new_context()
    admin_page, page = admin_context.new_page(), context.new_page()
    url = reverse("organisation", args=[organisation.slug])
    log_in(admin_page, "leader@example.com", url)
    log_in(page, "outsider@example.com", url)

    platform = page.locator("article.team-card", has=page.get_by_role("heading", level=3, name="Platform"))
    theirs = admin_page.locator("article.team-card", has=admin_page.get_by_role("heading", level=3, name="Platform"))
    expect(platform).to_contain_text("Keep the hospital's software safe to change.")
    expect(platform).not_to_contain_text("your team")
    expect(platform.get_by_role("heading", level=3).get_by_role("link")).to_have_count(0)
    expect(theirs).to_contain_text("your team")
    assert platform.locator(".team-purpose").inner_html() == theirs.locator(".team-purpose").inner_html()
    expect(platform).to_contain_text("1 no reading yet")

    services.record_progress(key_result=KeyResult.objects.get(goal__charter=ratified_charter), actor=leader,
                             value=2, confidence="at_risk")
    page.reload()

    expect(platform).to_contain_text("1 at risk")
    expect(platform).not_to_contain_text("no reading yet")
    admin_context.close()
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_reader_finds_the_team_whose_confidence_fell_and_loses_it_once_it_recovers(
    browser: Browser, log_in, javascript, ratified_charter, organisation, other_team, leader, outsider
):
    """Platform's key result goes from on track to at risk: Growth's member filters the map by "Confidence falling"
    and finds Platform alone, its card saying what fell; once a reading is back on track, the same filter finds no
    team. On a phone, with and without JavaScript."""
    from charters import services
    from charters.models import KeyResult

    key_result = KeyResult.objects.get(goal__charter=ratified_charter)
    for confidence in ("on_track", "at_risk"):
        services.record_progress(key_result=key_result, actor=leader, value=2, confidence=confidence)
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, "outsider@example.com", reverse("organisation", args=[organisation.slug]))

    search = page.get_by_role("search", name="Find teams")
    search.get_by_label("Show").select_option(label="Confidence falling")
    search.get_by_role("button", name="Show teams").click()
    expect(page.locator(".map-count")).to_have_text("1 team found")
    card = page.locator("article.team-card")
    expect(card.get_by_role("heading", level=3)).to_have_text("Platform")
    expect(card).to_contain_text("1 falling")
    assert fits_the_screen(page)

    services.record_progress(key_result=key_result, actor=leader, value=3, confidence="on_track")
    page.reload()
    expect(page.get_by_text("No team matches.")).to_be_visible()
    context.close()

"""A first run: a visitor learns what Charter is at the front door, signs up and sets up a team in their own zone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "harbour-lights-at-dawn-42"


def refused_by_the_policy(page: Page) -> list[str]:
    """What Chromium reports when the Content-Security-Policy refuses something (our script included)."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def test_a_visitor_lands_signs_up_and_creates_a_team_in_their_browsers_time_zone(browser, live_server):
    context = browser.new_context(timezone_id="America/Chicago")
    page = context.new_page()
    violations = refused_by_the_policy(page)
    try:
        # The front door says what the product is, in its own words, before asking for anything.
        page.goto(live_server.url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("why your team exists")
        for heading in ("A purpose is a decision rule", "A few non-negotiables", "Boundaries said out loud",
                        "Check-ins that support, not surveil", "A review every cycle"):
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()

        # Signing up: the time zone is already the browser's.
        page.get_by_role("link", name="Create your account").click()
        expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
        expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
        page.get_by_label("Email address").fill("nadia@example.com")
        page.get_by_label("Display name").fill("Nadia Founder")
        page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
        page.get_by_label("Password confirmation").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("status")).to_contain_text("Welcome, Nadia Founder.")

        # An organisation, then its first team: its zone is pre-set to where the founder is.
        page.get_by_role("link", name="Create an organisation").click()
        page.get_by_label("Name").fill("Harbour Health")
        page.get_by_role("button", name="Create organisation").click()
        expect(page.get_by_role("heading", name="New team in Harbour Health")).to_be_visible()
        zone = page.get_by_label("Time zone")
        expect(zone).to_have_value("America/Chicago")
        # The select is short and grouped by region, with names people read.
        expect(zone.locator("optgroup[label='Americas'] option[value='America/Chicago']")).to_have_text("Chicago")
        expect(zone.locator("option[value='US/Central']")).to_have_count(0)
        page.get_by_label("Name").fill("Platform")
        page.get_by_label("Review cycle length (weeks)").fill("1")
        page.get_by_role("button", name="Create team").click()

        # The team page reads as sentences: one person, one week.
        expect(page.get_by_role("heading", level=1, name="Platform")).to_be_visible()
        head = page.locator(".page-head")
        expect(head).to_contain_text("(America/Chicago)")
        expect(head).to_contain_text("review every week")
        expect(page.get_by_role("region", name="People (1)")).to_be_visible()

        page.get_by_role("link", name="Harbour Health").first.click()
        expect(page.get_by_role("main")).to_contain_text("1 person · led by Nadia Founder")
        page.get_by_role("link", name="Charter", exact=True).click()
        expect(page.get_by_role("main")).to_contain_text("1 person")
        expect(page.get_by_role("main")).not_to_contain_text("1 people")

        assert violations == []
    finally:
        context.close()


def test_a_new_team_follows_the_browser_until_the_person_chooses(browser, live_server, leader, team):
    """Chromium names Kolkata by its old spelling, Asia/Calcutta; the list has the new one."""
    context = browser.new_context(timezone_id="Asia/Kolkata")
    page = context.new_page()
    try:
        page.goto(live_server.url)
        page.get_by_label("Email address").fill(leader.email)
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Your teams")).to_be_visible()

        page.goto(live_server.url + reverse("team_create", args=[team.organisation.slug]))
        zone = page.get_by_label("Time zone")
        expect(zone).to_have_value("Asia/Kolkata")

        # The person picks another zone; a refused form comes back with their choice, not the browser's.
        zone.select_option("Europe/Paris")
        page.get_by_label("Review cycle length (weeks)").fill("40")
        page.get_by_label("Name").fill("Data")
        page.get_by_role("button", name="Create team").click()
        expect(page.get_by_text("less than or equal to 26")).to_be_visible()
        expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    finally:
        context.close()


def test_without_javascript_the_servers_default_stays(browser, live_server, leader, team):
    context = browser.new_context(timezone_id="America/Chicago", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("signup"))
        expect(page.get_by_label("Time zone")).to_have_value("UTC")
    finally:
        context.close()


def test_the_front_door_and_the_archive_pages_have_no_serious_accessibility_problems(
    page, live_server, log_in, leader, team
):
    from axe_playwright_python.sync_playwright import Axe

    from alignment import services

    def serious(path: str) -> list[str]:
        page.goto(live_server.url + path)
        found = Axe().run(page).response["violations"]
        return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in {"serious", "critical"}]

    org, slug = team.organisation.slug, team.slug
    problems = {"/": serious("/")}
    log_in(page, leader.email, reverse("team_archive", args=[org, slug]))
    problems["archive"] = serious(reverse("team_archive", args=[org, slug]))
    services.archive_team(team=team, actor=leader)
    for name in ("team", "team_settings"):
        problems[name] = serious(reverse(name, args=[org, slug]))

    assert {path: found for path, found in problems.items() if found} == {}

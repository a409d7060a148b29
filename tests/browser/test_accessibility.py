"""axe-core finds no serious or critical accessibility problem on the pages people use most."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_team_charter_and_decision_pages_have_no_serious_violations(
    page, live_server, log_in, leader, member, team, proposed_charter
):
    org, slug = team.organisation.slug, team.slug
    log_in(page, leader.email, reverse("home"))
    pages = [
        reverse("home"),
        reverse("organisation", args=[org]),
        reverse("team", args=[org, slug]),
        reverse("team_settings", args=[org, slug]),
        reverse("charters:detail", args=[org, slug]),
        reverse("charters:section_edit", args=[org, slug, 1, "purpose"]),
        reverse("charters:history", args=[org, slug]),
        reverse("decisions:list", args=[org, slug]),
        reverse("decisions:create", args=[org, slug]),
        reverse("profile"),
    ]
    found = {}
    for path in pages:
        page.goto(live_server.url + path)
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    assert not found, found


def test_login_and_signup_pages_have_no_serious_violations(page, live_server):
    found = {}
    for path in (reverse("login"), reverse("signup")):
        page.goto(live_server.url + path)
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    assert not found, found


def test_the_check_itself_catches_an_unlabelled_field(page, live_server):
    page.goto(live_server.url + reverse("login"))
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")

    assert any(problem.startswith("label ") for problem in serious_violations(page))

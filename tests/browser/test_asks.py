"""A consult request from asking to outcome: a Platform member asks Growth under a consult boundary, Growth's
leader finds it in My week and answers it, and the asker reads the outcome; on a desktop with JavaScript, and on
a 390 px phone without it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.screens import SCREENS, fits_the_screen

TITLE = "Warn patients the clinic may call back"


@pytest.fixture
def growth_ready(other_team, make_user, add_member, member, leader):
    """Growth, led by Sofia, with a ratified charter whose boundaries include a consult one."""
    from charters.models import Boundary, Charter

    sofia = make_user("sofia@example.com", "Sofia Marino")
    add_member(other_team, sofia, "leader")
    charter = Charter.objects.create(team=other_team, number=1, state=Charter.State.RATIFIED,
                                     purpose_statement="More people book the right care first time.")
    Boundary.objects.create(charter=charter, position=0, area="Marketing budget", label="fixed",
                            set_by="Director of Operations")
    Boundary.objects.create(charter=charter, position=1, area="Messaging to patients", label="consult",
                            set_by="Team, after consulting Clinical Support")
    return other_team


@pytest.mark.browser
@SCREENS
def test_a_consult_request_from_asking_to_outcome(browser: Browser, live_server, log_in, team, growth_ready,
                                                  javascript, viewport):
    size = viewport or {"width": 1280, "height": 900}
    asker = browser.new_context(java_script_enabled=javascript, viewport=size).new_page()
    leader = browser.new_context(java_script_enabled=javascript, viewport=size).new_page()
    try:
        # Tomás, in Platform, opens his team's requests and asks Growth.
        log_in(asker, "member@example.com", "/o/harbour/t/platform/requests/")
        asker.get_by_label("Which team?").select_option(label="Growth")
        asker.get_by_role("button", name="Continue").click()
        expect(asker.get_by_role("heading", level=1, name="Ask Growth for something")).to_be_visible()
        fits_the_screen(asker, viewport)
        asker.locator("#id_title").fill(TITLE)  # "What you ask" (beside the radios "What you ask for")
        asker.get_by_label("Why, and what it would take").fill("Patients miss the clinic's call back.")
        asker.get_by_role("radio", name="Messaging to patients — consult").check()
        asker.get_by_role("button", name="Ask Growth").click()
        expect(asker.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
        expect(asker.get_by_role("region", name="Who decides: consult")).to_contain_text(
            "Growth decides after consulting you")
        # He adds his input for the consultation.
        asker.get_by_role("textbox", name="Your input").fill("Clinic leads suggest: “Your clinic may call from a withheld number.”")
        asker.get_by_role("button", name="Add").click()
        expect(asker.get_by_role("region", name="Consultation")).to_contain_text("withheld number")
        fits_the_screen(asker, viewport)

        # Sofia, Growth's leader, finds it in My week and answers.
        log_in(leader, "sofia@example.com", "/")
        week = leader.get_by_role("region", name="My week")
        line = week.get_by_role("link", name=f"Consult Platform, then decide: “{TITLE}”")
        expect(line).to_be_visible()
        fits_the_screen(leader, viewport)
        line.click()
        expect(leader.get_by_role("region", name="Consultation")).to_contain_text("withheld number")
        answer = leader.get_by_role("form", name="Answer the request")
        answer.get_by_role("radio", name="Accepted").check()
        answer.get_by_role("textbox", name="In your words").fill("Yes: we add their sentence to the SMS next release.")
        answer.get_by_role("button", name="Record the answer").click()
        expect(leader.get_by_role("heading", level=2, name="Accepted")).to_be_visible()
        leader.goto(live_server.url + "/")
        expect(leader.get_by_role("region", name="My week")).not_to_contain_text(TITLE)

        # Tomás reads the outcome in Growth's words: on the request, and in his notifications.
        asker.goto(live_server.url + "/o/harbour/t/platform/requests/")
        sent = asker.get_by_role("region", name="Sent")
        expect(sent).to_contain_text("Accepted")
        sent.get_by_role("link", name=TITLE).click()
        expect(asker.get_by_role("heading", level=2, name="Accepted")).to_be_visible()
        expect(asker.get_by_text("Yes: we add their sentence to the SMS next release.")).to_be_visible()
        fits_the_screen(asker, viewport)
        asker.goto(live_server.url + "/notifications/")
        expect(asker.get_by_text(f"Growth: accepted — “{TITLE}”")).to_be_visible()
    finally:
        asker.context.close()
        leader.context.close()

"""A proposal's description is Markdown typed by people: it renders as formatting, never as script."""

from __future__ import annotations

from decisions import services
from decisions.models import Decision
from tests.charters.test_markdown_safety import assert_harmless, hostile
from tests.decisions.conftest import decision_url


def test_the_decision_page_shows_the_description_without_its_payloads(team, leader, login):
    decision = services.log_decision(
        team=team,
        actor=leader,
        title="Add offline mode",
        description=hostile("Description marker"),
        purpose_effect=Decision.PurposeEffect.ADVANCES,
        metric_effect=Decision.MetricEffect.IMPROVES,
    )

    html = login(leader).get(decision.get_absolute_url()).content.decode()

    assert "Description marker" in html
    assert_harmless(html)


def test_plain_text_fields_are_escaped_on_the_log_and_the_decision_page(team, leader, login):
    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    decision = services.log_decision(
        team=team, actor=leader, title=f"Title {payload}", purpose_effect=Decision.PurposeEffect.NEUTRAL,
        metric_effect=Decision.MetricEffect.IMPROVES,
    )
    services.record_outcome(decision=decision, actor=leader, outcome=Decision.Outcome.PROCEED,
                            reason=f"Reason {payload}", expected_version=decision.version)
    client = login(leader)

    for html in (client.get(decision.get_absolute_url()).content.decode(),
                 client.get(decision_url("list")).content.decode()):
        assert "Title &lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html.lower()
        assert "<img src=x onerror" not in html.lower()

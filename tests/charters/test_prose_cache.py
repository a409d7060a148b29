"""A version's Markdown is rendered once per text and kept: a ratified version's for a week at a time, a working copy's
until it is edited.

The cache holds what every reader of a version reads alike (its prose), keyed by the version's
identity, so it never shows one team's draft, or one reader's forms, to anyone else.
"""

from __future__ import annotations

import pytest

from alignment import markdown
from charters import services
from charters.models import Charter, NonNegotiable
from tests.charters.conftest import charter_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """How many Markdown texts were rendered."""
    count = {"n": 0}
    real = markdown.render_markdown

    def counting(text):
        count["n"] += 1
        return real(text)

    monkeypatch.setattr("charters.prose.render_markdown", counting)
    return count


def test_a_ratified_version_is_rendered_once_for_every_reader(login, leader, member, outsider, team,
                                                              write_charter, renders):
    write_charter(team, state=Charter.State.RATIFIED)

    first = login(leader).get(charter_url("detail")).content.decode()
    rendered = renders["n"]
    second = login(member).get(charter_url("detail")).content.decode()
    third = login(outsider).get(charter_url("detail")).content.decode()

    assert rendered == 6  # people, process, two whys and two guardrails
    assert renders["n"] == rendered  # the next readers read the cached rendering
    for page in (first, second, third):
        assert "<em>matters</em>" in page and "<li>We ask for help early</li>" in page


def test_a_draft_is_rendered_once_per_revision_of_its_text(login, leader, member, team, write_charter, renders):
    draft = write_charter(team)
    login(leader).get(charter_url("detail"))
    login(member).get(charter_url("detail"))
    assert renders["n"] == 6  # the second reader of the same text reads the kept rendering

    item = NonNegotiable.objects.get(charter=draft, position=1)
    item.why = "Now **bold**"
    services.update_item(charter=draft, item=item, expected_version=item.version)  # raises the revision
    page = login(member).get(charter_url("detail")).content.decode()

    assert "<strong>bold</strong>" in page and renders["n"] == 12


def test_the_cache_never_shows_a_draft_to_the_organisation(login, leader, outsider, team, write_charter):
    write_charter(team, state=Charter.State.RATIFIED, people="Ratified people text")
    write_charter(team, number=2, people="Draft people text, private to the team")

    team_view = login(leader).get(charter_url("detail")).content.decode()
    org_view = login(outsider).get(charter_url("detail")).content.decode()

    assert "Draft people text" in team_view
    assert "Draft people text" not in org_view and "Ratified people text" in org_view


def test_a_version_made_again_with_the_same_id_and_number_gets_its_own_rendering(team, write_charter):
    """Ids come back on some databases after a delete; the moment of ratification tells the versions apart."""
    from charters.prose import cache_key

    first = write_charter(team, state=Charter.State.RATIFIED)
    again = Charter(pk=first.pk, team=team, number=first.number, ratified_at=first.ratified_at.replace(
        microsecond=(first.ratified_at.microsecond + 1) % 1_000_000))

    assert cache_key(again) != cache_key(first)

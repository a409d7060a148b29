"""`manage.py schedule_preview`: what will be sent when, per team, in its zone and in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alignment.models import Team
from reviews.models import ReviewCycle

pytestmark = pytest.mark.django_db


def preview(*args) -> str:
    out = StringIO()
    call_command("schedule_preview", *args, stdout=out)
    return out.getvalue()


def test_prints_each_kind_in_the_teams_zone_and_utc(team, other_team, monkeypatch, settings):
    from django.utils import timezone

    settings.CHECKIN_NUDGE_HOURS, settings.LEADER_DIGEST_AFTER_HOURS = 24, 4
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 7, 1, 12, 0, tzinfo=UTC))  # a Wednesday, BST
    team.checkin_weekday, team.checkin_time = 4, time(10, 0)
    team.save()
    ReviewCycle.objects.create(team=team, number=1, start_date=date(2026, 6, 1), end_date=date(2026, 7, 13))

    output = preview("--team", "platform")

    assert "harbour/platform — Platform (Europe/London)" in output
    assert "check-in reminder          Fri 2026-07-03 10:00 BST   2026-07-03 09:00 UTC" in output
    assert "nudge                      Sun 2026-07-05 00:00 BST   2026-07-04 23:00 UTC" in output
    assert "leader digest              Fri 2026-07-03 14:00 BST   2026-07-03 13:00 UTC" in output
    assert "cycle rollover             Mon 2026-07-13 00:00 BST   2026-07-12 23:00 UTC" in output
    assert "review session reminder    Sun 2026-07-12 00:00 BST   2026-07-11 23:00 UTC" in output
    assert "growth" not in output


def test_all_teams_and_a_team_without_a_cycle(team, other_team):
    output = preview()

    assert "harbour/platform" in output and "harbour/growth" in output
    assert "cycle rollover             —" in output


def test_an_unknown_team_is_an_error(team):
    with pytest.raises(CommandError, match="No active team"):
        preview("--team", "nope")


def test_archived_teams_are_left_out(team):
    Team.objects.filter(pk=team.pk).update(archived_at=datetime(2026, 1, 1, tzinfo=UTC))

    assert "platform" not in preview()

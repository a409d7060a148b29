"""The leaders' weekly digest: after the check-in time, once per week, with who is missing and what blocks."""

from __future__ import annotations

import pytest

from checkins import reminders
from checkins.models import Blocker, CheckIn
from notifications.models import Delivery, Notification
from tests.checkins.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_leaders_get_the_digest_once_after_the_checkin_time(team, leader, member, facilitator, settings):
    settings.LEADER_DIGEST_AFTER_HOURS = 4
    checkin = CheckIn.objects.create(team=team, author=facilitator, week=MONDAY, state=CheckIn.State.SUBMITTED,
                                     submitted_at=at(4, "09:00"))
    Blocker.objects.create(check_in=checkin, position=0, what="Waiting on the firewall change", opened_at=at(1))

    reminders.send_digests(now=at(4, "13:59"))
    assert not Delivery.objects.filter(kind=reminders.DIGEST).exists()
    reminders.send_digests(now=at(4, "14:00"))
    reminders.send_digests(now=at(4, "15:00"))

    digest = Notification.objects.get(kind=reminders.DIGEST)
    assert digest.recipient == leader
    assert "1 of 2 people checked in" in digest.body and "1 has not started" in digest.body
    assert "Max Member" in digest.body or "member@example.com" in digest.body
    assert "Waiting on the firewall change" in digest.body
    assert digest.url == f"/o/harbour/t/platform/check-ins/week/?week={MONDAY}"

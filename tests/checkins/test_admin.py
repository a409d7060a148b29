"""Staff can browse check-ins and blockers in the admin without errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checkins.models import Blocker, CheckIn
from tests.checkins.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_admin_list_and_change_pages_render(client, team, member, django_user_model):
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                                     progress="Shipped it")
    blocker = Blocker.objects.create(check_in=checkin, what="VPN")
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    assert client.get(reverse("admin:checkins_checkin_changelist")).status_code == 200
    assert client.get(reverse("admin:checkins_checkin_change", args=[checkin.pk])).status_code == 200
    assert client.get(reverse("admin:checkins_blocker_changelist") + "?resolved_at__isempty=1").status_code == 200
    assert client.get(reverse("admin:checkins_blocker_change", args=[blocker.pk])).status_code == 200

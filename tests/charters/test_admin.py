"""Staff can browse every charter model in the admin without errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.charters.factories import ratified_charter


@pytest.mark.parametrize("model", ["charter", "goal", "comment", "response"])
def test_admin_list_and_change_pages_render(client, team, leader, model, django_user_model):
    from charters import services
    from charters.models import Comment, Goal, Response

    charter = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    services.propose(charter=draft, actor=leader)
    objects = {
        "charter": charter,
        "goal": Goal.objects.filter(charter=charter).first(),
        "comment": Comment.objects.create(charter=draft, section="purpose", author=leader, body="Why?"),
        "response": Response.objects.create(charter=draft, member=leader, kind="consent"),
    }
    admin = django_user_model.objects.create_superuser("admin@example.com", "pw")
    client.force_login(admin)

    assert client.get(reverse(f"admin:charters_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:charters_{model}_change", args=[objects[model].pk])).status_code == 200

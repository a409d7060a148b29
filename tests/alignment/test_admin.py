"""Staff can browse organisations, teams, memberships, invitations and people in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("model", ["user", "organisation", "team", "membership", "invitation"])
def test_admin_list_search_and_change_pages_render(client, leader, team, model, make_invitation, django_user_model):
    invitation, _ = make_invitation(team, "omar@example.com", invited_by=leader)
    objects = {"user": leader, "organisation": team.organisation, "team": team,
               "membership": team.memberships.first(), "invitation": invitation}
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    assert client.get(reverse(f"admin:alignment_{model}_changelist"), {"q": "a"}).status_code == 200
    assert client.get(reverse(f"admin:alignment_{model}_change", args=[objects[model].pk])).status_code == 200

"""Staff can browse the decision log in the admin without errors, and read each decision's history."""

from __future__ import annotations

from django.urls import reverse
from pytest_django.asserts import assertContains

from decisions import services
from tests.charters.factories import ratified_charter


def test_admin_list_and_change_pages_render(client, team, leader, django_user_model):
    ratified_charter(team, leader)
    decision = services.log_decision(team=team, actor=leader, title="Try it", purpose_effect="advances",
                                     metric_effect="neutral")
    admin = django_user_model.objects.create_superuser("admin@example.com", "pw")
    client.force_login(admin)

    assert client.get(reverse("admin:decisions_decision_changelist")).status_code == 200
    assert client.get(reverse("admin:decisions_decision_change", args=[decision.pk])).status_code == 200


def test_the_change_page_shows_the_history_read_only(client, team, leader, django_user_model):
    decision = services.log_decision(team=team, actor=leader, title="Try it", purpose_effect="advances",
                                     metric_effect="neutral")
    services.record_outcome(decision=decision, actor=leader, outcome="proceed", reason="", expected_version=1)
    services.record_outcome(decision=decision, actor=leader, outcome="decline", reason="Budget cut.",
                            expected_version=2)
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    response = client.get(reverse("admin:decisions_decision_change", args=[decision.pk]))

    assertContains(response, "History of final calls")
    assertContains(response, "Budget cut.")
    assertContains(response, 'name="outcomes-TOTAL_FORMS" value="2"')
    assert 'name="outcomes-0-reason"' not in response.content.decode()  # read-only

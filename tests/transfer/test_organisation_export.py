"""The whole organisation as JSON for its admins: asked on its page, built by a task, the link e-mailed once
(a notification), downloaded by the admin who asked alone. It holds what admins read (never a check-in's
words) and nothing of another organisation, in the same queries for one team or five."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment.models import AuditEvent, AuditKind, Team
from charters.models import OrganisationGoal, OrganisationKeyResult, OrganisationKeyResultReading
from checkins.models import CheckIn
from decisions.models import Decision
from tests.charters.factories import ratified_charter
from transfer import organisation_json, services, tasks
from transfer.models import OrganisationExport

PAGE = reverse("transfer:organisation_export", args=["harbour"])


def link_in(email) -> str:
    return re.search(r"https?://[^/\s]+(/o/harbour/export/\d+/download/)", email.body).group(1)


@pytest.fixture
def world(team, leader, member, stranger):
    """Harbour's team with a ratified charter, a decision and a check-in; a stranger's organisation beside it."""
    ratified_charter(team, leader)
    Decision.objects.create(team=team, title="Pause the roadmap", purpose_effect="advances", metric_effect="dents",
                            verdict="conscious_investment", logged_by=leader)
    CheckIn.objects.create(team=team, author=member, week=date(2026, 11, 16), state="submitted",
                           submitted_at=timezone.now(), progress="Max's private words")
    elsewhere = Team.objects.get(slug="elsewhere-team")
    ratified_charter(elsewhere, stranger)
    Decision.objects.create(team=elsewhere, title="Elsewhere's secret plan", purpose_effect="advances",
                            metric_effect="neutral", verdict="yes", logged_by=stranger)


@pytest.fixture
def asked(login, admin, world, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://charter.example.com"
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE)
    assert response.status_code == 302 and response["Location"] == PAGE
    return client


def test_the_admin_follows_the_emailed_link_to_the_organisations_json(asked, admin, mailoutbox, member):
    (email,) = mailoutbox
    assert email.to == [admin.email] and email.subject == "The export of Harbour Health is ready"
    response = asked.get(link_in(email))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="charter-harbour-')
    document = json.loads(response.content)
    assert document["organisation"]["name"] == "Harbour Health"
    (platform,) = document["teams"]
    assert platform["name"] == "Platform"
    assert [v["version"] for v in platform["charter_versions"]] == [1]
    assert platform["charter_versions"][0]["goals"][0]["key_results"][0]["metric"] == "Metric 1"
    assert [d["proposal"] for d in platform["decisions"]] == ["Pause the roadmap"]
    assert {p["email"] for p in platform["people"]} == {"leader@example.com", "member@example.com"}
    text = response.content.decode()
    assert "Elsewhere" not in text and "stranger@example.com" not in text  # nothing of another organisation
    assert "private words" not in text  # an admin reads no check-in
    assert set(AuditEvent.objects.values_list("kind", flat=True)) >= {
        AuditKind.DATA_EXPORT_REQUESTED, AuditKind.DATA_EXPORT_DOWNLOADED}


def test_the_export_is_built_and_told_once(asked, mailoutbox):
    export = OrganisationExport.objects.get()
    tasks.build_organisation_export(export.pk)  # a second run: claimed already, nothing more
    assert len(mailoutbox) == 1 and OrganisationExport.objects.get().archive_size > 0
    page = asked.get(PAGE).content.decode()
    assert "Download the JSON" in page


def test_the_link_is_no_use_to_anyone_else_and_expires(asked, mailoutbox, login, leader, member, frozen):
    link = link_in(mailoutbox[0])
    assert login(leader).get(link).status_code == 404  # another admin
    assert login(member).get(link).status_code == 404
    frozen(timezone.now() + timedelta(days=8))  # the link has expired
    assert login(asked_by := OrganisationExport.objects.get().requested_by).get(link).status_code == 404
    assert asked_by.email == "admin@example.com"
    assert services.purge_expired() == 1
    assert OrganisationExport.objects.get().archive_size == 0


def test_one_export_being_prepared_at_a_time(login, admin, world, django_capture_on_commit_callbacks):
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=False):  # its task has not run yet
        client.post(PAGE)
        response = client.post(PAGE, follow=True)
    assert "already being prepared" in response.content.decode()
    assert OrganisationExport.objects.count() == 1


def _teams(organisation, leader, n: int) -> None:
    for i in range(n):
        goal = OrganisationGoal.objects.create(organisation=organisation, objective=f"Goal {i}", purpose_part="serves")
        key_result = OrganisationKeyResult.objects.create(goal=goal, metric=f"Metric {i}")
        OrganisationKeyResultReading.objects.create(key_result=key_result, value=Decimal(i), confidence="on_track")
        team = Team.objects.create(organisation=organisation, name=f"Team {i}", slug=f"team-{i}")
        ratified_charter(team, leader, goals=2)
        Decision.objects.create(team=team, title=f"Proposal {i}", purpose_effect="advances",
                                metric_effect="neutral", verdict="yes", logged_by=leader)


@pytest.mark.parametrize("teams", [1, 5])
def test_building_costs_the_same_queries_for_one_team_or_five(organisation, leader, teams,
                                                              django_assert_num_queries):
    _teams(organisation, leader, teams)
    # Queries: teams, memberships with people, admins, tags, organisation goals, their key results, their
    # readings; the charter versions it reads, their non-negotiables, boundaries (with tags), key results,
    # goals, key-result history; decisions; review cycles.
    with django_assert_num_queries(15):
        document = organisation_json.build(organisation, now=datetime(2026, 12, 4, tzinfo=UTC))
    assert len(document["teams"]) == teams + 1  # the standard team too

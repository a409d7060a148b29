"""Reading a team's charter and its key results, and recording progress, through the API."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from charters.models import Charter, KeyResult, KeyResultProgress

T = "/api/v1/organisations/harbour/teams/platform"


@pytest.fixture
def versions(team, leader, member, write_charter):
    active = write_charter(team, number=1, state=Charter.State.RATIFIED)
    proposed = write_charter(team, number=2, state=Charter.State.PROPOSED, based_on=active)
    return active, proposed


def test_the_version_in_force_reads_as_its_page_does(api_as, versions):
    body = api_as("member").get(T + "/charter").json()

    assert (body["number"], body["state"]) == (1, "ratified")
    assert body["purpose"]["statement"] == "Care close to home, version 1"
    assert [n["title"] for n in body["non_negotiables"]] == ["Non-negotiable 1", "Non-negotiable 2"]
    assert body["boundaries"][0]["area"] == "Area 1"
    first = body["goals"][0]["key_results"][0]
    assert (first["metric"], first["current_value"], first["percent"]) == ("Key result 1.1", "40.00", 40)
    assert body["url"] == settings.SITE_URL + reverse("charters:version", args=["harbour", "platform", 1])


def test_progress_recorded_by_a_leader_is_the_reading_the_pages_show(api_as, versions, leader):
    key_result = KeyResult.objects.filter(goal__charter=versions[0]).first()
    api = api_as("leader")

    made = api.post(f"{T}/key-results/{key_result.pk}/progress",
                    {"value": "62.5", "confidence": "at_risk", "note": "Two clinics live"})

    assert made.status_code == 201
    reading = KeyResultProgress.objects.get()
    assert (reading.value, reading.confidence, reading.recorded_by, reading.source) == (
        62.5, "at_risk", leader, "direct")
    listed = api.get(f"{T}/key-results").json()
    assert listed[0]["current_value"] == "62.50" and listed[0]["confidence"] == "at_risk"
    assert api.get(f"{T}/key-results/{key_result.pk}/progress").json()["results"][0]["note"] == "Two clinics live"


def test_progress_on_a_proposal_is_refused_in_words(api_as, versions):
    key_result = KeyResult.objects.filter(goal__charter=versions[1]).first()

    refused = api_as("leader").post(f"{T}/key-results/{key_result.pk}/progress",
                                    {"value": "10", "confidence": "on_track"})

    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"]
    assert not KeyResultProgress.objects.exists()


def test_the_team_reads_its_proposal_and_the_organisation_only_ratified_versions(api_as, versions):
    assert [v["number"] for v in api_as("member").get(T + "/charter/versions").json()["results"]] == [2, 1]
    assert [v["number"] for v in api_as("outsider").get(T + "/charter/versions").json()["results"]] == [1]
    assert [v["number"] for v in api_as("service").get(T + "/charter/versions").json()["results"]] == [1]


def test_lists_page_on_with_a_cursor(api_as, versions, write_charter, team):
    for number in (3, 4):
        write_charter(team, number=number, state=Charter.State.SUPERSEDED, rows=0)
    api = api_as("member")

    first = api.get(T + "/charter/versions?page_size=3").json()
    second = api.get(first["next"]).json()

    assert [v["number"] for v in first["results"]] == [4, 3, 2]
    assert [v["number"] for v in second["results"]] == [1] and second["next"] is None

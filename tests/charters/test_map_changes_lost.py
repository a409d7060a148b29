"""A change to what the map's cross-team signals are made of survives the death of the process that made it.

The writer records the change in its own transaction (`MapSignalsChange`) and, once that commits, gives readers
a new generation of the signals (and of the admins' summary, kept under the same one). A process killed between
its commit and that left readers on the old generation until the next change or the next day; now the change is
still recorded, and beat's sweep (`charters.tasks.apply_lost_map_changes`, every minute) applies it once it is
older than the writer's own callback could still be.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from alignment import services as alignment_services
from charters import organisation_map
from charters.models import MapSignalsChange
from charters.tasks import apply_lost_map_changes
from tests.celery_worker import database_url_for

pytestmark = pytest.mark.django_db


def _teams_counted(organisation) -> int:
    return organisation_map.organisation_summary(organisation, timezone.now()).teams


def test_the_writers_callback_applies_the_change_and_leaves_nothing_recorded(
        organisation, team, other_team, leader, django_capture_on_commit_callbacks):
    assert _teams_counted(organisation) == 2  # kept under the current generation

    with django_capture_on_commit_callbacks(execute=True):
        alignment_services.create_team(organisation=organisation, name="Third", actor=leader)

    assert _teams_counted(organisation) == 3
    assert not MapSignalsChange.objects.exists()


def test_a_change_whose_callback_never_ran_is_applied_by_the_sweep(
        organisation, team, other_team, leader, django_capture_on_commit_callbacks, django_assert_num_queries):
    assert _teams_counted(organisation) == 2
    with django_capture_on_commit_callbacks(execute=False):  # committed; the process died before its callbacks
        alignment_services.create_team(organisation=organisation, name="Third", actor=leader)
    assert _teams_counted(organisation) == 2  # the old generation, as it stayed until the next day

    # Within the writer's own time the sweep leaves it be (1 query: nothing that old).
    with django_assert_num_queries(1):
        assert organisation_map.apply_lost_changes(now=timezone.now()) == 0
    assert _teams_counted(organisation) == 2

    later = timezone.now() + organisation_map.LOST_AFTER + timedelta(seconds=1)
    assert organisation_map.apply_lost_changes(now=later) == 1

    assert _teams_counted(organisation) == 3
    assert not MapSignalsChange.objects.exists()
    assert organisation_map.apply_lost_changes(now=later) == 0  # applied once


def test_a_refused_change_records_nothing(organisation, team, leader):
    from alignment.errors import ActionRefused

    with pytest.raises(ActionRefused):
        alignment_services.create_team(organisation=organisation, name=team.name, actor=leader)

    assert not MapSignalsChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_cache_away_when_the_change_commits_refuses_no_write_and_the_sweep_applies_it(
        organisation, team, other_team, leader, monkeypatch):
    assert _teams_counted(organisation) == 2

    class Away:
        def __getattr__(self, name):
            raise ConnectionError("the cache is away")

    with monkeypatch.context() as patched:
        patched.setattr(organisation_map, "cache", Away())
        alignment_services.create_team(organisation=organisation, name="Third", actor=leader)  # commits; not refused

    assert organisation.teams.filter(name="Third").exists()
    assert MapSignalsChange.objects.count() == 1
    organisation_map.apply_lost_changes(now=timezone.now() + organisation_map.LOST_AFTER + timedelta(seconds=1))
    assert _teams_counted(organisation) == 3


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                    reason="DATABASE_URL is not set: another process cannot see the SQLite test database")
@pytest.mark.django_db(transaction=True)
def test_a_process_killed_between_its_commit_and_its_callback_loses_no_change(organisation, team, other_team,
                                                                              leader, frozen):
    """A real process creates a team and is killed with SIGKILL right after its transaction commits, before the
    callback that gives readers a new generation: the change is on record, and beat's sweep applies it."""
    from django.db import connection

    assert _teams_counted(organisation) == 2  # what readers keep seeing if the change is lost
    script = (
        "import os, signal, django; django.setup()\n"
        "from django.db import transaction\n"
        "from alignment import services\n"
        "from alignment.models import Organisation, User\n"
        "with transaction.atomic():\n"
        "    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))  # runs first: dies at once\n"
        f"    services.create_team(organisation=Organisation.objects.get(pk={organisation.pk}), name='Third',\n"
        f"                         actor=User.objects.get(pk={leader.pk}))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
                   "DATABASE_URL": database_url_for(connection.settings_dict), "CELERY_TASK_ALWAYS_EAGER": "true"}
    died = subprocess.run([sys.executable, "-c", script], env=environment, cwd=settings.BASE_DIR,
                          capture_output=True, timeout=120)

    assert died.returncode == -signal.SIGKILL, died.stderr.decode()[-3000:]
    assert organisation.teams.filter(name="Third").exists()  # committed
    assert MapSignalsChange.objects.filter(organisation=organisation).count() == 1  # and its change on record
    assert _teams_counted(organisation) == 2

    frozen(timezone.now() + organisation_map.LOST_AFTER + timedelta(seconds=1))
    assert apply_lost_map_changes() == 1  # beat's sweep, a minute on (the task, run here)

    assert _teams_counted(organisation) == 3
    assert not MapSignalsChange.objects.exists()

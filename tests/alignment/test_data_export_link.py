"""Download my data, from asking to the link: built by a task, e-mailed once through the outbox, for the asker alone,
expiring, purged; an admin's copy of someone goes to the admin. Refused requests write nothing."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import data_export, tasks
from alignment.models import AuditEvent, AuditKind, DataExport
from checkins.models import CheckIn, Commitment
from tests.checkins.conftest import MONDAY
from tests.matrix import assert_no_writes

PROFILE = reverse("profile")
ASK = reverse("data_export_request")


def link_in(email) -> str:
    """The site-relative download link an e-mail carries."""
    return re.search(r"https?://[^/\s]+(/accounts/data/\S+/)", email.body).group(1)


@pytest.fixture
def settings_site(settings):
    settings.SITE_URL = "https://charter.example.com"
    return settings


@pytest.fixture
def asked(login, member, settings_site, mailoutbox, django_capture_on_commit_callbacks):
    """Max asks for his data on his profile page; the build and the e-mail run as their tasks would."""
    CheckIn.objects.create(team=member.memberships.get().team, author=member, week=MONDAY, progress="Max's own week")
    client = login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASK)
    assert response.status_code == 302 and response["Location"] == PROFILE + "#your-data"
    return client


def test_asking_builds_the_zip_and_emails_the_link_to_the_asker_once(asked, member, mailoutbox):
    export = DataExport.objects.get()
    assert export.state == DataExport.State.READY and export.archive_size > 0
    assert export.expires_at == export.ready_at + timedelta(days=7)
    (email,) = mailoutbox
    assert email.to == ["member@example.com"] and email.subject == "Your data from Charter is ready"
    assert "https://charter.example.com/accounts/data/" in email.body
    assert export.email_sent_at is not None
    assert AuditEvent.objects.filter(kind=AuditKind.DATA_EXPORT_REQUESTED, actor=member).count() == 1
    # The database keeps the token's hash; the link needs this server's key too.
    token = link_in(email).split("/")[-2]
    assert token not in (export.token_seed, export.token_hash)

    # Sending again, by the task or by the sweep, sends nothing more.
    tasks.email_data_export(export.pk)
    tasks.email_data_export.delay(export.pk)
    assert tasks.finish_data_exports() == 0
    assert len(mailoutbox) == 1


def test_the_asker_signed_in_downloads_the_zip(asked, member, mailoutbox):
    response = asked.get(link_in(mailoutbox[0]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="charter-data-member-')
    assert "no-store" in response["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as opened:
        assert "Max's own week" in opened.read("checkins/checkins.json").decode()
    assert AuditEvent.objects.filter(kind=AuditKind.DATA_EXPORT_DOWNLOADED, actor=member).count() == 1
    assert DataExport.objects.get().downloaded_at is not None


@pytest.mark.parametrize("someone", ["leader", "facilitator", "admin", "stranger"])
def test_the_link_is_no_use_to_anyone_else_and_writes_nothing(someone, request, asked, mailoutbox, client):
    link = link_in(mailoutbox[0])
    client.force_login(request.getfixturevalue(someone))
    events = AuditEvent.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(link)

    assert response.status_code == 404
    assert_no_writes(queries)
    assert AuditEvent.objects.count() == events


def test_signed_out_the_link_asks_to_log_in_first(asked, mailoutbox, client):
    client.logout()
    link = link_in(mailoutbox[0])

    response = client.get(link)

    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={link}"


def test_a_made_up_link_is_404(asked):
    assert asked.get(reverse("data_export_download", args=["0" * 64])).status_code == 404


def test_the_link_expires_and_the_daily_purge_deletes_the_zip(asked, member, mailoutbox, frozen):
    export = DataExport.objects.get()
    link = link_in(mailoutbox[0])

    frozen(export.expires_at - timedelta(seconds=1))
    assert asked.get(link).status_code == 200
    assert tasks.purge_data_exports() == 0  # not yet expired: kept

    frozen(export.expires_at)
    assert asked.get(link).status_code == 404
    assert "has expired" in asked.get(PROFILE).content.decode()
    assert tasks.purge_data_exports() == 1
    assert tasks.purge_data_exports() == 0  # a second run finds nothing

    export.refresh_from_db()
    assert export.archive is None and export.archive_size == 0
    assert asked.get(link).status_code == 404


def test_the_beat_schedule_runs_the_purge_daily_and_the_sweep_every_minute(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["alignment.tasks.purge_data_exports"] == 86400.0
    assert schedule["alignment.tasks.finish_data_exports"] == 60.0


def test_the_profile_says_where_the_copy_stands(login, member, frozen, django_capture_on_commit_callbacks):
    client = login(member)
    page = client.get(PROFILE).content.decode()
    assert "Your data" in page and "Download my data" in page

    with django_capture_on_commit_callbacks(execute=False):  # its task has not run yet
        client.post(ASK)
    page = client.get(PROFILE).content.decode()
    assert "Being prepared — we'll e-mail you" in page
    assert "Download my data</button>" not in page  # one request at a time

    data_export.build_export(DataExport.objects.get().pk)
    export = DataExport.objects.get()
    page = client.get(PROFILE).content.decode()
    assert "is ready until" in page and data_export.download_url(export) in page
    assert "Download my data</button>" in page


def test_one_request_at_a_time(login, member, django_capture_on_commit_callbacks):
    client = login(member)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(ASK)
        response = client.post(ASK, follow=True)

    assert "Your data is already being prepared" in response.content.decode()
    assert DataExport.objects.count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.DATA_EXPORT_REQUESTED).count() == 1


def test_a_lost_task_is_taken_up_by_the_sweep_and_the_email_goes_once(
        login, member, settings_site, mailoutbox, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the build's task is lost with its worker
        login(member).post(ASK)
    export = DataExport.objects.get()

    assert tasks.finish_data_exports() == 0  # its own task still has time
    frozen(export.created_at + data_export.GRACE + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=False):  # and the e-mail's task is lost too
        assert tasks.finish_data_exports() == 1  # built now
    assert mailoutbox == []
    frozen(export.created_at + 2 * data_export.GRACE + timedelta(seconds=2))
    assert tasks.finish_data_exports() == 1  # the e-mail, found unsent
    assert tasks.finish_data_exports() == 0

    assert len(mailoutbox) == 1
    assert DataExport.objects.get().state == DataExport.State.READY


def test_a_build_a_dead_worker_held_is_taken_up_after_its_lease(
        login, member, mailoutbox, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        login(member).post(ASK)
    export = DataExport.objects.get()
    started = export.created_at + data_export.GRACE
    # What a claim left by a worker that died mid-build looks like.
    DataExport.objects.filter(pk=export.pk).update(build_lease_until=started + data_export.BUILD_LEASE,
                                                   build_attempts=1)

    frozen(started + timedelta(minutes=1))
    assert tasks.finish_data_exports() == 0
    frozen(started + data_export.BUILD_LEASE + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.finish_data_exports() == 1

    assert DataExport.objects.get().state == DataExport.State.READY
    assert len(mailoutbox) == 1


def test_a_failed_send_is_tried_again_after_its_wait(
        login, member, mailoutbox, frozen, mail_relay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        login(member).post(ASK)
    export = DataExport.objects.get()
    data_export.build_export(export.pk)
    mail_relay.down()
    tasks.email_data_export(export.pk)  # logged, not raised: the sweep tries again
    assert DataExport.objects.get().email_sent_at is None

    mail_relay.up()
    now = timezone.now()
    frozen(now + timedelta(seconds=30))
    assert tasks.finish_data_exports() == 0  # not before its wait
    frozen(now + data_export.GRACE + data_export.EMAIL_OUTBOX.backoff[0] + timedelta(seconds=1))
    assert tasks.finish_data_exports() == 1

    assert len(mailoutbox) == 1


def test_a_build_that_keeps_failing_is_marked_failed_and_may_be_asked_again(
        login, member, frozen, monkeypatch, django_capture_on_commit_callbacks):
    client = login(member)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(ASK)
    export = DataExport.objects.get()

    def broken(subject, *, now=None):
        raise RuntimeError("a source broke")

    monkeypatch.setattr(data_export, "build_archive", broken)
    moment = export.created_at
    for attempt in range(len(data_export.BUILD_BACKOFF) + 1):
        tasks.build_data_export(export.pk)  # logged; the request waits for its next try
        moment += data_export.BUILD_LEASE
        frozen(moment)
        assert DataExport.objects.get().build_attempts == attempt + 1

    assert DataExport.objects.get().state == DataExport.State.FAILED
    page = client.get(PROFILE).content.decode()
    assert "We could not prepare your copy" in page and "Download my data</button>" in page


class TestAnAdminsExport:
    """Ada, an admin of Harbour Health in none of its teams, asks for what Max wrote there."""

    @pytest.fixture
    def ada_asked(self, login, admin, member, stranger, add_member, settings_site, mailoutbox,
                  django_capture_on_commit_callbacks):
        from alignment.models import Team

        team = member.memberships.get().team
        # Commitments: an admin's copy holds them (check-ins are for the team's leaders, not in it).
        Commitment.objects.create(team=team, owner=member, title="Max at Harbour", due_on=MONDAY)
        elsewhere = Team.objects.get(slug="elsewhere-team")
        add_member(elsewhere, member, "member")
        Commitment.objects.create(team=elsewhere, owner=member, title="Max elsewhere", due_on=MONDAY)
        client = login(admin)
        people = reverse("organisation_people", args=["harbour"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("person_data_export", args=["harbour", member.pk]) + f"?next={people}")
        assert response.status_code == 302 and response["Location"] == people
        return client

    def test_the_link_goes_to_the_admin_and_the_zip_covers_harbour_only(self, ada_asked, admin, member, mailoutbox):
        (email,) = mailoutbox
        assert email.to == ["admin@example.com"]
        assert email.subject == "Max Member's data from Harbour Health is ready"
        export = DataExport.objects.get()
        assert (export.person, export.requested_by, export.organisation.slug) == (member, admin, "harbour")
        event = AuditEvent.objects.get(kind=AuditKind.DATA_EXPORT_REQUESTED)
        assert event.actor == admin and event.organisation == export.organisation

        response = ada_asked.get(link_in(email))

        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as opened:
            everything = "".join(opened.read(name).decode() for name in opened.namelist())
        assert "Max at Harbour" in everything and "Max elsewhere" not in everything

    def test_max_cannot_use_the_admins_link(self, ada_asked, member, mailoutbox, client):
        client.force_login(member)
        assert client.get(link_in(mailoutbox[0])).status_code == 404

    def test_an_admin_no_longer_cannot_use_it(self, ada_asked, admin, organisation, mailoutbox):
        organisation.admins.remove(admin)
        assert ada_asked.get(link_in(mailoutbox[0])).status_code == 404

    def test_the_people_page_offers_the_action_on_each_row(self, login, admin, member):
        page = login(admin).get(reverse("organisation_people", args=["harbour"])).content.decode()
        assert reverse("person_data_export", args=["harbour", member.pk]) in page
        assert "Export data<span class=\"visually-hidden\">: Max Member</span>" in page


@pytest.mark.parametrize("actor, person, status", [
    ("member", "facilitator", 403),  # not an admin of Harbour Health
    ("outsider", "member", 403),
    ("stranger", "member", 404),  # not in Harbour Health at all
    ("admin", "stranger", 404),  # an admin of Harbour Health; the stranger is not in it
])
def test_an_export_of_someone_else_is_refused_and_writes_nothing(actor, person, status, request, client, outsider):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("person_data_export", args=["harbour", request.getfixturevalue(person).pk])

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url)

    assert response.status_code == status
    assert_no_writes(queries)
    assert not DataExport.objects.exists()


def test_asking_and_exporting_refuse_get(login, admin, member):
    client = login(admin)
    assert client.get(ASK).status_code == 405
    assert client.get(reverse("person_data_export", args=["harbour", member.pk])).status_code == 405

"""Delete my account (alignment/erasure.py): asked, told by e-mail once, cancelled; then, on the day, erased.

Erin is active everywhere: she checks in, comments, consents and objects, logs decisions, writes (anonymous)
cards, votes, rates, asks another team, gets notifications, signs in from her own address, and has a copy of her
data. Once her day has come and the daily run has been, not one text, e-mail, JSON or IP column of any model
holds her address, her name or her IP; the team's pages still show what she wrote, as "Former member".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from axes.models import AccessLog
from django.apps import apps
from django.db import connection, models
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from alignment import audit, data_export, erasure, services
from alignment.confirm import CONFIRMED
from alignment.models import AuditEvent, AuditKind, DataExport, Invitation, Membership
from charters.models import Comment
from checkins.erase import WORDS_REMOVED
from checkins.models import Blocker, CheckIn, Commitment
from decisions.models import Decision
from notifications.models import CalendarFeed, Notification
from reviews.retro.models import RetroCard, RetroVote
from tests.alignment.test_data_export import build_stage, write_everything
from tests.checkins.conftest import MONDAY

pytestmark = pytest.mark.django_db

ERIN_EMAIL = "erin.erasable@example.com"
ERIN_NAME = "Erin Erasable"
ERIN_IP = "203.0.113.77"


@pytest.fixture
def erin(make_user, team, add_member, leader):
    person = make_user(ERIN_EMAIL, ERIN_NAME)
    add_member(team, person, "member")
    return person


def run_on_the_day(frozen, person, *, days: int | None = None):
    """The daily run, on the day the person's deletion is due (or `days` after now)."""
    person.refresh_from_db()
    frozen(person.erase_after + timedelta(minutes=1) if days is None else timezone.now() + timedelta(days=days))
    return erasure.erase_due()


# Asking and cancelling ------------------------------------------------------------------------------------------

def test_asking_schedules_the_deletion_after_the_grace_period_and_emails_once(
        erin, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 14
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        when = erasure.schedule_erasure(person=erin, actor=erin)
    erasure.queue_unsent_notices(now=timezone.now() + timedelta(hours=1))  # the sweep sends nothing twice

    erin.refresh_from_db()
    assert erin.erase_after == when and timedelta(days=14) <= when - before < timedelta(days=14, minutes=1)
    (email,) = mailoutbox
    assert email.to == [ERIN_EMAIL]
    assert email.subject.startswith("Your Charter account will be deleted after")
    assert "/accounts/profile/#delete-account" in email.body
    event = AuditEvent.objects.get(kind=AuditKind.ACCOUNT_ERASURE_SCHEDULED)
    assert event.actor == erin and event.organisation == erin.memberships.get().team.organisation
    assert erin.is_active  # she keeps working meanwhile


def test_asking_twice_is_refused_in_words(erin):
    erasure.schedule_erasure(person=erin, actor=erin)

    with pytest.raises(services.ActionRefused, match="already to be deleted"):
        erasure.schedule_erasure(person=erin, actor=erin)


def test_cancelling_keeps_everything_and_a_cancelled_notice_is_not_sent(erin, mailoutbox, frozen):
    erasure.schedule_erasure(person=erin, actor=erin)
    erasure.cancel_erasure(person=erin, actor=erin)

    erasure.queue_unsent_notices(now=timezone.now() + timedelta(hours=1))  # the notice's task was lost
    counts = run_on_the_day(frozen, erin, days=30)

    erin.refresh_from_db()
    assert erin.erase_after is None and not erin.is_erased and erin.email == ERIN_EMAIL
    assert counts.erased == 0
    assert mailoutbox == []
    assert AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_ERASURE_CANCELLED, actor=erin).exists()


def test_the_profile_page_asks_for_the_password_says_when_and_cancels(login, erin):
    client = login(erin)
    page = client.get(reverse("profile"))
    assert "Delete my account" in page.content.decode() and "14 days" in page.content.decode()

    wrong = client.post(reverse("account_delete"), {"password": "not it"})
    assert wrong.status_code == 400 and "That is not your password." in wrong.content.decode()
    erin.refresh_from_db()
    assert erin.erase_after is None

    done = client.post(reverse("account_delete"), {"password": "password"}, follow=True)
    erin.refresh_from_db()
    assert erin.erase_after is not None
    assert "Your account will be deleted after" in done.content.decode()
    assert "Cancel the deletion" in done.content.decode()

    cancelled = client.post(reverse("account_delete_cancel"), follow=True)
    erin.refresh_from_db()
    assert erin.erase_after is None
    assert "The deletion of your account is cancelled" in cancelled.content.decode()


def test_an_admin_deletes_the_account_of_someone_in_no_other_organisation(login, leader, erin, organisation):
    url = reverse("person_delete_account", args=[organisation.slug, erin.pk])

    asked = login(leader).post(url)
    assert asked.status_code == 200 and "Delete Erin Erasable&#x27;s account?" in asked.content.decode()
    erin.refresh_from_db()
    assert erin.erase_after is None

    assert login(leader).post(url, CONFIRMED).status_code == 302
    erin.refresh_from_db()
    assert erin.erase_after is not None
    event = AuditEvent.objects.get(kind=AuditKind.ACCOUNT_ERASURE_SCHEDULED)
    assert event.organisation == organisation and event.actor == leader


def test_an_admin_may_not_delete_the_account_of_someone_also_in_another_organisation(
        login, leader, erin, organisation, stranger, add_member):
    elsewhere = Membership.objects.get(user=stranger).team
    add_member(elsewhere, erin, "member")

    response = login(leader).post(reverse("person_delete_account", args=[organisation.slug, erin.pk]), CONFIRMED)

    assert response.status_code == 409
    assert "also in Elsewhere" in response.content.decode()
    erin.refresh_from_db()
    assert erin.erase_after is None


def test_nothing_happens_before_the_day(erin, frozen):
    erasure.schedule_erasure(person=erin, actor=erin)

    counts = run_on_the_day(frozen, erin, days=13)

    erin.refresh_from_db()
    assert counts.erased == 0 and erin.email == ERIN_EMAIL and erin.is_active


# Held back ------------------------------------------------------------------------------------------------------

def test_the_only_leader_is_held_back_told_once_and_erased_once_someone_else_leads(
        make_user, add_member, team, organisation, frozen, mailoutbox, django_capture_on_commit_callbacks):
    lone = make_user("lone.leader@example.com", "Lone Leader")
    add_member(team, lone, "leader")
    admin = make_user("ops@example.com", "Ops Admin")
    organisation.admins.add(admin)
    erasure.schedule_erasure(person=lone, actor=lone)
    mailoutbox.clear()

    for _ in range(2):  # two days running: told once
        with django_capture_on_commit_callbacks(execute=True):
            counts = run_on_the_day(frozen, lone)
        assert counts.held == 1

    lone.refresh_from_db()
    assert not lone.is_erased and lone.is_active and Membership.objects.filter(user=lone).exists()
    assert sorted(m.to[0] for m in mailoutbox) == ["lone.leader@example.com", "ops@example.com"]
    assert "only leader of Platform" in mailoutbox[0].body
    assert AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_ERASURE_HELD).count() == 1
    assert "only leader of Platform" in erasure.deletion_status(lone).held_because

    add_member(team, make_user("next@example.com", "Next Leader"), "leader")
    assert run_on_the_day(frozen, lone).erased == 1
    lone.refresh_from_db()
    assert lone.is_erased and lone.email == erasure.placeholder_email(lone.pk)


# Idempotent, nothing lost ------------------------------------------------------------------------------------------

def test_a_run_that_dies_half_way_leaves_her_whole_for_the_next_run(erin, frozen, team):
    Commitment.objects.create(team=team, owner=erin, title="Ship the rota", standard="Deployed.",
                              due_on=MONDAY + timedelta(days=60))
    erasure.schedule_erasure(person=erin, actor=erin)

    def dies(subject):
        raise RuntimeError("the worker died")

    erasure._erasers["zz-dies"] = dies
    try:
        counts = run_on_the_day(frozen, erin)
    finally:
        del erasure._erasers["zz-dies"]

    erin.refresh_from_db()
    assert counts.failed == 1
    assert erin.email == ERIN_EMAIL and erin.is_active and Membership.objects.filter(user=erin).exists()
    assert Commitment.objects.get(title="Ship the rota").owner == erin  # the hand-over rolled back too

    assert erasure.erase_due().erased == 1
    assert erasure.erase_due().erased == 0  # a second run finds nobody
    erin.refresh_from_db()
    assert erin.is_erased
    assert AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_ERASED).count() == 1


# No personal field survives ----------------------------------------------------------------------------------------

def seed_erin_everywhere(erin, leader, member, team, other_team) -> None:
    stage = build_stage(team, other_team)
    write_everything(erin, stage, "Erin-words")
    CheckIn.objects.create(team=team, author=erin, week=MONDAY + timedelta(weeks=3), progress="Erin-draft")
    Commitment.objects.create(team=team, owner=erin, title="Erin open commitment", standard="Done.",
                              due_on=MONDAY + timedelta(days=90))
    other = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted",
                                   submitted_at=timezone.now(), progress="Max's week")
    Blocker.objects.create(check_in=other, what="Waiting on the rota", who_could_help=erin)
    Comment.objects.create(charter=stage.charters[0], section="purpose", author=leader, body="Lena's comment")
    Notification.objects.create(recipient=leader, kind="checkin_reply", subject=f"{ERIN_NAME} replied",
                                body=f"{ERIN_NAME} ({ERIN_EMAIL}) wrote back.", url="/")
    # Signed in from her own address and browser; a failed try at her address; an admin exported her data.
    request = RequestFactory().get("/", REMOTE_ADDR=ERIN_IP, HTTP_USER_AGENT="ErinBrowser/1.0")
    audit.record(AuditKind.SIGNED_IN, actor=erin, summary=f"{ERIN_EMAIL} signed in", request=request)
    audit.record(AuditKind.SIGN_IN_FAILED, actor_email=ERIN_EMAIL, summary=f"Sign-in failed for {ERIN_EMAIL}",
                 request=request)
    AccessLog.objects.create(username=ERIN_EMAIL, ip_address=ERIN_IP, user_agent="ErinBrowser/1.0",
                             http_accept="*/*", path_info="/accounts/login/", attempt_time=timezone.now())
    # What allauth keeps: her address, an authenticator app, a link to her organisation's provider, a session.
    EmailAddress.objects.create(user=erin, email=ERIN_EMAIL, verified=True, primary=True)
    Authenticator.objects.create(user=erin, type=Authenticator.Type.TOTP, data={"secret": "ERINSECRET"})
    SocialAccount.objects.create(user=erin, provider="org1", uid=ERIN_EMAIL,
                                 extra_data={"userinfo": {"email": ERIN_EMAIL, "name": ERIN_NAME}})
    UserSession.objects.create(user=erin, session_key="erin-session", ip=ERIN_IP, user_agent="ErinBrowser/1.0")
    export = data_export.request_export(person=erin, actor=erin)
    data_export.build_export(export.pk)
    data_export.request_export(person=erin, actor=leader, organisation=team.organisation)
    Invitation.objects.create(team=other_team, email=ERIN_EMAIL, token_hash="x" * 64, invited_by=leader,
                              expires_at=timezone.now() + timedelta(days=3))


def survivors(*needles: str) -> list[str]:
    """Every text, e-mail, JSON and IP column of every model that still holds one of `needles`."""
    found = []
    kinds = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, kinds):
                continue
            rows = model._base_manager.annotate(_text=Cast(field.name, TextField()))
            for needle in needles:
                if rows.filter(_text__icontains=needle).exists():
                    found.append(f"{model._meta.label}.{field.name} holds {needle!r}")
    return found


def test_no_personal_field_survives_and_the_team_pages_show_former_member(
        erin, leader, member, team, other_team, frozen, login, django_capture_on_commit_callbacks):
    seed_erin_everywhere(erin, leader, member, team, other_team)
    assert len(survivors(ERIN_EMAIL, ERIN_NAME, ERIN_IP)) > 10  # the scan finds her before
    erasure.schedule_erasure(person=erin, actor=erin)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_on_the_day(frozen, erin).erased == 1

    assert survivors(ERIN_EMAIL, ERIN_NAME, ERIN_IP, "ERINSECRET") == []
    erin.refresh_from_db()
    assert erin.email == f"erased-{erin.pk}@erased.invalid" and erin.name == "Former member"
    assert not erin.has_usable_password() and not erin.is_active and erin.last_login is None
    # Personal and not needed: gone.
    assert not CheckIn.objects.filter(author=erin, state="draft").exists()
    assert not Notification.objects.filter(recipient=erin).exists()
    assert not CalendarFeed.objects.filter(user=erin).exists()
    assert not DataExport.objects.filter(person=erin).exists()
    assert set(CheckIn.objects.filter(author=erin).values_list("progress", flat=True)) == {WORDS_REMOVED}
    # What the team needs: kept, under the anonymous account; the open commitment went to the leader.
    assert Comment.objects.filter(author=erin, body__startswith="Erin-words").exists()
    assert RetroCard.objects.filter(author=erin, retrospective__is_anonymous=True).exists()
    assert RetroVote.objects.filter(voter=erin).exists()
    assert Commitment.objects.get(title="Erin open commitment").owner == leader
    # The audit trail keeps the facts.
    signed_in = AuditEvent.objects.get(kind=AuditKind.SIGNED_IN, actor=erin)
    assert signed_in.actor_email == erin.email and signed_in.ip_address is None and signed_in.user_agent == ""
    assert AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_ERASED).exists()

    decision = Decision.objects.filter(logged_by=erin).first()
    page = login(leader).get(reverse("decisions:detail", args=[team.organisation.slug, team.slug, decision.pk]))
    assert page.status_code == 200
    assert "Former member" in page.content.decode() and "former member" not in page.content.decode()  # once
    people = login(leader).get(reverse("organisation_people", args=[team.organisation.slug]))
    assert people.status_code == 200 and erin.email not in people.content.decode()  # nobody any more
    assert login(leader).get(reverse("team", args=[team.organisation.slug, team.slug])).status_code == 200


def test_her_erased_account_cannot_sign_in(client, erin, frozen):
    erasure.schedule_erasure(person=erin, actor=erin)
    run_on_the_day(frozen, erin)

    for address in (ERIN_EMAIL, erasure.placeholder_email(erin.pk)):
        response = client.post(reverse("login"), {"login": address, "password": "password"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session


# The audit trail's trigger (PostgreSQL) ----------------------------------------------------------------------------

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")


def _set(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL charter.{name} = 'on'")


@postgresql
def test_the_trigger_lets_the_erasure_take_the_person_out_and_nothing_else(erin):
    from django.db import DatabaseError, transaction

    request = RequestFactory().get("/", REMOTE_ADDR=ERIN_IP)
    event = audit.record(AuditKind.SIGNED_IN, actor=erin, summary=f"{ERIN_EMAIL} signed in", request=request)
    rows = AuditEvent._base_manager.filter(pk=event.pk)

    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():  # not under the erasure
        rows.update(actor_email=erasure.placeholder_email(erin.pk), ip_address=None)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():  # a fact changed
        _set("audit_erasure")
        rows.update(kind=AuditKind.SIGNED_OUT)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():  # not the placeholder
        _set("audit_erasure")
        rows.update(actor_email="someone.else@example.com")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():  # no delete either
        _set("audit_erasure")
        rows.delete()

    with transaction.atomic():
        _set("audit_erasure")
        rows.update(actor_email=erasure.placeholder_email(erin.pk), ip_address=None, user_agent="",
                    summary=f"{erasure.placeholder_email(erin.pk)} signed in")

    event = rows.get()
    assert event.actor_email == erasure.placeholder_email(erin.pk) and event.ip_address is None
    assert event.kind == AuditKind.SIGNED_IN and event.actor == erin

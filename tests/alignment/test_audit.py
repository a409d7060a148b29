"""The audit trail: one event per change, with who, when, from where and what changed; nobody can edit it.

The core's changes (organisation settings, admins, teams, memberships, invitations) and sign-ins here;
the feature apps' events (ratification, consent, decisions, retrospectives, calendar feed, site admin) in
test_audit_events.py; the admins' page, its CSV and the retention purge at the end of this file.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment import audit, services
from alignment.confirm import CONFIRMED
from alignment.errors import ActionRefused
from alignment.models import AuditEvent, AuditKind, Membership, Organisation, Role, Team
from alignment.tasks import purge_audit_trail

pytestmark = pytest.mark.django_db

AUDIT_URL = reverse("organisation_audit", args=["harbour"])
CSV_URL = reverse("organisation_audit_csv", args=["harbour"])
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the trigger is PostgreSQL's: need PostgreSQL (set DATABASE_URL)")


def the_event(kind: str, **where) -> AuditEvent:
    """The one event of this kind (fails if there are none or several)."""
    events = list(AuditEvent.objects.filter(kind=kind, **where))
    assert len(events) == 1, f"{len(events)} {kind} events: {[e.summary for e in events]}"
    return events[0]


# The record ---------------------------------------------------------------------------------------------


class TestRecord:
    def test_outside_a_request_it_records_who_and_no_address(self, admin, organisation):
        event = audit.record(AuditKind.ADMIN_ADDED, organisation=organisation, actor=admin, summary="Done by a task",
                             changes={"when": datetime(2026, 1, 2, tzinfo=UTC)})

        assert (event.actor, event.actor_email, event.ip_address, event.user_agent) == (
            admin, "admin@example.com", None, "")
        assert event.changes == {"when": "2026-01-02T00:00:00Z"}

    def test_in_a_request_it_takes_the_address_and_browser(self, login, admin, organisation, settings):
        login(admin).post(reverse("organisation_settings", args=["harbour"]),
                          {"name": "Harbour", "default_time_zone": "", "version": 1},
                          REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox " + "x" * 400)

        event = the_event(AuditKind.ORGANISATION_SETTINGS_CHANGED)
        assert event.ip_address == "203.0.113.9"
        assert event.user_agent.startswith("Firefox ") and len(event.user_agent) == 200

    def test_the_address_follows_the_lockouts_rule_for_proxies(self, login, admin, organisation, settings):
        settings.TRUSTED_PROXIES = 1
        login(admin).post(reverse("organisation_settings", args=["harbour"]),
                          {"name": "Harbour", "default_time_zone": "", "version": 1},
                          REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")

        assert the_event(AuditKind.ORGANISATION_SETTINGS_CHANGED).ip_address == "198.51.100.7"

    def test_a_change_rolled_back_leaves_no_event(self, admin, member, organisation):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.add_admin(organisation=organisation, person=member, actor=admin)
            raise RuntimeError("the request failed after the service")

        assert not AuditEvent.objects.exists()
        assert not organisation.admins.filter(pk=member.pk).exists()

    def test_a_refused_change_leaves_no_event(self, admin, organisation):
        with pytest.raises(ActionRefused):
            services.remove_admin(organisation=organisation, person=admin, actor=admin)

        assert not AuditEvent.objects.exists()

    def test_the_event_outlives_its_actor_team_and_organisation(self, admin, leader, team, organisation):
        services.archive_team(team=team, actor=leader)
        Team.objects.filter(pk=team.pk).delete()
        leader.delete()

        event = the_event(AuditKind.TEAM_ARCHIVED)
        assert (event.actor, event.team, event.actor_email) == (None, None, "leader@example.com")
        assert event.summary == "Platform archived"


class TestImmutable:
    @pytest.fixture
    def event(self, admin, organisation):
        return audit.record(AuditKind.ADMIN_ADDED, organisation=organisation, actor=admin, summary="Original")

    def test_the_manager_refuses_update_and_delete(self, event):
        with pytest.raises(PermissionError):
            AuditEvent.objects.filter(pk=event.pk).update(summary="Rewritten")
        with pytest.raises(PermissionError):
            AuditEvent.objects.filter(pk=event.pk).delete()
        with pytest.raises(PermissionError):
            AuditEvent.objects.all().delete()

        assert AuditEvent.objects.get(pk=event.pk).summary == "Original"

    def test_an_event_refuses_save_and_delete(self, event):
        event.summary = "Rewritten"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()

        assert AuditEvent.objects.get(pk=event.pk).summary == "Original"

    def test_the_site_admin_reads_it_and_cannot_change_or_delete_it(self, event, client, make_user):
        client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))

        assert client.get(reverse("admin:alignment_auditevent_changelist")).status_code == 200
        page = client.get(reverse("admin:alignment_auditevent_change", args=[event.pk]))
        assert page.status_code == 200 and b'name="summary"' not in page.content
        assert client.get(reverse("admin:alignment_auditevent_add")).status_code == 403
        assert client.post(reverse("admin:alignment_auditevent_delete", args=[event.pk]),
                           {"post": "yes"}).status_code == 403
        assert AuditEvent.objects.filter(pk=event.pk, summary="Original").exists()

    @on_postgresql
    def test_postgresql_refuses_a_raw_update_and_delete(self, event):
        for sql in ("UPDATE alignment_auditevent SET summary = 'Rewritten' WHERE id = %s",
                    "DELETE FROM alignment_auditevent WHERE id = %s"):
            with pytest.raises(DatabaseError, match="audit events cannot be changed or deleted"), \
                    transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])

        assert AuditEvent.objects.get(pk=event.pk).summary == "Original"

    @on_postgresql
    def test_postgresql_refuses_the_base_manager_too(self, event):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent._base_manager.filter(pk=event.pk).update(summary="Rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent._base_manager.filter(pk=event.pk).delete()

        assert AuditEvent.objects.get(pk=event.pk).summary == "Original"

    @on_postgresql
    def test_postgresql_lets_the_purge_setting_delete_but_not_update(self, event):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL charter.audit_purge = 'on'")
            cursor.execute("UPDATE alignment_auditevent SET summary = 'Rewritten' WHERE id = %s", [event.pk])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL charter.audit_purge = 'on'")
            cursor.execute("DELETE FROM alignment_auditevent WHERE id = %s", [event.pk])

        assert not AuditEvent.objects.filter(pk=event.pk).exists()


# Sign-ins -------------------------------------------------------------------------------------------------


class TestSignIn:
    def test_signing_in_and_out(self, client, member):
        client.post(reverse("login"), {"login": "MEMBER@example.com", "password": "password"},
                    REMOTE_ADDR="192.0.2.4", HTTP_USER_AGENT="Safari")
        client.post(reverse("logout"))

        signed_in = the_event(AuditKind.SIGNED_IN)
        assert (signed_in.actor, signed_in.organisation, signed_in.ip_address, signed_in.user_agent) == (
            member, None, "192.0.2.4", "Safari")
        assert the_event(AuditKind.SIGNED_OUT).actor == member

    def test_a_failed_sign_in_keeps_the_address_tried_and_never_the_password(self, client, member):
        client.post(reverse("login"), {"login": "Member@example.com", "password": "hunter2-secret"},
                    REMOTE_ADDR="192.0.2.5")

        event = the_event(AuditKind.SIGN_IN_FAILED)
        assert (event.actor, event.actor_email, event.ip_address) == (None, "member@example.com", "192.0.2.5")
        assert "hunter2" not in f"{event.summary} {event.changes}"
        assert not AuditEvent.objects.filter(kind=AuditKind.SIGNED_IN).exists()


# The core's changes ---------------------------------------------------------------------------------------


class TestOrganisation:
    def test_settings_say_what_changed(self, admin, organisation):
        services.update_organisation_settings(
            organisation=organisation, expected_version=1, actor=admin, name="Harbour Health", purpose_serves="",
            purpose="Care at home.", purpose_refuses="", default_time_zone="", closed_cycle_retention_months=12,
            audit_retention_months=36)

        event = the_event(AuditKind.ORGANISATION_SETTINGS_CHANGED)
        assert (event.actor, event.organisation) == (admin, organisation)
        assert event.changes == {"purpose": ["Care close to home.", "Care at home."],
                                 "closed_cycle_retention_months": [None, 12], "audit_retention_months": [24, 36]}
        assert "purpose" in event.summary

    def test_the_retention_is_set_where_the_other_settings_are(self, login, admin, organisation):
        login(admin).post(reverse("organisation_settings", args=["harbour"]),
                          {"name": "Harbour Health", "default_time_zone": "", "audit_retention_months": "6",
                           "version": 1})

        organisation.refresh_from_db()
        assert organisation.audit_retention_months == 6

    def test_admins_added_and_removed(self, admin, leader, member, organisation):
        services.add_admin(organisation=organisation, person=member, actor=admin)
        services.remove_admin(organisation=organisation, person=leader, actor=admin)

        added, removed = the_event(AuditKind.ADMIN_ADDED), the_event(AuditKind.ADMIN_REMOVED)
        assert (added.actor, added.organisation, added.changes) == (admin, organisation,
                                                                    {"admin": [None, "member@example.com"]})
        assert removed.changes == {"admin": ["leader@example.com", None]}


class TestTeams:
    def test_a_new_team_and_its_leader(self, admin, outsider, organisation):
        team = services.create_team(organisation=organisation, name="Data", actor=admin,
                                    leader_email="outsider@example.com")

        created, joined = the_event(AuditKind.TEAM_CREATED), the_event(AuditKind.MEMBER_ADDED)
        assert (created.team, created.organisation, created.actor) == (team, organisation, admin)
        assert joined.changes == {"member": [None, "outsider@example.com"], "roles": [[], ["leader"]]}

    def test_settings_archive_and_restore(self, leader, team):
        services.update_team_settings(team=team, expected_version=1, name="Platform", privacy_minimum=5, actor=leader)
        services.archive_team(team=team, actor=leader)
        services.restore_team(team=team, actor=leader)

        settings_event = the_event(AuditKind.TEAM_SETTINGS_CHANGED)
        assert (settings_event.actor, settings_event.team) == (leader, team)
        assert settings_event.changes == {"privacy_minimum": [3, 5]}
        assert the_event(AuditKind.TEAM_ARCHIVED).summary == "Platform archived"
        assert the_event(AuditKind.TEAM_RESTORED).actor == leader

    def test_the_settings_page_records_who_saved(self, login, leader, team):
        login(leader).post(reverse("team_settings", args=["harbour", "platform"]), {
            "name": "Platform", "time_zone": "Europe/Paris", "checkin_weekday": 4, "checkin_time": "10:00",
            "review_cadence_weeks": 6, "privacy_minimum": 3, "strain_trigger_weeks": 3, "strain_trigger_window": 4,
            "unclear_trigger_count": 3, "version": 1})

        event = the_event(AuditKind.TEAM_SETTINGS_CHANGED)
        assert event.actor == leader and event.changes == {"time_zone": ["Europe/London", "Europe/Paris"]}

    def test_saving_without_a_change_records_nothing(self, leader, team):
        services.update_team_settings(team=team, expected_version=1, name="Platform", actor=leader)

        assert not AuditEvent.objects.exists()


class TestMemberships:
    def test_roles_changed(self, leader, member, team):
        membership = Membership.objects.get(user=member, team=team)
        services.change_roles(membership=membership, roles=[Role.MEMBER, Role.FACILITATOR], actor=leader)

        event = the_event(AuditKind.ROLES_CHANGED)
        assert (event.actor, event.team) == (leader, team)
        assert event.changes == {"member": "member@example.com", "roles": [["member"], ["member", "facilitator"]]}

    def test_removed_and_left_are_told_apart(self, leader, member, facilitator, team):
        services.remove_member(membership=Membership.objects.get(user=member), actor=leader)
        services.remove_member(membership=Membership.objects.get(user=facilitator), actor=facilitator)

        removed, left = the_event(AuditKind.MEMBER_REMOVED), the_event(AuditKind.MEMBER_LEFT)
        assert (removed.actor, removed.changes["member"]) == (leader, ["member@example.com", None])
        assert (left.actor, left.summary) == (facilitator, "facilitator@example.com left Platform")

    def test_moved(self, admin, facilitator, team, other_team):
        services.move_member(membership=Membership.objects.get(user=facilitator), to_team=other_team, actor=admin)

        event = the_event(AuditKind.MEMBER_MOVED)
        assert (event.actor, event.team, event.changes["team"]) == (admin, other_team, ["Platform", "Growth"])

    def test_invitation_sent_revoked_and_accepted(self, leader, team, make_user):
        first, _ = services.invite(team=team, email="New@example.com", roles=[Role.MEMBER], actor=leader)
        services.revoke_invitation(invitation=first, actor=leader)
        _, token = services.invite(team=team, email="new@example.com", roles=[Role.FACILITATOR], actor=leader)
        newcomer = make_user("new@example.com", "Nia New")
        services.accept_invitation(token=token, user=newcomer)

        sent = AuditEvent.objects.filter(kind=AuditKind.INVITATION_SENT)
        assert [(e.actor, e.changes["roles"]) for e in sent] == [(leader, "facilitator"), (leader, "member")]
        assert the_event(AuditKind.INVITATION_REVOKED).changes == {"email": "new@example.com"}
        accepted = the_event(AuditKind.INVITATION_ACCEPTED)
        assert (accepted.actor, accepted.team, accepted.organisation_id) == (newcomer, team, team.organisation_id)

    def test_removing_through_the_page_records_it_once(self, login, leader, member, team):
        membership = Membership.objects.get(user=member)
        login(leader).post(reverse("member_remove", args=["harbour", "platform", membership.pk]), CONFIRMED,
                           REMOTE_ADDR="192.0.2.8")

        event = the_event(AuditKind.MEMBER_REMOVED)
        assert (event.actor, event.ip_address) == (leader, "192.0.2.8")


# Reading it -----------------------------------------------------------------------------------------------


def event_at(organisation, moment, *, kind=AuditKind.ADMIN_ADDED, email="someone@example.com", summary="An event",
             team=None, frozen=None):
    frozen(moment)
    return audit.record(kind, organisation=organisation, team=team, actor_email=email, summary=summary)


class TestAuditPage:
    def test_admins_read_it_newest_first_and_it_is_linked_from_the_organisation(self, login, admin, organisation,
                                                                                frozen):
        event_at(organisation, datetime(2026, 3, 1, 9, tzinfo=UTC), summary="Older one", frozen=frozen)
        event_at(organisation, datetime(2026, 3, 2, 9, tzinfo=UTC), summary="Newer one", frozen=frozen)
        audit.record(AuditKind.ADMIN_ADDED, organisation=Organisation.objects.create(name="Else", slug="else"),
                     summary="Another organisation's")
        client = login(admin)

        response = client.get(AUDIT_URL)

        assert [e.summary for e in response.context["page"].events] == ["Newer one", "Older one"]
        assertNotContains(response, "Another organisation&#x27;s")
        assertContains(response, "<caption>")
        assertContains(response, '<th scope="col">When</th>', html=False)
        assertContains(response, '<div class="table-scroll">')
        assertContains(client.get(organisation.get_absolute_url()), f'href="{AUDIT_URL}"')

    def test_only_admins_read_it(self, login, member, stranger, client):
        assert login(member).get(AUDIT_URL).status_code == 403
        assert login(stranger).get(AUDIT_URL).status_code == 404
        assert client.logout() is None and client.get(CSV_URL)["Location"].startswith(reverse("login"))

    def test_filtered_by_kind_person_and_days(self, login, admin, organisation, frozen):
        event_at(organisation, datetime(2026, 3, 1, 9, tzinfo=UTC), email="ann@example.com", summary="Ann early",
                 frozen=frozen)
        event_at(organisation, datetime(2026, 3, 5, 9, tzinfo=UTC), email="ann@example.com", summary="Ann late",
                 frozen=frozen)
        event_at(organisation, datetime(2026, 3, 5, 10, tzinfo=UTC), email="bob@example.com", summary="Bob",
                 kind=AuditKind.ADMIN_REMOVED, frozen=frozen)
        client = login(admin)

        def shown(**query):
            return [e.summary for e in client.get(AUDIT_URL, query).context["page"].events]

        assert shown(kind=AuditKind.ADMIN_REMOVED) == ["Bob"]
        assert shown(person="ANN@") == ["Ann late", "Ann early"]
        assert shown(since="2026-03-02", until="2026-03-05") == ["Bob", "Ann late"]
        assert shown(until="2026-03-01") == ["Ann early"]

    def test_a_wrong_range_is_said_beside_the_field(self, login, admin, organisation):
        response = login(admin).get(AUDIT_URL, {"since": "2026-03-05", "until": "2026-03-01"})

        assertContains(response, "The last day comes after the first.", status_code=400)

    def test_paged_at_fifty_with_the_filter_kept(self, login, admin, organisation, frozen):
        for n in range(55):
            event_at(organisation, datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n), summary=f"Event {n}",
                     frozen=frozen)
        client = login(admin)

        first = client.get(AUDIT_URL, {"kind": AuditKind.ADMIN_ADDED})
        second = client.get(AUDIT_URL, {"kind": AuditKind.ADMIN_ADDED, "page": 2})

        assert len(first.context["page"].events) == 50 and len(second.context["page"].events) == 5
        assertContains(first, "?kind=admin_added&amp;page=2")

    @pytest.mark.parametrize("size", [3, 60])
    def test_query_count_is_flat(self, size, login, admin, organisation, team, frozen, django_assert_num_queries):
        for n in range(size):
            event_at(organisation, datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n), team=team,
                     frozen=frozen)
        client = login(admin)

        # query: the session; the signed-in person; the organisation (admins or a team of it); is the person an
        # admin of it; a page of events with their teams (+1); the header's team switcher
        with django_assert_num_queries(6):
            assert client.get(AUDIT_URL).status_code == 200

    def test_the_csv_holds_the_filtered_events_and_the_export_is_recorded(self, login, admin, organisation,
                                                                          frozen):
        event_at(organisation, datetime(2026, 3, 1, 9, tzinfo=UTC), email="ann@example.com",
                 summary="=HYPERLINK(evil)", frozen=frozen)
        event_at(organisation, datetime(2026, 3, 2, 9, tzinfo=UTC), email="bob@example.com", summary="Bob's",
                 frozen=frozen)
        frozen(datetime(2026, 3, 3, 9, tzinfo=UTC))

        response = login(admin).get(CSV_URL, {"person": "ann"}, REMOTE_ADDR="192.0.2.1")

        assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="harbour-audit-' in response["Content-Disposition"]
        rows = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
        assert rows[0] == audit.CSV_HEADER
        assert [row[4] for row in rows[1:]] == ["'=HYPERLINK(evil)"]  # a formula is not run by the spreadsheet
        exported = the_event(AuditKind.AUDIT_EXPORTED)
        assert (exported.actor, exported.organisation, exported.ip_address) == (admin, organisation, "192.0.2.1")
        assert exported.changes == {"person": "ann"}


# Retention ------------------------------------------------------------------------------------------------


class TestRetention:
    def test_the_daily_purge_deletes_what_is_older_than_the_organisations_months(self, organisation, frozen,
                                                                                 settings):
        settings.AUDIT_RETENTION_MONTHS = 12
        organisation.audit_retention_months = 6
        organisation.save(update_fields=["audit_retention_months"])
        old = event_at(organisation, datetime(2026, 1, 9, tzinfo=UTC), summary="Old", frozen=frozen)
        kept = event_at(organisation, datetime(2026, 1, 11, tzinfo=UTC), summary="Kept", frozen=frozen)
        frozen(datetime(2026, 2, 1, tzinfo=UTC))
        sign_in = audit.record(AuditKind.SIGNED_IN, actor_email="a@example.com", summary="Org-less, young")
        frozen(datetime(2025, 7, 1, tzinfo=UTC))
        old_sign_in = audit.record(AuditKind.SIGNED_IN, actor_email="a@example.com", summary="Org-less, old")
        frozen(datetime(2026, 7, 10, 12, tzinfo=UTC))

        assert purge_audit_trail.delay().get() == 2

        remaining = set(AuditEvent.objects.values_list("pk", flat=True))
        assert {kept.pk, sign_in.pk} <= remaining and not {old.pk, old_sign_in.pk} & remaining
        purged = the_event(AuditKind.AUDIT_PURGED)
        assert purged.organisation == organisation and purged.changes["deleted"] == 1
        assert audit.purge_expired() == 0  # a second run finds nothing

    def test_batches_go_until_nothing_is_left(self, organisation, frozen):
        for n in range(7):
            event_at(organisation, datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=n), frozen=frozen)
        frozen(datetime(2026, 1, 1, tzinfo=UTC))

        assert audit.purge_expired(batch=3) == 7
        assert list(AuditEvent.objects.values_list("kind", flat=True)) == [AuditKind.AUDIT_PURGED]

    def test_beat_runs_it_daily(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["audit retention"]
        assert entry["task"] == "alignment.tasks.purge_audit_trail" and entry["schedule"] == 86400.0


def test_the_page_writes_a_change_as_before_and_after():
    from alignment.templatetags.audit import change_in_words

    assert change_in_words(["pending", "proceed"]) == "pending → proceed"
    assert change_in_words([[], ["leader", "member"]]) == "none → leader, member"
    assert change_in_words([None, "Platform"]) == "(empty) → Platform"
    assert change_in_words(False) == "no"
    assert change_in_words([{"member": "a@example.com", "kind": "missing"}]) == "member: a@example.com, kind: missing"

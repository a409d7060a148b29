"""Who may open which address: one row per URL of the core and of notifications, one column per person.

anonymous → sent to log in (except the front page, which tells them what Charter is);
outsider (another team, same organisation) → 404 on team URLs; stranger (another
organisation) → 404 on organisation and team URLs; a member or facilitator without the
leader role → 403 on leader-only URLs; leader → success. An archived team refuses every
change but restoring it (TestArchivedTeam below and test_team_archive.py).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver, reverse
from pytest_django.asserts import assertRedirects

from alignment import data_export, permissions
from alignment import urls as core_urls
from alignment.confirm import CONFIRMED
from alignment.models import AuditEvent, AuditKind, Invitation, Membership
from notifications import calendar as calendar_feed
from notifications import services as notifications
from notifications import urls as notification_urls
from notifications.models import Notification, TeamWebhook
from tests import cast

LOGIN = "login"  # expectation: redirected to the login page with ?next=
ACTORS = ("anonymous", "outsider", "stranger", "member", "facilitator", "leader", "admin")

# fmt: off
ANSWERS = {
    #                      anonymous outsider stranger member facilitator leader admin
    # Signed out, the front page says what Charter is; signed in, it lists your teams.
    "home":                (200,     200,     200,     200,   200,        200, 200),
    "signup":              (200,     302,     302,     302,   302,        302, 302),
    "profile":             (LOGIN,   200,     200,     200,   200,        200, 200),
    # Download my data: anyone signed in asks for their own; the link is the member's (they asked), for them alone.
    "data_export_request": (LOGIN,   302,     302,     302,   302,        302, 302),
    "data_export_download": (LOGIN,  404,     404,     200,   404,        404, 404),
    # Delete my account: anyone signed in schedules (password again) or cancels the deletion of their own.
    "account_delete":      (LOGIN,   302,     302,     302,   302,        302, 302),
    "account_delete_cancel": (LOGIN, 302,     302,     302,   302,        302, 302),
    "organisation_create": (LOGIN,   200,     200,     200,   200,        200, 200),
    "organisation":        (LOGIN,   200,     404,     200,   200,        200, 200),
    # Running the organisation is for its admins (the leader is one in the cast; the admin is in no team):
    # its settings and people, naming admins, creating teams and moving people between them.
    "organisation_settings": (LOGIN, 403,     404,     403,   403,        200, 200),
    "organisation_people": (LOGIN,   403,     404,     403,   403,        200, 200),
    # The audit trail and its CSV export are for its admins alone (the leader is one in the cast).
    "organisation_audit":  (LOGIN,   403,     404,     403,   403,        200, 200),
    "organisation_audit_csv": (LOGIN, 403,    404,     403,   403,        200, 200),
    # How its people sign in (identity provider, domains, provisioning token) is for its admins alone.
    "organisation_sign_in": (LOGIN,  403,     404,     403,   403,        200, 200),
    "organisation_sign_in_remove": (LOGIN, 403, 404,   403,   403,        302, 302),
    "organisation_provisioning_token": (LOGIN, 403, 404, 403,  403,        302, 302),
    "admin_add":           (LOGIN,   403,     404,     403,   403,        302, 302),
    "admin_remove":        (LOGIN,   403,     404,     403,   403,        302, 302),
    "member_move":         (LOGIN,   403,     404,     403,   403,        302, 302),
    "membership_make_leader": (LOGIN, 403,    404,     403,   403,        302, 302),
    # An admin asks for what someone wrote in the organisation; the link goes to that admin.
    "person_data_export":  (LOGIN,   403,     404,     403,   403,        302, 302),
    # Leavers: deactivating someone (confirmed) and undoing it are for the organisation's admins.
    "person_deactivate":   (LOGIN,   403,     404,     403,   403,        302, 302),
    "person_reactivate":   (LOGIN,   403,     404,     403,   403,        302, 302),
    # An admin schedules the deletion of the account of someone in no other organisation (confirmed).
    "person_delete_account": (LOGIN, 403,     404,     403,   403,        302, 302),
    # Creating teams is for organisation admins (the leader is one in the cast).
    "team_create":         (LOGIN,   403,     404,     403,   403,        200, 200),
    "team":                (LOGIN,   404,     404,     200,   200,        200, 200),
    "team_settings":       (LOGIN,   404,     404,     403,   403,        200, 404),
    # An admin outside the team reads its summary pages (test_admin_reads.py) and archives or restores it;
    # everything else of the team is 404 to them, as to an outsider.
    # GET asks for confirmation; the POST that archives is in test_team_archive.py.
    "team_archive":        (LOGIN,   404,     404,     403,   403,        200, 200),
    # The team in the table is not archived: the leader is told so and sent back to it.
    "team_restore":        (LOGIN,   404,     404,     403,   403,        302, 302),
    "invitation_create":   (LOGIN,   404,     404,     403,   403,        302, 404),
    "invitation_revoke":   (LOGIN,   404,     404,     403,   403,        302, 404),
    "member_roles":        (LOGIN,   404,     404,     403,   403,        302, 404),
    # Removing someone else; leaving yourself is tested in test_member_remove.py.
    "member_remove":       (LOGIN,   404,     404,     403,   403,        302, 404),
    # Chat webhooks are part of managing the team: its leaders only.
    "notifications:webhooks":       (LOGIN,   404,     404,     403,   403,        200, 404),
    "notifications:webhook_events": (LOGIN,   404,     404,     403,   403,        302, 404),
    "notifications:webhook_enable": (LOGIN,   404,     404,     403,   403,        302, 404),
    "notifications:webhook_test":   (LOGIN,   404,     404,     403,   403,        302, 404),
    "notifications:webhook_remove": (LOGIN,   404,     404,     403,   403,        302, 404),
    # Rolling a JSON webhook's secret answers with the page showing the new one (200); the table's is a chat
    # webhook, so the leader is told it has none and sent back (302). tests/notifications/test_webhook_signed.py
    "notifications:webhook_roll":   (LOGIN,   404,     404,     403,   403,        302, 404),
    # Whoever holds the link may read the invitation: the token is the permission.
    "invitation_accept":   (200,     200,     200,     200,   200,        200, 200),
    # Notifications are one person's own: someone else's is 404 (the target belongs to the member).
    "notifications:list":   (LOGIN,   200,     200,     200,   200,        200, 200),
    "notifications:bell":   (LOGIN,   200,     200,     200,   200,        200, 200),
    "notifications:open":   (LOGIN,   404,     404,     302,   404,        404, 404),
    "notifications:read_all": (LOGIN, 302,     302,     302,   302,        302, 302),
    "notifications:preferences": (LOGIN, 200,  200,     200,   200,        200, 200),
    "notifications:snooze": (LOGIN,   302,     302,     302,   302,        302, 302),
    # The signed link is the permission (it sits in an email): no login needed, and it names its person.
    "notifications:unsubscribe": (200, 200,    200,     200,   200,        200, 200),
    # Each person's own calendar address: making or stopping it is theirs alone.
    "notifications:calendar":       (LOGIN,   200,     200,     200,   200,        200, 200),
    "notifications:calendar_issue": (LOGIN,   302,     302,     302,   302,        302, 302),
    "notifications:calendar_revoke": (LOGIN,  302,     302,     302,   302,        302, 302),
    # The secret address is the permission (calendar apps fetch without a login); it names the member.
    "notifications:calendar_ics":   (200,     200,     200,     200,   200,        200, 200),
    # Prometheus' scrape is for METRICS_TOKEN's bearer alone: no person, signed in or not, learns it is there
    # (tests/config/test_metrics.py has the token's answers).
    "metrics":             (404,     404,     404,     404,   404,        404, 404),
}
# fmt: on

# What each URL is called with; the rest are GETs.
POSTED = {
    "admin_add": {"person": "member_id"},
    "admin_remove": CONFIRMED,
    "member_move": {"to_team": "other_team_id", **CONFIRMED},
    "membership_make_leader": {},
    "person_deactivate": CONFIRMED,
    "person_reactivate": {},
    "person_delete_account": CONFIRMED,
    "account_delete": {"password": "password"},
    "account_delete_cancel": {},
    "invitation_create": {"email": "newcomer@example.com", "roles": ["member"]},
    # Destructive posts carry the confirmation (alignment/confirm.py), so the table shows the action's answer.
    "invitation_revoke": CONFIRMED,
    "member_roles": {"roles": ["member", "facilitator"]},
    "member_remove": CONFIRMED,
    "notifications:webhook_events": {"events": ["retro_summary"]},
    "notifications:webhook_enable": {},
    "notifications:webhook_test": {},
    "notifications:webhook_remove": CONFIRMED,
    "notifications:webhook_roll": {},
    "team_restore": {},
    "notifications:read_all": {"up_to": 10**9},
    "notifications:snooze": {"action": "snooze"},
    "notifications:calendar_issue": {},
    "notifications:calendar_revoke": CONFIRMED,
    "data_export_request": {},
    "person_data_export": {},
    "organisation_sign_in_remove": CONFIRMED,
    "organisation_provisioning_token": {},
}
URL_KWARGS = {
    "organisation": ("org_slug",),
    "organisation_settings": ("org_slug",),
    "organisation_people": ("org_slug",),
    "organisation_audit": ("org_slug",),
    "organisation_audit_csv": ("org_slug",),
    "organisation_sign_in": ("org_slug",),
    "organisation_sign_in_remove": ("org_slug",),
    "organisation_provisioning_token": ("org_slug",),
    "admin_add": ("org_slug",),
    "admin_remove": ("org_slug", "user_id"),
    "member_move": ("org_slug", "membership_id"),
    "membership_make_leader": ("org_slug", "membership_id"),
    "person_data_export": ("org_slug", "user_id"),
    "data_export_download": ("export_token",),
    # "name=target": the URL's `user_id` is the colleague's (the cast's leader is their team's only leader).
    "person_deactivate": ("org_slug", "user_id=colleague_id"),
    "person_reactivate": ("org_slug", "user_id=colleague_id"),
    "person_delete_account": ("org_slug", "user_id=colleague_id"),
    "team_create": ("org_slug",),
    "team": ("org_slug", "team_slug"),
    "team_settings": ("org_slug", "team_slug"),
    "team_archive": ("org_slug", "team_slug"),
    "team_restore": ("org_slug", "team_slug"),
    "invitation_create": ("org_slug", "team_slug"),
    "invitation_revoke": ("org_slug", "team_slug", "invitation_id"),
    "member_roles": ("org_slug", "team_slug", "membership_id"),
    "member_remove": ("org_slug", "team_slug", "membership_id"),
    "notifications:webhooks": ("org_slug", "team_slug"),
    "notifications:webhook_events": ("org_slug", "team_slug", "webhook_id"),
    "notifications:webhook_enable": ("org_slug", "team_slug", "webhook_id"),
    "notifications:webhook_test": ("org_slug", "team_slug", "webhook_id"),
    "notifications:webhook_remove": ("org_slug", "team_slug", "webhook_id"),
    "notifications:webhook_roll": ("org_slug", "team_slug", "webhook_id"),
    "invitation_accept": ("token",),
    "notifications:open": ("notification_id",),
    "notifications:unsubscribe": ("unsubscribe_token",),
    "notifications:calendar_ics": ("calendar_token",),
}
# Django's own views, tested only for what this project configures (test_accounts.py).
NOT_IN_TABLE = {"login", "password_reset", "password_reset_confirm"}  # Django's own (tests/alignment/test_accounts.py, test_login_lockout.py)
# Not a person's page: the health check and a load balancer's probes answer everyone (tests/config/test_health.py).
NOT_IN_TABLE |= {"health", "health_live", "health_ready"}
# allauth's names for the sign-in pages (tests/alignment/test_sign_in_permissions.py has their table).
NOT_IN_TABLE |= {"account_login", "account_signup", "account_email", "account_logout", "account_inactive",
                 "account_reauthenticate", "account_change_password", "account_reset_password", "usersessions_list",
                 "socialaccount_login_cancelled", "socialaccount_login_error", "socialaccount_signup",
                 "openid_connect_login", "saml_login"}


def _world() -> dict:
    """The cast, and what the URLs point at: a pending invitation and a colleague none of the cast is."""
    world = cast.everyone()
    team, other_team, leader, member = world["team"], world["other_team"], world["leader"], world["member"]
    invitation, token = cast.invitation(team, "pending@example.com", invited_by=leader)
    colleague = cast.add_member(team, cast.user("colleague@example.com", "Cleo Colleague"), "member")
    notification = Notification.objects.create(recipient=member, kind="checkin_reply", subject="A reply",
                                               url=team.get_absolute_url())
    world["targets"] = {
        "notification_id": notification.pk,
        "unsubscribe_token": notifications.unsubscribe_token(member, "checkin_reply"),
        "calendar_token": calendar_feed.issue_token(user=member),
        "org_slug": team.organisation.slug,
        "team_slug": team.slug,
        "invitation_id": invitation.pk,
        "membership_id": colleague.pk,
        "member_id": member.pk,
        "colleague_id": colleague.user_id,
        "other_team_id": other_team.pk,
        "user_id": leader.pk,  # an admin, not the only one
        "webhook_id": TeamWebhook.objects.create(team=team, url="https://hooks.example.com/services/T0/B0/x1y2z3",
                                                 events=["charter_ratified"]).pk,
        "token": token,
    }
    return world


# Built once for the module's hundreds of cells; each test changes a copy, in a savepoint.
world_built_once = cast.built_once_per_module(_world)


globals().update(cast.copies_for_each_test(*cast.EVERYONE, "targets"))


def member_data_export(member) -> str:
    """The link of a copy of the member's data, built and ready, which the member asked for."""
    export = data_export.request_export(person=member, actor=member)
    data_export.build_export(export.pk)
    return data_export.token_of(export)


@pytest.fixture
def as_actor(request, client, login):
    def as_(actor: str):
        if actor == "anonymous":
            return client
        return login(request.getfixturevalue(actor))

    return as_


def test_table_covers_every_url_of_the_app():
    named = {pattern.name for pattern in core_urls.urlpatterns if isinstance(pattern, URLPattern)}
    named |= {f"{notification_urls.app_name}:{pattern.name}" for pattern in notification_urls.urlpatterns}
    named |= {pattern.name for pattern in get_resolver().url_patterns if isinstance(pattern, URLPattern)}
    assert named - NOT_IN_TABLE == set(ANSWERS)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("url_name", ANSWERS)
def test_each_person_gets_the_answer_in_the_table(
    url_name, actor, targets, as_actor, outsider, stranger, member
):
    if "export_token" in URL_KWARGS.get(url_name, ()):  # a copy of his data is built only where a URL needs it
        targets["export_token"] = member_data_export(member)
    url = reverse(url_name, kwargs={key.partition("=")[0]: targets[key.partition("=")[2] or key]
                                    for key in URL_KWARGS.get(url_name, ())})
    client = as_actor(actor)

    posted = {key: targets.get(value, value) if isinstance(value, str) else value
              for key, value in POSTED.get(url_name, {}).items()}
    response = client.post(url, posted) if url_name in POSTED else client.get(url)

    expected = dict(zip(ACTORS, ANSWERS[url_name], strict=True))[actor]
    if expected == LOGIN:
        assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("actor", ["outsider", "stranger", "member", "facilitator"])
def test_refused_actions_change_nothing(actor, targets, as_actor, team, outsider, stranger):
    client = as_actor(actor)
    team_kwargs = {"org_slug": targets["org_slug"], "team_slug": targets["team_slug"]}

    client.post(
        reverse("invitation_create", kwargs=team_kwargs),
        {"email": "newcomer@example.com", "roles": ["leader"]},
    )
    client.post(
        reverse(
            "invitation_revoke", kwargs={**team_kwargs, "invitation_id": targets["invitation_id"]}
        ),
        CONFIRMED,
    )
    client.post(
        reverse("member_roles", kwargs={**team_kwargs, "membership_id": targets["membership_id"]}),
        {"roles": ["leader"]},
    )
    client.post(
        reverse("member_remove", kwargs={**team_kwargs, "membership_id": targets["membership_id"]}),
        CONFIRMED,
    )
    client.post(reverse("team_archive", kwargs=team_kwargs), CONFIRMED)
    colleague = Membership.objects.select_related("user").get(pk=targets["membership_id"]).user
    client.post(reverse("person_deactivate", args=[targets["org_slug"], colleague.pk]), CONFIRMED)
    client.post(reverse("membership_make_leader", args=[targets["org_slug"], targets["membership_id"]]))
    client.post(reverse("person_delete_account", args=[targets["org_slug"], colleague.pk]), CONFIRMED)
    client.post(
        reverse("team_settings", kwargs=team_kwargs),
        {
            "name": "Taken over",
            "time_zone": "UTC",
            "checkin_weekday": 0,
            "checkin_time": "09:00",
            "review_cadence_weeks": 2,
            "version": 1,
        },
    )

    assert not Invitation.objects.filter(email="newcomer@example.com").exists()
    assert Invitation.objects.pending().filter(pk=targets["invitation_id"]).exists()
    assert Membership.objects.get(pk=targets["membership_id"]).roles == ["member"]
    colleague.refresh_from_db()
    assert colleague.is_active
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSON_DEACTIVATED).exists()
    assert colleague.erase_after is None
    assert not AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_ERASURE_SCHEDULED).exists()
    team.refresh_from_db()
    assert team.name == "Platform"
    assert not team.is_archived


def test_leader_cannot_reach_another_teams_invitation_through_their_own_team(
    login, leader, team, other_team, make_invitation
):
    theirs, _ = make_invitation(other_team, "theirs@example.com")

    response = login(leader).post(
        reverse("invitation_revoke", args=["harbour", "platform", theirs.pk])
    )

    assert response.status_code == 404
    assert Invitation.objects.pending().filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("url_name", ["member_roles", "member_remove"])
def test_leader_cannot_reach_another_teams_member_through_their_own_team(
    url_name, login, leader, outsider
):
    theirs = Membership.objects.get(user=outsider)

    response = login(leader).post(
        reverse(url_name, args=["harbour", "platform", theirs.pk]), {"roles": ["facilitator"]}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.roles == ["leader", "member"]


@pytest.mark.parametrize(
    "url_name", ["invitation_create", "invitation_revoke", "member_roles", "member_remove", "team_restore"]
)
def test_actions_refuse_get(url_name, login, leader, targets):
    kwargs = {"org_slug": "harbour", "team_slug": "platform"}
    if url_name == "invitation_revoke":
        kwargs["invitation_id"] = targets["invitation_id"]
    elif url_name.startswith("member_"):
        kwargs["membership_id"] = targets["membership_id"]

    assert login(leader).get(reverse(url_name, kwargs=kwargs)).status_code == 405


class TestReaderAccess:
    """Reading another team of your own organisation (for pages that show it)."""

    def test_member_of_the_team_gets_their_membership(self, member, team):
        access = permissions.reader_access(member, "harbour", "platform")
        assert access.team == team
        assert access.membership.user == member

    def test_outsider_from_the_same_organisation_gets_the_team_without_membership(
        self, outsider, team
    ):
        access = permissions.reader_access(outsider, "harbour", "platform")
        assert access.team == team
        assert access.membership is None
        assert not access.in_team

    def test_stranger_gets_404(self, stranger, team):
        from django.http import Http404

        with pytest.raises(Http404):
            permissions.reader_access(stranger, "harbour", "platform")


class TestCapabilities:
    """Roles give capabilities in one table; every check asks for a capability by name."""

    @pytest.mark.parametrize(("actor", "granted"), [
        ("leader", {"read_team", "read_summary", "manage_team", "archive_team", "restore_team", "steward_charter",
                    "discuss_charter", "log_decision", "record_outcome", "record_progress", "read_checkins",
                    "answer_checkins", "run_retro", "take_part_in_retro"}),
        ("member", {"read_team", "read_summary", "respond_to_charter", "discuss_charter", "log_decision", "check_in",
                    "take_part_in_retro"}),
        ("facilitator", {"read_team", "read_summary", "respond_to_charter", "discuss_charter", "log_decision",
                         "check_in", "read_checkins", "run_retro", "take_part_in_retro"}),
        ("outsider", set()),
        # An organisation admin in none of its teams: its summaries, archiving and restoring, nothing else.
        ("admin", {"read_summary", "archive_team", "restore_team"}),
    ])
    def test_role_table(self, request, actor, granted, team):
        user = request.getfixturevalue(actor)
        access = permissions.reader_access(user, "harbour", "platform")

        assert {str(c) for c in access.capabilities} == granted

    def test_team_access_requires_the_capability(self, member, team):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied, match="leaders"):
            permissions.team_access(member, "harbour", "platform", permissions.Capability.MANAGE_TEAM)

    def test_outsider_is_404_before_any_capability_is_asked(self, outsider, team):
        from django.http import Http404

        with pytest.raises(Http404):
            permissions.team_access(outsider, "harbour", "platform", permissions.Capability.READ_TEAM)

    def test_the_only_leader_may_not_leave_but_a_member_may(self, leader, member, team):
        members = list(team.memberships.all())

        assert not permissions.reader_access(leader, "harbour", "platform").may_leave(members)
        assert permissions.reader_access(member, "harbour", "platform").may_leave(members)


class TestArchivedTeam:
    """An archived team keeps reading (its check-ins too) and restoring; every other capability is refused."""

    @pytest.fixture(autouse=True)
    def archived(self, team, leader):
        from alignment import services

        services.archive_team(team=team, actor=leader)

    @pytest.mark.parametrize(("actor", "granted"), [
        ("leader", {"read_team", "read_summary", "read_checkins", "restore_team"}),
        ("member", {"read_team", "read_summary"}),
        ("facilitator", {"read_team", "read_summary", "read_checkins"}),
        ("outsider", set()),
        ("admin", {"read_summary", "restore_team"}),
    ])
    def test_only_reading_and_restoring_remain(self, request, actor, granted, team):
        access = permissions.reader_access(request.getfixturevalue(actor), "harbour", "platform")

        assert {str(c) for c in access.capabilities} == granted

    def test_leader_may_restore_but_not_manage(self, leader):
        access = permissions.team_access(leader, "harbour", "platform")

        assert access.may_restore_team
        assert not access.may_manage_team
        assert not access.may_steward_charter
        assert not access.may_log_decision

    def test_member_may_not_restore(self, member):
        assert not permissions.team_access(member, "harbour", "platform").may_restore_team

    @pytest.mark.parametrize("capability", [permissions.Capability.MANAGE_TEAM,
                                            permissions.Capability.STEWARD_CHARTER,
                                            permissions.Capability.LOG_DECISION])
    def test_a_change_is_refused_with_the_reason(self, capability, leader):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied, match="This team is archived"):
            permissions.team_access(leader, "harbour", "platform", capability)

    def test_reading_is_still_allowed(self, member):
        access = permissions.team_access(member, "harbour", "platform", permissions.Capability.READ_TEAM)

        assert access.in_team

    def test_restore_is_not_offered_on_a_team_that_is_not_archived(self, leader, team):
        from alignment import services

        services.restore_team(team=team, actor=leader)

        access = permissions.team_access(leader, "harbour", "platform")
        assert not access.may_restore_team
        assert access.may_manage_team

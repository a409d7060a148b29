"""Two-factor sign-in through the site's pages (allauth's, in templates/mfa/): an authenticator app, recovery codes,
wrong codes slowed down and kept in the audit trail, an organisation that requires it, and a person's sessions.

Everything runs through the login form, so allauth records each sign-in as it does for a real browser. Codes are
computed with allauth's own TOTP functions; the `clock` moves allauth's time instead of waiting for it.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import services, two_factor
from alignment.models import AuditEvent, AuditKind
from tests.authenticator import code

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
CODE_URL = reverse("mfa_authenticate")
MFA_URL = reverse("mfa_index")
ACTIVATE_URL = reverse("mfa_activate_totp")
SESSIONS_URL = reverse("usersessions_list")
HOME_URL = reverse("home")
TEAM_URL = reverse("team", args=["harbour", "platform"])
SETTINGS_URL = reverse("organisation_settings", args=["harbour"])


def log_in(client: Client, email: str, password: str = "password"):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def confirm_password(client: Client) -> None:
    """allauth asks for the password again before a sign-in method is added or changed."""
    response = client.post(reverse("account_reauthenticate"), {"password": "password"})
    assert response.status_code == 302, response.content.decode()


def with_authenticator_app(user) -> tuple[str, list[str]]:
    """`user` with an authenticator app and recovery codes, set up as allauth's activation does it."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return secret, codes


def trail(kind: AuditKind, user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind, actor=user).order_by("pk"))


class TestAuthenticatorApp:
    # Committed for real: allauth tells of a new method after commit, and the request's session hears of it.
    @pytest.mark.django_db(transaction=True)
    def test_a_person_turns_it_on_and_logs_in_with_its_code(self, client, member, clock):
        log_in(client, "member@example.com")
        assert client.get(ACTIVATE_URL)["Location"].startswith(reverse("account_reauthenticate"))
        confirm_password(client)
        page = client.get(ACTIVATE_URL)
        assertContains(page, "<h1>Set up an authenticator app</h1>", html=True)
        secret = page.context["form"].secret
        assertContains(page, f'value="{secret}"')

        response = client.post(ACTIVATE_URL, {"code": code(secret, clock)})

        # Recovery codes are made with it and shown at once, to keep.
        assertRedirects(response, reverse("mfa_view_recovery_codes"))
        codes = client.get(reverse("mfa_view_recovery_codes"))
        assertContains(codes, "Your recovery codes")
        assertContains(codes, "10 of 10 codes left.")
        assert [e.changes["method"] for e in trail(AuditKind.TWO_FACTOR_ADDED, member)] == ["totp", "recovery_codes"]

        client.post(reverse("logout"))
        clock.move(30)  # the app shows its next code
        response = log_in(client, "member@example.com")
        assertRedirects(response, CODE_URL)
        page = client.get(CODE_URL)
        assertContains(page, '<label for="id_code">Code</label>', html=True)

        response = client.post(CODE_URL, {"code": code(secret, clock)})

        assertRedirects(response, HOME_URL, fetch_redirect_response=False)
        assert client.get(HOME_URL).context["user"] == member

    def test_the_password_alone_does_not_sign_in(self, client, member, clock):
        with_authenticator_app(member)

        response = log_in(client, "member@example.com")

        assertRedirects(response, CODE_URL)
        assert "_auth_user_id" not in client.session
        assertRedirects(client.get(reverse("profile")), f"{LOGIN_URL}?next={reverse('profile')}",
                        fetch_redirect_response=False)

    def test_a_code_already_used_is_refused(self, client, member, clock):
        secret, _ = with_authenticator_app(member)
        log_in(client, "member@example.com")
        client.post(CODE_URL, {"code": code(secret, clock)})
        client.post(reverse("logout"))

        log_in(client, "member@example.com")
        response = client.post(CODE_URL, {"code": code(secret, clock)})

        assertContains(response, "Incorrect code.")
        assert "_auth_user_id" not in client.session


class TestRecoveryCodes:
    def test_a_recovery_code_signs_in_once(self, client, member, clock):
        _, codes = with_authenticator_app(member)
        log_in(client, "member@example.com")

        response = client.post(CODE_URL, {"code": codes[0]})

        assertRedirects(response, HOME_URL, fetch_redirect_response=False)
        client.post(reverse("logout"))
        log_in(client, "member@example.com")
        response = client.post(CODE_URL, {"code": codes[0]})
        assertContains(response, "Incorrect code.")
        assert "_auth_user_id" not in client.session
        # The next one still works.
        assertRedirects(client.post(CODE_URL, {"code": codes[1]}), HOME_URL, fetch_redirect_response=False)

    def test_the_codes_page_and_the_download_list_the_unused_codes(self, client, member, clock):
        secret, codes = with_authenticator_app(member)
        log_in(client, "member@example.com")
        client.post(CODE_URL, {"code": codes[0]})
        confirm_password(client)

        page = client.get(reverse("mfa_view_recovery_codes"))
        download = client.get(reverse("mfa_download_recovery_codes"))

        assertContains(page, "9 of 10 codes left.")
        assertNotContains(page, codes[0])
        assertContains(page, f"<li><code>{codes[1]}</code></li>", html=True)
        assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
        assert download.content.decode().split("\n")[1:10] == codes[1:]


class TestWrongCodes:
    def test_wrong_codes_are_slowed_down_and_each_is_in_the_audit_trail(self, client, member, clock):
        secret, _ = with_authenticator_app(member)
        log_in(client, "member@example.com")

        for _ in range(5):
            assertContains(client.post(CODE_URL, {"code": "000000"}), "Incorrect code.")
        response = client.post(CODE_URL, {"code": code(secret, clock)})

        # After five wrong codes even the right one is refused, for five minutes.
        assertContains(response, "Too many failed login attempts")
        assert "_auth_user_id" not in client.session
        failures = trail(AuditKind.TWO_FACTOR_FAILED, member)
        assert len(failures) == 5
        assert failures[0].summary == "A two-factor code for member@example.com was refused"

        clock.move(301)
        response = client.post(CODE_URL, {"code": code(secret, clock)})
        assertRedirects(response, HOME_URL, fetch_redirect_response=False)


class TestTrail:
    @pytest.mark.django_db(transaction=True)
    def test_new_recovery_codes_and_turning_the_app_off_are_audited(self, client, member, clock):
        secret, old_codes = with_authenticator_app(member)
        log_in(client, "member@example.com")
        client.post(CODE_URL, {"code": code(secret, clock)})
        confirm_password(client)

        page = client.get(reverse("mfa_generate_recovery_codes"))
        assertContains(page, "Make new recovery codes?")
        assertContains(page, "Your 10 unused codes stop working.")
        assertRedirects(client.post(reverse("mfa_generate_recovery_codes")), reverse("mfa_view_recovery_codes"))
        assert [e.summary for e in trail(AuditKind.RECOVERY_CODES_MADE, member)] == [
            "member@example.com made new recovery codes"]
        new_codes = Authenticator.objects.get(user=member, type="recovery_codes").wrap().generate_codes()
        assert set(new_codes).isdisjoint(old_codes)

        assertContains(client.get(reverse("mfa_deactivate_totp")), "Turn off the authenticator app?")
        assertRedirects(client.post(reverse("mfa_deactivate_totp")), MFA_URL, fetch_redirect_response=False)

        assert {e.changes["method"] for e in trail(AuditKind.TWO_FACTOR_REMOVED, member)} == {
            "totp", "recovery_codes"}
        assert not Authenticator.objects.filter(user=member).exists()
        assertContains(client.get(MFA_URL), "Two-factor sign-in is off.")


class TestOrganisationRequiresIt:
    @pytest.mark.django_db(transaction=True)
    def test_a_member_without_it_is_sent_to_set_it_up_on_every_page_until_they_do(
            self, client, member, organisation, clock):
        organisation.mfa_required = True
        organisation.save(update_fields=["mfa_required"])

        response = log_in(client, "member@example.com")

        assertRedirects(response, HOME_URL, fetch_redirect_response=False)
        for url in (HOME_URL, TEAM_URL, reverse("profile"), SESSIONS_URL):
            assertRedirects(client.get(url), MFA_URL, fetch_redirect_response=False)
        page = client.get(MFA_URL)
        assertContains(page, "Harbour Health requires two-factor sign-in.")
        assertContains(page, "Two-factor sign-in is off.")

        confirm_password(client)
        secret = client.get(ACTIVATE_URL).context["form"].secret
        client.post(ACTIVATE_URL, {"code": code(secret, clock)})

        assert client.get(TEAM_URL).status_code == 200
        assert client.get(HOME_URL).status_code == 200

    def test_turning_it_on_reaches_a_session_already_signed_in_at_its_next_request(
            self, client, member, stranger, leader, organisation, django_capture_on_commit_callbacks):
        elsewhere = Client()
        log_in(client, "member@example.com")
        log_in(elsewhere, "stranger@example.com")
        assert client.get(TEAM_URL).status_code == 200

        with django_capture_on_commit_callbacks(execute=True):
            services.update_organisation_settings(
                organisation=organisation, expected_version=organisation.version, actor=leader,
                name=organisation.name, purpose_serves="", purpose=organisation.purpose, purpose_refuses="",
                default_time_zone="", closed_cycle_retention_months=None, mfa_required=True)

        assertRedirects(client.get(TEAM_URL), MFA_URL, fetch_redirect_response=False)
        # Someone of another organisation goes on as before.
        assert elsewhere.get(HOME_URL).status_code == 200

    def test_a_member_with_a_second_step_goes_on(self, client, member, organisation, clock):
        organisation.mfa_required = True
        organisation.save(update_fields=["mfa_required"])
        secret, _ = with_authenticator_app(member)

        log_in(client, "member@example.com")
        client.post(CODE_URL, {"code": code(secret, clock)})

        assert client.get(TEAM_URL).status_code == 200

    def test_the_settings_page_offers_it_with_its_help(self, login, admin):
        page = login(admin).get(SETTINGS_URL)

        assertContains(page, "Require two-factor sign-in")
        assertContains(page, "must add an authenticator app or a passkey")

    def test_an_admin_turning_it_on_is_audited(self, login, admin, organisation, client,
                                               django_capture_on_commit_callbacks):
        settings = {"name": "Harbour Health", "purpose_serves": "", "purpose": "Care close to home.",
                    "purpose_refuses": "", "default_time_zone": "", "closed_cycle_retention_months": "",
                    "version": organisation.version, "mfa_required": "on"}

        with django_capture_on_commit_callbacks(execute=True):
            response = login(admin).post(SETTINGS_URL, settings)

        assertRedirects(response, SETTINGS_URL, fetch_redirect_response=False)
        organisation.refresh_from_db()
        assert organisation.mfa_required
        event = AuditEvent.objects.get(kind=AuditKind.ORGANISATION_SETTINGS_CHANGED)
        assert (event.actor, event.organisation) == (admin, organisation)
        assert event.changes["mfa_required"] == [False, True]

    def test_turning_it_off_is_audited_and_asks_nobody_again(self, leader, organisation,
                                                             django_capture_on_commit_callbacks):
        organisation.mfa_required = True
        organisation.save(update_fields=["mfa_required"])

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.update_organisation_settings(
                organisation=organisation, expected_version=organisation.version, actor=leader,
                name=organisation.name, purpose_serves="", purpose=organisation.purpose, purpose_refuses="",
                default_time_zone="", closed_cycle_retention_months=None, mfa_required=False)

        # Sessions check again at their next request, so that nobody is still held by the requirement.
        assert callbacks == [two_factor.policy_changed]
        event = AuditEvent.objects.get(kind=AuditKind.ORGANISATION_SETTINGS_CHANGED)
        assert event.changes == {"mfa_required": [True, False]}


class TestSessions:
    def test_the_page_lists_the_persons_sessions_only(self, member, leader):
        here, there, someone_else = Client(HTTP_USER_AGENT="Firefox on a laptop"), \
            Client(HTTP_USER_AGENT="Safari on a phone"), Client(HTTP_USER_AGENT="Edge of the leader")
        for client, email in ((here, "member@example.com"), (there, "member@example.com"),
                              (someone_else, "leader@example.com")):
            log_in(client, email)

        page = here.get(SESSIONS_URL)

        assertContains(page, "<h1>Your sessions</h1>", html=True)
        assertContains(page, "Firefox on a laptop")
        assertContains(page, "Safari on a phone")
        assertNotContains(page, "Edge of the leader")
        assertContains(page, "This browser", count=1)
        assertContains(page, "Log out everywhere else")

    def test_logging_out_the_others_ends_their_session_and_is_audited(self, member):
        here, there = Client(), Client()
        log_in(here, "member@example.com")
        log_in(there, "member@example.com")
        assert there.get(TEAM_URL).status_code == 200

        response = here.post(SESSIONS_URL)

        assertRedirects(response, SESSIONS_URL, fetch_redirect_response=False)
        assertRedirects(there.get(TEAM_URL), f"{LOGIN_URL}?next={TEAM_URL}")
        assert here.get(TEAM_URL).status_code == 200
        assert UserSession.objects.filter(user=member).count() == 1
        assert [e.summary for e in trail(AuditKind.SESSIONS_ENDED, member)] == [
            "member@example.com signed out their other sessions"]
        assertContains(here.get(SESSIONS_URL), "This is the only place you are logged in.")

    def test_signed_out_the_page_asks_to_log_in(self, client):
        assertRedirects(client.get(SESSIONS_URL), f"{LOGIN_URL}?next={SESSIONS_URL}")


class TestProfile:
    def test_the_profile_says_whether_it_is_on_and_links_to_it(self, login, member, clock):
        page = login(member).get(reverse("profile"))
        assertContains(page, "Two-factor sign-in is off.")
        assertContains(page, f'href="{MFA_URL}"')
        assertContains(page, f'href="{SESSIONS_URL}"')

        with_authenticator_app(member)
        page = login(member).get(reverse("profile"))
        assertContains(page, "Two-factor sign-in is on")
        assertContains(page, "a code from your authenticator app")

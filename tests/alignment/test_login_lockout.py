"""Guessing passwords is stopped: after a few wrong ones an address from one IP, or an IP, is locked out for
a while, and an account guessed at from many IPs is slowed; nobody can keep its owner out.

django-axes (8.x lists classifiers only up to Django 6.0) does the counting; these tests
are the evidence that it works on this project's Django: through Django's LoginView,
the admin's login, email logins of any case, and the test client's force_login.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.lockout import client_ip
from tests.config.test_settings import manage

PASSWORD = "harbour-lights-at-dawn-42"
LOCKED = "Logging in is paused."


@pytest.fixture
def nadia(make_user):
    return make_user("nadia@example.com", "Nadia", password=PASSWORD)


def from_ip(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def log_in(client: Client, email: str, password: str, **extra):
    return client.post(reverse("login"), {"login": email, "password": password, **extra})


def guess_wrong(client: Client, email: str, times: int) -> None:
    for n in range(times):
        response = log_in(client, email, f"wrong-{n}")
        assert response.status_code in (200, 429)


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    assertContains(response, LOCKED, status_code=429)
    # The login page in the site's layout, with a form to use when the time is up.
    assertContains(response, "Skip to content", status_code=429)
    assertContains(response, '<h1>Log in</h1>', status_code=429)
    assertContains(response, f'action="{reverse("login")}"', status_code=429)
    assertContains(response, "15 minutes", status_code=429)


def test_four_wrong_passwords_still_let_the_right_one_in(nadia, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = from_ip("203.0.113.5")
    guess_wrong(client, "nadia@example.com", 4)

    response = log_in(client, "nadia@example.com", PASSWORD)

    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assert client.session[SESSION_KEY] == str(nadia.pk)


def test_the_fifth_wrong_password_locks_out_even_the_right_one(nadia):
    client = from_ip("203.0.113.5")
    guess_wrong(client, "nadia@example.com", 4)

    fifth = log_in(client, "nadia@example.com", "wrong-again")
    assert_locked_out(fifth)
    assertContains(fifth, 'value="nadia@example.com"', status_code=429)

    right = log_in(client, "nadia@example.com", PASSWORD)
    assert_locked_out(right)
    assert SESSION_KEY not in client.session


def test_a_hundred_fast_guesses_never_get_in(nadia):
    """The probe that found the hole: 100 wrong passwords, then the right one at once."""
    client = from_ip("203.0.113.5")
    guess_wrong(client, "nadia@example.com", 100)

    assert_locked_out(log_in(client, "nadia@example.com", PASSWORD))
    # Refused attempts are not all stored: the count stays one row per address and IP.
    assert AccessAttempt.objects.count() == 1


def test_the_address_is_counted_whatever_its_case(nadia):
    client = from_ip("203.0.113.5")
    for n, spelling in enumerate(["Nadia@example.com", "NADIA@EXAMPLE.COM", " nadia@Example.com",
                                  "nadia@example.COM", "nAdia@example.com"]):
        log_in(client, spelling, f"wrong-{n}")

    assert_locked_out(log_in(client, "nadia@example.com", PASSWORD))


def seconds_pass(seconds: float) -> None:
    """Move the lockout's clock: every recorded try happened that much earlier."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(seconds=seconds))


def test_guesses_from_elsewhere_never_lock_the_owner_out(nadia):
    attacker = from_ip("203.0.113.5")
    guess_wrong(attacker, "nadia@example.com", 5)
    seconds_pass(2)  # the account's short wait after the fifth failure

    owner = from_ip("198.51.100.7")
    assertRedirects(log_in(owner, "nadia@example.com", PASSWORD), reverse("home"), fetch_redirect_response=False)
    assert_locked_out(log_in(attacker, "nadia@example.com", PASSWORD))  # the guesser's IP stays locked


def test_an_account_guessed_at_from_many_ips_is_slowed_not_locked(nadia):
    for n in range(5):
        log_in(from_ip(f"203.0.113.{n + 10}"), "nadia@example.com", f"wrong-{n}")
    failures = AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"]

    owner = from_ip("198.51.100.7")
    slowed = log_in(owner, "nadia@example.com", PASSWORD)

    assert slowed.status_code == 429
    assertContains(slowed, "Wait 1 second and try again", status_code=429)
    assertNotContains(slowed, LOCKED, status_code=429)
    assert SESSION_KEY not in owner.session
    # A try during the wait is refused before its password is checked: it counts as nothing.
    assert AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] == failures

    seconds_pass(1)
    assertRedirects(log_in(owner, "nadia@example.com", PASSWORD), reverse("home"), fetch_redirect_response=False)


def test_the_wait_doubles_with_each_failure_up_to_the_most(nadia, settings):
    from django.utils import timezone

    from alignment.lockout import account_wait

    settings.LOGIN_THROTTLE_MAX_SECONDS = 30
    waits = []
    for n in range(12):
        log_in(from_ip(f"203.0.113.{n + 10}"), "nadia@example.com", f"wrong-{n}")
        latest = AccessAttempt.objects.order_by("-attempt_time").first().attempt_time
        waits.append(account_wait("Nadia@Example.com", now=latest))
        seconds_pass(60)

    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 30, 30, 30]
    assert account_wait("nadia@example.com", now=timezone.now() + timedelta(minutes=16)) == 0  # the cool-off


def test_a_completed_password_reset_lifts_the_lock(nadia, client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    attacker_and_owner = from_ip("203.0.113.5")  # the owner forgot the password, from their own IP
    guess_wrong(attacker_and_owner, "nadia@example.com", 5)
    link = reverse("password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(nadia.pk)),
                                                     "token": default_token_generator.make_token(nadia)})

    form_page = attacker_and_owner.get(link, follow=True)
    new_password = "a-new-harbour-light-77"
    attacker_and_owner.post(form_page.redirect_chain[-1][0], {"new_password1": new_password,
                                                              "new_password2": new_password})

    assert not AccessAttempt.objects.filter(username="nadia@example.com").exists()
    assertRedirects(log_in(attacker_and_owner, "nadia@example.com", new_password), reverse("home"),
                    fetch_redirect_response=False)


def test_one_ip_guessing_many_addresses_is_locked_out(nadia, make_user):
    make_user("omar@example.com", password=PASSWORD)
    attacker = from_ip("203.0.113.5")
    for n in range(5):
        log_in(attacker, f"person{n}@example.com", "password")

    assert_locked_out(log_in(attacker, "omar@example.com", PASSWORD))
    # Someone else, elsewhere, is not affected.
    elsewhere = from_ip("198.51.100.7")
    assertRedirects(log_in(elsewhere, "omar@example.com", PASSWORD), reverse("home"),
                    fetch_redirect_response=False)


def test_the_lock_lifts_after_the_cool_off(nadia, settings):
    client = from_ip("203.0.113.5")
    guess_wrong(client, "nadia@example.com", 5)
    assert_locked_out(log_in(client, "nadia@example.com", PASSWORD))

    # A quarter of an hour passes without another try.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    assertRedirects(log_in(client, "nadia@example.com", PASSWORD), reverse("home"),
                    fetch_redirect_response=False)


def test_axes_reset_unlocks_everyone(nadia):
    client = from_ip("203.0.113.5")
    guess_wrong(client, "nadia@example.com", 5)

    call_command("axes_reset")

    assertRedirects(log_in(client, "nadia@example.com", PASSWORD), reverse("home"),
                    fetch_redirect_response=False)


def test_the_admin_signs_in_on_the_site_s_page_where_the_lockout_counts(make_user):
    make_user("root@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    client = from_ip("203.0.113.5")

    sent = client.get(reverse("admin:login"))

    assert sent.status_code == 302 and sent["Location"].startswith(reverse("login") + "?next=")
    for n in range(5):
        log_in(client, "root@example.com", f"wrong-{n}", next="/admin/")
    response = log_in(client, "root@example.com", PASSWORD, next="/admin/")

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_lockout_keeps_a_local_next_page(nadia):
    client = from_ip("203.0.113.5")
    guess_wrong(client, "nadia@example.com", 4)

    response = log_in(client, "nadia@example.com", "wrong", next="/o/harbour/")

    assertContains(response, '<input type="hidden" name="next" value="/o/harbour/">', html=True,
                   status_code=429)


def test_a_plain_login_page_says_nothing_about_lockouts(client, db):
    assertNotContains(client.get(reverse("login")), LOCKED)


def test_force_login_in_tests_is_not_counted(client, nadia):
    """The suite's `login` fixture logs people in without a password; axes must not get in the way."""
    client.force_login(nadia)

    assert client.get(reverse("home")).status_code == 200
    assert not AccessAttempt.objects.exists()


def test_client_login_works_when_given_a_request(client, nadia):
    """Django's test client calls authenticate() without a request; axes needs one."""
    assert client.login(request=RequestFactory().post("/"), username="nadia@example.com", password=PASSWORD)


class TestClientIp:
    def test_without_trusted_proxies_the_forwarded_header_is_ignored(self, settings):
        settings.TRUSTED_PROXIES = 0
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")

        assert client_ip(request) == "10.0.0.2"

    def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_typed(self, settings):
        settings.TRUSTED_PROXIES = 1
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                       HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

        assert client_ip(request) == "203.0.113.9"

    def test_a_missing_forwarded_header_falls_back_to_the_connection(self, settings):
        settings.TRUSTED_PROXIES = 2
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

        assert client_ip(request) == "10.0.0.2"


class TestSettings:
    def test_limit_cool_off_and_what_is_counted_come_from_the_environment(self, tmp_path):
        result = manage(
            tmp_path, "shell", "-c",
            "from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.AXES_LOCKOUT_PARAMETERS)",
            LOGIN_FAILURE_LIMIT="8", LOGIN_COOLOFF_MINUTES="30", LOGIN_LOCKOUT_BY="username+ip_address",
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "8 0:30:00 [['username', 'ip_address']]"

    def test_an_unknown_lockout_parameter_stops_start_up(self, tmp_path):
        result = manage(tmp_path, "check", LOGIN_LOCKOUT_BY="username,user_agnet")

        assert result.returncode != 0
        assert "LOGIN_LOCKOUT_BY takes username, ip_address or username+ip_address" in result.stderr

"""Signing up, logging in and out by email, and resetting a forgotten password."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from alignment.models import User
from alignment.tasks import send_password_reset_email

# Passes every validator in AUTH_PASSWORD_VALIDATORS.
STRONG_PASSWORD = "harbour-lights-at-dawn-42"
SIGNUP = {
    "email": "Nadia@Example.com",
    "display_name": "Nadia Founder",
    "password1": STRONG_PASSWORD,
    "password2": STRONG_PASSWORD,
}


class TestSignup:
    def test_creates_the_account_and_logs_in(self, client, db):
        response = client.post(reverse("signup"), SIGNUP, follow=True)

        assertRedirects(response, reverse("home"))
        assertContains(response, "Welcome, Nadia Founder. Your account is ready.")
        user = User.objects.get()
        assert user.email == "nadia@example.com"
        assert user.check_password(STRONG_PASSWORD)
        assert client.session[SESSION_KEY] == str(user.pk)

    def test_duplicate_email_is_refused_whatever_its_case(self, client, make_user):
        make_user("nadia@example.com")

        response = client.post(reverse("signup"), SIGNUP)

        assert response.status_code == 200
        assertContains(response, "An account with this email already exists. Log in instead.")
        assert User.objects.count() == 1
        assert SESSION_KEY not in client.session

    def test_weak_password_is_refused_and_the_rest_is_kept(self, client, db):
        response = client.post(
            reverse("signup"), {**SIGNUP, "password1": "123", "password2": "123"}
        )

        assertContains(response, "This password is too short.")
        assertContains(response, 'value="Nadia Founder"')
        assert not User.objects.exists()

    def test_goes_on_to_a_local_next_page(self, client, db):
        response = client.post(reverse("signup"), {**SIGNUP, "next": "/invitations/abc/"})

        assertRedirects(response, "/invitations/abc/", fetch_redirect_response=False)

    def test_ignores_a_next_page_on_another_site(self, client, db):
        response = client.post(reverse("signup"), {**SIGNUP, "next": "https://evil.example/phish"})

        assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_email_from_the_invitation_link_is_filled_in(self, client, db):
        response = client.get(
            reverse("signup"), {"email": "omar@example.com", "next": "/invitations/x/"}
        )

        assertContains(response, 'value="omar@example.com"')
        assertContains(
            response, '<input type="hidden" name="next" value="/invitations/x/">', html=True
        )


class TestLogin:
    def test_logs_in_by_email(self, client, make_user):
        user = make_user("nadia@example.com", password=STRONG_PASSWORD)

        response = client.post(
            reverse("login"), {"login": "nadia@example.com", "password": STRONG_PASSWORD}
        )

        assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        assert client.session[SESSION_KEY] == str(user.pk)

    def test_email_is_matched_whatever_its_case(self, client, make_user):
        user = make_user("nadia@example.com", password=STRONG_PASSWORD)

        client.post(
            reverse("login"), {"login": " Nadia@Example.COM", "password": STRONG_PASSWORD}
        )

        assert client.session[SESSION_KEY] == str(user.pk)

    def test_wrong_password_is_refused(self, client, make_user):
        make_user("nadia@example.com", password=STRONG_PASSWORD)

        response = client.post(
            reverse("login"), {"login": "nadia@example.com", "password": "wrong"}
        )

        assert response.status_code == 200
        assertContains(response, "Please enter a correct email address and password.")
        assert SESSION_KEY not in client.session

    def test_already_logged_in_goes_home(self, login, member):
        assertRedirects(
            login(member).get(reverse("login")), reverse("home"), fetch_redirect_response=False
        )


class TestLogout:
    def test_post_logs_out(self, login, member):
        client = login(member)

        response = client.post(reverse("logout"))

        assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        assert SESSION_KEY not in client.session
        # Signed out, the front page is the one for visitors, with its login form.
        assertContains(client.get(reverse("home")), f'<form method="post" action="{reverse("login")}">')

    def test_get_does_not_log_out(self, login, member):
        client = login(member)

        assert client.get(reverse("logout")).status_code == 405
        assert client.session[SESSION_KEY] == str(member.pk)

    def test_every_page_offers_a_logout_button(self, login, member):
        response = login(member).get(reverse("home"))

        assertContains(
            response, f'<form method="post" action="{reverse("logout")}" class="inline">'
        )


class TestPasswordReset:
    def test_sends_a_link_that_sets_a_new_password(self, client, make_user, mailoutbox):
        user = make_user("nadia@example.com", password=STRONG_PASSWORD)

        response = client.post(reverse("password_reset"), {"email": "Nadia@example.com"})

        assertRedirects(response, reverse("password_reset_done"))
        assert len(mailoutbox) == 1
        email = mailoutbox[0]
        assert email.to == ["nadia@example.com"]
        assert email.subject == "Reset your Charter password"
        link = re.search(r"https?://\S+", email.body).group(0)
        set_password = client.get(urlsplit(link).path, follow=True)
        assertContains(set_password, "Choose a new password")
        done = client.post(
            set_password.redirect_chain[-1][0],
            {"new_password1": "a-new-tide-at-noon-7", "new_password2": "a-new-tide-at-noon-7"},
        )
        assertRedirects(done, reverse("password_reset_complete"))
        user.refresh_from_db()
        assert user.check_password("a-new-tide-at-noon-7")

    def test_unknown_address_gets_the_same_answer_and_no_email(self, client, db, mailoutbox):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

        assertRedirects(response, reverse("password_reset_done"))
        assert mailoutbox == []

    @pytest.mark.parametrize("email", ["nadia@example.com", "nobody@example.com"])
    def test_the_request_only_queues_one_task_whether_or_not_the_account_exists(
        self, client, make_user, monkeypatch, django_assert_num_queries, email
    ):
        """The answer must not take longer for a real account: the lookup and the email happen in the task."""
        make_user("nadia@example.com", password=STRONG_PASSWORD)
        queued = []
        monkeypatch.setattr(send_password_reset_email, "delay", lambda *args: queued.append(args))

        with django_assert_num_queries(0):  # no user lookup in the request, whichever address
            response = client.post(reverse("password_reset"), {"email": email})

        assertRedirects(response, reverse("password_reset_done"), fetch_redirect_response=False)
        assert queued == [(email,)]

    def test_the_link_points_at_the_site_url(self, client, make_user, mailoutbox, settings):
        settings.SITE_URL = "https://charter.example.org"
        make_user("nadia@example.com", password=STRONG_PASSWORD)

        client.post(reverse("password_reset"), {"email": "nadia@example.com"})

        assert "https://charter.example.org/accounts/reset/" in mailoutbox[0].body

    def test_an_invalid_address_queues_nothing(self, client, db, monkeypatch):
        queued = []
        monkeypatch.setattr(send_password_reset_email, "delay", lambda *args: queued.append(args))

        response = client.post(reverse("password_reset"), {"email": "not an address"})

        assert response.status_code == 200
        assert queued == []

    def test_the_task_sends_nothing_to_an_account_that_cannot_reset(self, make_user, mailoutbox):
        make_user("gone@example.com", is_active=False)
        make_user("sso@example.com", password=None)  # an unusable password

        send_password_reset_email("gone@example.com")
        send_password_reset_email("sso@example.com")
        send_password_reset_email("nobody@example.com")

        assert mailoutbox == []

"""Refusals, missing pages and crashes look like the site, as they do in production (DEBUG off)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import include, path, reverse
from django.views.defaults import permission_denied
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed


def crash(request):
    raise RuntimeError("something broke")


# This module doubles as a URLconf: the site's URLs plus one that crashes.
urlpatterns = [path("crash/", crash), path("", include("config.urls"))]


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def assert_in_layout(response, status: int) -> None:
    assert response.status_code == status
    assertContains(response, "Skip to content", status_code=status)
    assertContains(response, '<nav aria-label="Main">', status_code=status)
    assertContains(response, "/static/css/app.css", status_code=status)


class TestNotFound:
    def test_an_unknown_address_shows_the_layout(self, client, db):
        response = client.get("/no-such-page/")

        assert_in_layout(response, 404)
        assertTemplateUsed(response, "404.html")
        assertContains(response, "Page not found", status_code=404)
        assertContains(response, f'href="{reverse("login")}"', status_code=404)

    def test_an_outsider_sees_their_own_navigation_and_nothing_of_the_team(self, login, outsider, team, other_team):
        response = login(outsider).get(reverse("team", args=[team.organisation.slug, team.slug]))

        assert_in_layout(response, 404)
        assertContains(response, "Log out", status_code=404)
        assertContains(response, other_team.name, status_code=404)  # the team switcher
        assertNotContains(response, 'aria-label="Current team"', status_code=404)


class TestForbidden:
    def test_a_missing_role_shows_the_reason(self, login, member, team):
        response = login(member).get(reverse("team_settings", args=[team.organisation.slug, team.slug]))

        assert_in_layout(response, 403)
        assertTemplateUsed(response, "403.html")
        assertContains(response, "You can't do that here", status_code=403)
        assertContains(response, '<p class="message error" role="alert">', status_code=403)

    def test_a_refusal_without_a_reason_says_so_plainly(self, rf, member):
        request = rf.get("/")
        request.user = member

        response = permission_denied(request, PermissionDenied())

        assert response.status_code == 403
        assert b"Your account does not allow this page or action." in response.content
        assert b'role="alert"' not in response.content


class TestServerError:
    def test_a_crash_shows_the_styled_page(self, settings, db):
        settings.ROOT_URLCONF = __name__
        client = Client(raise_request_exception=False)

        response = client.get("/crash/")

        assert response.status_code == 500
        assertContains(response, "Something went wrong on our side", status_code=500)
        assertContains(response, "/static/css/app.css", status_code=500)
        assertContains(response, '<a href="/">Back to the start page</a>', status_code=500)
        assertNotContains(response, "something broke", status_code=500)

    def test_the_page_renders_with_no_context_at_all(self):
        """Django renders 500.html from an empty context, without a request."""
        html = loader.get_template("500.html").render()

        assert "Something went wrong on our side" in html

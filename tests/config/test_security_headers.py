"""Every page carries a Content-Security-Policy that stops injected scripts; signed-in pages are not cached.

The policy allows only our own files, so templates must not need anything inline: the
template check below fails on an inline script, event handler or style before a
browser would refuse it (tests/browser/test_content_security_policy.py watches one).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse

from charters import services as charter_services
from config.middleware import PrivateCacheMiddleware

CSP_HEADER = "Content-Security-Policy"
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in ((p[0], p[1] if len(p) > 1 else "") for p in parts)}


def assert_strict_policy(response) -> None:
    assert CSP_HEADER in response, f"no {CSP_HEADER} on {response.request['PATH_INFO']}"
    policy = directives(response[CSP_HEADER])
    for name, value in REQUIRED_DIRECTIVES.items():
        assert policy.get(name) == value, (name, response[CSP_HEADER])
    assert "unsafe-inline" not in response[CSP_HEADER]
    assert "unsafe-eval" not in response[CSP_HEADER]


@pytest.fixture
def draft(team, leader):
    return charter_services.start_charter(team=team, actor=leader)


class TestContentSecurityPolicy:
    def test_every_main_page_carries_the_policy(self, login, leader, member, team, draft):
        org, slug = team.organisation.slug, team.slug
        client = login(leader)
        pages = [
            reverse("home"),
            reverse("profile"),
            reverse("organisation", args=[org]),
            reverse("team", args=[org, slug]),
            reverse("team_settings", args=[org, slug]),
            reverse("charters:detail", args=[org, slug]),
            reverse("charters:history", args=[org, slug]),
            reverse("charters:print", args=[org, slug, draft.number]),
            reverse("charters:markdown", args=[org, slug, draft.number]),
            reverse("charters:section_edit", args=[org, slug, draft.number, "purpose"]),
            reverse("decisions:list", args=[org, slug]),
        ]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            assert_strict_policy(response)

    def test_htmx_fragments_carry_it_too(self, login, leader, team, draft):
        response = login(leader).get(
            reverse("charters:section_edit", args=[team.organisation.slug, team.slug, draft.number, "purpose"]),
            HTTP_HX_REQUEST="true",
        )

        assert response.status_code == 200
        assert_strict_policy(response)

    def test_pages_for_everyone_carry_it(self, client, db):
        for path in (reverse("login"), reverse("signup"), reverse("password_reset"), reverse("admin:login")):
            assert_strict_policy(client.get(path))

    def test_error_pages_carry_it(self, login, member, outsider, team):
        org, slug = team.organisation.slug, team.slug
        assert_strict_policy(login(outsider).get(reverse("team", args=[org, slug])))  # 404
        assert_strict_policy(login(member).get(reverse("team_settings", args=[org, slug])))  # 403


# Templates the CSP covers: all of ours (emails are read in mail programs, not under our header).
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates",
                 *(Path(settings.BASE_DIR).glob("*/templates"))]
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
# A data block (`type="application/json"`, e.g. allauth's passkey forms or `json_script`) is never run: allowed.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def page_templates() -> list[Path]:
    found = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")
             if "emails" not in path.relative_to(folder).parts]
    assert found, TEMPLATE_DIRS
    return found


@pytest.mark.parametrize(
    ("pattern", "what"),
    [(INLINE_HANDLER, "an inline event handler (on…=)"),
     (INLINE_SCRIPT, "a <script> without src"),
     (INLINE_STYLE, "an inline style")],
)
def test_no_template_needs_anything_the_policy_refuses(pattern, what):
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)[:80]}"
        for path in page_templates()
        for match in pattern.finditer(TEMPLATE_COMMENT.sub("", path.read_text()))
    ]
    assert not offenders, f"{what} would be refused by the Content-Security-Policy: {offenders}"


def test_the_template_check_catches_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script data-allauth-onload="x" type="application/json">{}</script>')
    assert INLINE_HANDLER.search('<button type="button" onclick="window.print()">')
    assert INLINE_HANDLER.search("<img src=x\nonerror=alert(1)>")
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/print.js" defer></script>')
    assert INLINE_STYLE.search('<p style="color: red">')
    assert not INLINE_HANDLER.search("<p>Based on=this</p>")


class TestPrivateCaching:
    def test_a_team_page_is_not_stored(self, login, member, team):
        response = login(member).get(reverse("team", args=[team.organisation.slug, team.slug]))

        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"

    def test_the_markdown_download_is_not_stored(self, login, leader, team, draft):
        response = login(leader).get(
            reverse("charters:markdown", args=[team.organisation.slug, team.slug, draft.number])
        )

        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Cache-Control"] == "private, no-store"

    def test_an_error_page_for_someone_signed_in_is_not_stored(self, login, outsider, team):
        response = login(outsider).get(reverse("team", args=[team.organisation.slug, team.slug]))

        assert response.status_code == 404
        assert response["Cache-Control"] == "private, no-store"

    def test_pages_for_anonymous_people_are_left_alone(self, client, db):
        assert "Cache-Control" not in client.get(reverse("signup"))

    def test_a_view_that_sets_its_own_cache_control_keeps_it(self, rf, member):
        def view(request):
            response = HttpResponse("public")
            response["Cache-Control"] = "public, max-age=60"
            return response

        request = rf.get("/")
        request.user = member

        assert PrivateCacheMiddleware(view)(request)["Cache-Control"] == "public, max-age=60"

"""The site's header (`{% site_header %}`): kept per process under the values it is drawn from, never a token."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from alignment.models import Membership
from alignment.templatetags.fragments import TOKEN_PLACEHOLDER

pytestmark = pytest.mark.django_db


def logout_token(html: str) -> str:
    form = re.search(r'<form method="post" action="/accounts/logout/" class="inline">(.*?)</form>', html, re.S)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1)).group(1)


def test_each_reader_is_given_their_own_token_in_the_header(login, member, team):
    first = login(member).get(reverse("team", args=["harbour", "platform"]))
    other = Client()
    other.force_login(member)
    second = other.get(reverse("team", args=["harbour", "platform"]))

    tokens = {logout_token(first.content.decode()), logout_token(second.content.decode())}
    assert len(tokens) == 2 and TOKEN_PLACEHOLDER not in "".join(tokens)
    assert other.post(reverse("logout"), {"csrfmiddlewaretoken": logout_token(second.content.decode())}).status_code == 302


def test_the_header_follows_a_renamed_team_a_new_team_and_the_unread_count(login, member, team, other_team):
    client = login(member)
    page = reverse("team", args=["harbour", "platform"])
    assertContains(client.get(page), '<a href="/o/harbour/t/platform/" aria-current="page">Platform')

    team.name = "Platform Core"
    team.save(update_fields=["name"])
    Membership.objects.create(team=other_team, user=member, is_member=True)
    from notifications.models import Notification
    Notification.objects.create(recipient=member, kind="test", subject="Hello", url="/")

    response = client.get(page)
    assertContains(response, '<a href="/o/harbour/t/platform/" aria-current="page">Platform Core')
    assertContains(response, '<a href="/o/harbour/t/growth/">Growth <span class="muted">(Harbour Health)</span></a>')
    assertContains(response, "Notifications, 1 unread")
    assertNotContains(response, ">Platform <span")


def test_a_signed_out_reader_is_offered_to_log_in(client):
    response = client.get(reverse("login"))
    assertContains(response, '<a href="/accounts/login/">Log in</a>')
    assertNotContains(response, "Log out")



def test_the_site_assets_are_drawn_once_and_follow_where_static_files_are_served(login, member, team, monkeypatch):
    """`{% site_assets %}`: the seven links every page has, drawn once per process under the static files' address."""
    from django.template import Context, Template
    from django.test import override_settings

    from alignment.drawn_once import forget_all
    from alignment.templatetags import site_header

    html = login(member).get(reverse("team", args=["harbour", "platform"])).content.decode()
    head = html[:html.index("</head>")]
    for asset in ("favicon.svg", "css/app.css", "css/print.css", "django_htmx/htmx-2.min.js", "js/editor.js",
                  "js/not-saved.js", "js/confirm.js"):
        assert f'"/static/{asset}"' in head

    drawn = []
    render = site_header.render_to_string
    monkeypatch.setattr(site_header, "render_to_string", lambda *args, **kwargs: drawn.append(args) or render(*args, **kwargs))
    forget_all()
    tag = Template("{% load site_header %}{% site_assets %}")
    assert tag.render(Context()) == tag.render(Context()) and len(drawn) == 1
    with override_settings(STATIC_URL="/assets/"):
        assert '"/assets/css/app.css"' in tag.render(Context())
    assert len(drawn) == 2

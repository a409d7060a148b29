"""Asking before an action that cannot be undone (alignment/confirm.py): the page without JavaScript.

A post without the confirmation writes nothing and answers with the question; the same post with it
acts; whatever else was posted comes back in the page's form; a person who may not act is refused
before anything is asked. The dialog that asks first with JavaScript is in
tests/browser/test_confirmations.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import confirm
from alignment.confirm import CONFIRMED
from alignment.models import Invitation, Membership
from notifications import calendar as calendar_feed
from notifications.models import TeamWebhook
from tests.matrix import assert_no_writes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEAM_URL = reverse("team", args=["harbour", "platform"])


def remove_url(membership) -> str:
    return reverse("member_remove", args=["harbour", "platform", membership.pk])


@pytest.fixture
def webhook(team):
    return TeamWebhook.objects.create(team=team, url="https://hooks.example.com/services/T0/B0/x1y2z3",
                                      events=["charter_ratified"])


@pytest.fixture
def destructive(team, leader, member, facilitator, make_invitation, webhook):
    """Each destructive post of the core and of notifications, a question it asks, and whether it is done."""
    membership = Membership.objects.get(user=facilitator)
    invitation, _ = make_invitation(team, "omar@example.com", invited_by=leader)
    calendar_feed.issue_token(user=leader)
    return {
        "remove a member": (remove_url(membership), "Remove Fay Facilitator from Platform?",
                            lambda: not Membership.objects.filter(pk=membership.pk).exists()),
        "revoke an invitation": (reverse("invitation_revoke", args=["harbour", "platform", invitation.pk]),
                                 "Withdraw the invitation to omar@example.com?",
                                 lambda: Invitation.objects.get(pk=invitation.pk).revoked_at is not None),
        "archive the team": (reverse("team_archive", args=["harbour", "platform"]), "Archive Platform?",
                             lambda: team.__class__.objects.get(pk=team.pk).is_archived),
        "remove a webhook": (reverse("notifications:webhook_remove", args=["harbour", "platform", webhook.pk]),
                             "Remove the webhook", lambda: not TeamWebhook.objects.filter(pk=webhook.pk).exists()),
        "stop the calendar feed": (reverse("notifications:calendar_revoke"), "Stop your calendar feed?",
                                   lambda: not calendar_feed.CalendarFeed.objects.filter(user=leader).exists()),
    }


ACTIONS = ["remove a member", "revoke an invitation", "archive the team", "remove a webhook", "stop the calendar feed"]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_post_without_the_confirmation_asks_and_writes_nothing(action, login, leader, destructive):
    url, question, done = destructive[action]
    client = login(leader)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url)

    assert response.status_code == 200
    assertContains(response, question)
    assertContains(response, f'<form method="post" action="{url}">')
    assertContains(response, '<input type="hidden" name="confirmed" value="yes">', html=True)
    assert re.search(r'<button type="submit" class="danger">Yes, [^<]+</button>', response.content.decode())
    assert_no_writes(queries)
    assert not done()


@pytest.mark.parametrize("action", ACTIONS)
def test_the_confirmed_post_does_it(action, login, leader, destructive):
    url, _, done = destructive[action]

    response = login(leader).post(url, CONFIRMED)

    assert response.status_code == 302
    assert done()


@pytest.mark.parametrize("action", ["remove a member", "revoke an invitation", "archive the team", "remove a webhook"])
@pytest.mark.parametrize("confirmed", [{}, CONFIRMED], ids=["asked", "confirmed"])
@pytest.mark.parametrize(("actor", "status"), [("member", 403), ("outsider", 404), ("stranger", 404)])
def test_someone_who_may_not_act_is_refused_never_asked(action, confirmed, actor, status, request, login,
                                                        destructive, outsider, stranger):
    url, question, done = destructive[action]
    client = login(request.getfixturevalue(actor))

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, confirmed)

    assert response.status_code == status
    assertNotContains(response, question, status_code=status)
    assert_no_writes(queries)
    assert not done()


def test_anonymous_is_sent_to_log_in_not_asked(client, destructive):
    url, _, done = destructive["remove a member"]

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not done()


def test_cancel_leads_back_and_the_page_says_what_happens(login, leader, member, team):
    response = login(leader).post(remove_url(Membership.objects.get(user=member)))

    assertContains(response, f'<a href="{TEAM_URL}#members">Cancel</a>', html=True)
    assertContains(response, "What they wrote stays. A leader can invite them back.")
    assertContains(response, "<title>Remove Max Member from Platform? · Charter</title>", html=True)


def test_leaving_asks_in_the_leavers_own_words(login, member):
    response = login(member).post(remove_url(Membership.objects.get(user=member)))

    assertContains(response, "Leave Platform?")
    assertContains(response, "Yes, leave Platform")
    assert Membership.objects.filter(user=member).exists()


def test_the_confirmation_page_confirms_through_the_same_form(login, leader, member):
    """Posting the page's own form (its hidden fields) is what removes the member."""
    membership = Membership.objects.get(user=member)
    client = login(leader)
    page = client.post(remove_url(membership)).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))

    response = client.post(form.group(1), fields, follow=True)

    assertRedirects(response, TEAM_URL + "#members")
    assertContains(response, "Max Member was removed from Platform.")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_an_htmx_post_without_the_confirmation_puts_the_question_in_the_page(login, leader, team,
                                                                             make_invitation):
    invitation, _ = make_invitation(team, "omar@example.com", invited_by=leader)

    response = login(leader).post(reverse("invitation_revoke", args=["harbour", "platform", invitation.pk]),
                                  **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#main"
    assert response["HX-Reswap"].startswith("innerHTML")
    assert "<html" not in html
    assert "Withdraw the invitation to omar@example.com?" in html
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_a_value_other_than_yes_is_not_a_confirmation(login, leader, member):
    membership = Membership.objects.get(user=member)

    response = login(leader).post(remove_url(membership), {"confirmed": "1"})

    assertContains(response, "Remove Max Member from Platform?")
    assert Membership.objects.filter(pk=membership.pk).exists()


class TestPostedValuesSurvive:
    """The page posts again exactly what was posted (every value of every name), and only its own token."""

    def ask(self, leader, data: dict) -> str:
        request = RequestFactory().post("/somewhere/?page=2", data)
        request.user, request.session, request.htmx = leader, SessionStore(), False
        request._messages = FallbackStorage(request)
        response = confirm.ask(request, question="Delete the thing?", yes="Yes, delete it", back="/back/")
        return response.content.decode()

    def test_every_value_comes_back_in_a_hidden_field(self, leader):
        html = self.ask(leader, {"roles": ["member", "facilitator"], "note": "Kept as typed", "next": "/o/x/"})

        for name, value in [("roles", "member"), ("roles", "facilitator"), ("note", "Kept as typed"),
                            ("next", "/o/x/")]:
            assert f'<input type="hidden" name="{name}" value="{value}">' in html
        assert '<form method="post" action="/somewhere/?page=2">' in html

    def test_posted_text_is_escaped_not_markup(self, leader):
        html = self.ask(leader, {"note": '"><script>alert(1)</script>'})

        assert "<script>alert(1)" not in html
        assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html

    def test_the_old_token_and_confirmation_are_not_carried(self, leader):
        html = self.ask(leader, {"csrfmiddlewaretoken": "stale-token", "confirmed": "no"})

        assert "stale-token" not in html
        assert html.count('name="confirmed"') == 1
        assert 'name="confirmed" value="yes"' in html

    def test_a_confirmed_post_is_left_to_the_view(self):
        request = RequestFactory().post("/somewhere/", CONFIRMED)

        assert confirm.ask(request, question="Delete?", yes="Yes", back="/") is None


def test_the_dialog_script_is_on_every_page(login, member):
    assertContains(login(member).get(TEAM_URL), "js/confirm.js")


def test_the_page_renders_without_a_team(rf, leader):
    html = render_to_string("alignment/confirm.html#confirmation", {
        "question": "Delete?", "yes": "Yes, delete", "back": "/", "carried": [], "action": "/x/",
        "field": confirm.FIELD, "confirmed": confirm.YES})

    assert "Yes, delete" in html


# What marks a form as destructive in a template: a danger button, or the address of one of the actions.
DESTRUCTIVE_MARKS = ("danger", "member_remove", "remove_url", "invitation_revoke", "team_archive", "charters:withdraw",
                     "charters:discard", "delete_url", "urls.remove", "calendar_revoke", "discard_kept")
# The confirmation page's own form is the confirmation; closing a cycle asks in its own way (reviews/cycle.html);
# deactivating someone always asks on the confirmation page, which counts what will be handed over.
# Pages that are themselves the question (allauth's two-factor pages): their button is the "Yes".
NOT_ASKING = ("alignment/confirm.html", "close_cycle", "deactivate_url", "totp/deactivate_form",
              "webauthn/authenticator_confirm_delete", "recovery_codes/generate")


def test_every_destructive_form_asks_first():
    """A guard: a form added with a danger button, or to one of the actions, asks with the dialog too."""
    silent = []
    for root in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(root).rglob("*.html")):
            text = path.read_text()
            for form in re.findall(r"<form\b.*?</form>", text, re.S):
                if any(mark in form for mark in DESTRUCTIVE_MARKS) and "data-confirm=" not in form \
                        and not any(skip in str(path) or skip in form for skip in NOT_ASKING):
                    silent.append(f"{path.name}: {form[:120]}")
    assert not silent, silent

"""A live board's poll when nothing changed, answered ahead of the site's middleware (reviews/retro/quiet.py).

It answers 204 in one query only when the full stack would, for a session that is certainly a member's; every
doubt goes on to the full stack, which answers as it always did. The permission matrix
(test_retro_permissions.py) holds the same answers for every role, outsiders and the anonymous.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

from alignment.models import Membership
from alignment.two_factor import DUE
from reviews.retro import quiet
from tests.config.test_metrics import TOKEN, scrape, value
from tests.reviews.retro_factories import url
from tests.reviews.test_retro_live import HTMX, retro  # noqa: F401 (the live endpoint's session, a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_url(retro):  # noqa: F811 (the fixture imported above)
    return url("retro_live", retro.pk, query=f"v={retro.version}")


def test_a_members_poll_with_nothing_new_is_one_query(login, member, quiet_url, django_assert_num_queries):
    client = login(member)

    # the session's version for a member of its team, read with what the session is checked against
    with django_assert_num_queries(1):
        response = client.get(quiet_url, **HTMX)

    assert response.status_code == 204 and response.content == b""
    assert response["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response


def test_it_is_counted_as_the_live_endpoint(client, login, member, quiet_url, settings):
    settings.METRICS_TOKEN = TOKEN
    before = scrape(client)

    assert login(member).get(quiet_url, **HTMX).status_code == 204

    answered = {"view": "reviews:retro_live", "method": "GET", "status": "2xx"}
    assert value(scrape(client), "charter_request_duration_seconds_count", **answered) == value(
        before, "charter_request_duration_seconds_count", **answered) + 1


def test_a_board_drawn_long_ago_goes_on_to_be_drawn_again(login, member, retro, frozen):  # noqa: F811
    from django.utils import timezone

    from reviews.retro import live

    now = int(timezone.now().timestamp())
    frozen(timezone.now())
    client = login(member)
    lately = url("retro_live", retro.pk, query=f"v={retro.version}&s={now - live.RECHECK_SECONDS + 1}")
    long_ago = url("retro_live", retro.pk, query=f"v={retro.version}&s={now - live.RECHECK_SECONDS}")

    assert client.get(lately, **HTMX).status_code == 204
    response = client.get(long_ago, **HTMX)
    assert response.status_code == 200 and 'id="board"' in response.content.decode()  # no digests: the whole board


def test_a_session_whose_password_changed_is_not_a_members(login, member, quiet_url):
    client = login(member)
    member.set_password("a new one, set elsewhere")
    member.save()

    response = client.get(quiet_url, **HTMX)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))  # flushed, as always


def test_a_deactivated_person_is_sent_to_log_in(login, member, quiet_url):
    client = login(member)
    member.is_active = False
    member.save()

    assert client.get(quiet_url, **HTMX).status_code == 302


def test_someone_removed_from_the_team_gets_404(login, member, team, quiet_url):
    client = login(member)
    Membership.objects.filter(team=team, user=member).delete()

    assert client.get(quiet_url, **HTMX).status_code == 404


def test_someone_who_owes_two_factor_set_up_is_sent_to_set_it_up(login, member, quiet_url):
    client = login(member)
    stored = client.session
    stored[DUE] = ["Harbour"]
    stored.save()

    response = client.get(quiet_url, **HTMX)

    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_a_session_signed_in_by_a_backend_no_longer_listed_goes_on(login, member, quiet_url):
    client = login(member)
    stored = client.session
    stored[BACKEND_SESSION_KEY] = "a.backend.since.removed.Backend"
    stored.save()

    assert client.get(quiet_url, **HTMX).status_code == 302  # Django's own `get_user` finds nobody: sent to log in


def test_only_backends_that_read_users_as_django_does_are_trusted(settings):
    trusted = quiet._model_backends()

    assert "axes.backends.AxesStandaloneBackend" in settings.AUTHENTICATION_BACKENDS
    assert "axes.backends.AxesStandaloneBackend" not in trusted  # it reads no user at all
    assert trusted == {"django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"}


def test_another_version_or_another_path_goes_on_to_the_board(login, member, retro):  # noqa: F811
    client = login(member)

    assert client.get(url("retro_live", retro.pk, query=f"v={retro.version - 1}"), **HTMX).status_code == 200
    assert client.get(url("retro_live", retro.pk + 1000, query=f"v={retro.version}"), **HTMX).status_code == 404

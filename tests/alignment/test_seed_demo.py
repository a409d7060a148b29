"""`manage.py seed_demo`: a demo organisation to click through, safe to run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test.utils import override_settings
from django.urls import reverse

from alignment.models import Membership, Organisation, Role, Team, User
from alignment.weeks import week_starting
from checkins.models import CheckIn

DEMO_LOGINS = [
    "leader@example.com",
    "member@example.com",
    "facilitator@example.com",
    "outsider@example.com",
]


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True  # pytest runs with DEBUG off; seeding is for development

    def run(*args: str) -> str:
        out = StringIO()
        call_command("seed_demo", *args, stdout=out)
        return out.getvalue()

    return run


def row_counts() -> dict[str, int]:
    """Rows in every table of the project, including many-to-many tables."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        counts[model._meta.label] = model._default_manager.count()
    return counts


def roles_in(email: str) -> dict[str, list[Role]]:
    return {
        m.team.slug: m.roles
        for m in Membership.objects.filter(user__email=email).select_related("team")
    }


def test_creates_one_organisation_three_teams_and_a_dozen_people(seed):
    output = seed()

    assert "Log in as leader@example.com" in output

    organisation = Organisation.objects.get()
    assert list(organisation.teams.order_by("pk").values_list("slug", flat=True)) == [
        "platform",
        "growth",
        "clinical-support",
    ]
    assert User.objects.count() >= 12
    assert all(team.memberships.filter(is_leader=True).exists() for team in Team.objects.all())


def test_refuses_with_debug_off(seed, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()

    assert not Organisation.objects.exists()
    assert not User.objects.exists()


def test_force_seeds_with_debug_off(seed, settings):
    settings.DEBUG = False

    seed("--force")

    assert Organisation.objects.filter(slug="harbour-health").exists()


def test_the_scheduler_has_something_to_show_soon(seed, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Delivery, Notification
    from reviews.models import ReviewCycle
    from reviews.rollover import ends_at

    with django_capture_on_commit_callbacks() as queued:
        seed()

    # Teams on both sides of the Atlantic, each with its own rhythm.
    assert len(set(Team.objects.values_list("time_zone", flat=True))) == 3
    assert len(set(Team.objects.values_list("review_cadence_weeks", flat=True))) == 3
    # One cycle ends within a day, so its rollover can be watched.
    ending = [ends_at(cycle) - timezone.now() for cycle in ReviewCycle.objects.filter(state="open")
              .select_related("team")]
    assert any(timedelta(0) < left <= timedelta(days=1) for left in ending)
    # People find news in their notification centre; the demo emails nobody.
    unread = Notification.objects.filter(read_at__isnull=True)
    assert unread.filter(recipient__email="member@example.com").count() >= 2
    assert unread.filter(recipient__email="leader@example.com").exists()
    assert set(Delivery.objects.values_list("detail", flat=True)) == {"no email: demo data"}
    # Nothing is sent: the only thing done on commit is forgetting the map's cross-team signals (a cache).
    assert [callback for callback in queued if "forget_signals" not in callback.__qualname__] == []


def test_the_demo_has_a_second_admin_in_no_team(seed):
    output = seed()

    organisation = Organisation.objects.get(slug="harbour-health")
    admin = User.objects.get(email="admin@example.com")
    assert set(organisation.admins.values_list("email", flat=True)) == {"leader@example.com", "admin@example.com"}
    assert not Membership.objects.filter(user=admin).exists()
    assert admin.check_password("demo")
    assert "admin@example.com" in output


# The tests above seed into an empty database; those below read the demo seeded once for the module
# (`demo_seeded_once`), each in a transaction of its own, and so come after all of them.


@pytest.fixture(scope="module")
def fast_passwords_while_seeding_once():
    """The demo's passwords hashed as every test hashes them (tests/conftest.py), so that they log in."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def seeded(fast_passwords_while_seeding_once, demo_seeded_once, db):  # in this order: hashers, then the seed
    """The seeded demo, for a test that reads it (or changes it, inside its own rolled-back transaction)."""


def test_demo_logins_have_the_roles_the_readme_promises(seeded):
    assert roles_in("leader@example.com") == {"platform": [Role.LEADER]}
    assert roles_in("member@example.com") == {"platform": [Role.MEMBER]}
    assert Role.FACILITATOR in roles_in("facilitator@example.com")["platform"]
    assert roles_in("outsider@example.com") == {"growth": [Role.MEMBER]}
    assert (
        Team.objects.get(slug="growth").organisation
        == Team.objects.get(slug="platform").organisation
    )


@pytest.mark.parametrize("email", DEMO_LOGINS)
def test_demo_logins_work_with_password_demo(email, seeded, client):
    response = client.post(reverse("login"), {"login": email, "password": "demo"})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(User.objects.get(email=email).pk)


def test_outsider_cannot_open_the_platform_team(seeded, client):
    client.post(reverse("login"), {"login": "outsider@example.com", "password": "demo"})

    assert client.get(reverse("team", args=["harbour-health", "platform"])).status_code == 404


def test_the_demos_history_is_its_teams_own(seeded, client):
    """Its weeks of check-ins are weeks its teams existed, of people in them: none is shown as before the team."""
    client.post(reverse("login"), {"login": "leader@example.com", "password": "demo"})
    trends = client.get(reverse("checkins:trends", args=["harbour-health", "platform"])).content.decode()
    assert "<h2 id=\"participation-title\">" in trends
    assert '<span class="muted">before the team existed</span>' not in trends
    for checkin in CheckIn.objects.select_related("team", "author"):
        joined = Membership.objects.get(team=checkin.team, user=checkin.author).joined_at
        assert checkin.team.created_at <= joined <= week_starting(checkin.team, checkin.week).ends_at, checkin


def test_someone_who_joined_during_the_demos_weeks_missed_none_before(seeded):
    elena = Membership.objects.get(user__email="elena.petrova@example.com", team__slug="growth")
    first = CheckIn.objects.filter(author=elena.user).order_by("week").first()
    assert elena.joined_at == week_starting(elena.team, first.week).starts_at
    assert elena.joined_at > elena.team.created_at


def test_running_twice_changes_no_row_counts(seeded, seed):
    first = row_counts()

    seed()

    assert row_counts() == first

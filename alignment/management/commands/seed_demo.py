"""Create (or top up) the demo organisation; running it twice changes nothing."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import time, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from alignment.models import Membership, Organisation, Team, User, Weekday

DEMO_PASSWORD = "demo"

ORGANISATION = {
    "slug": "harbour-health",
    "name": "Harbour Health",
    "purpose": (
        "Help people in coastal towns get the right care at the right time, without "
        "travelling further than they have to."
    ),
    "purpose_serves": "People in the coastal towns we serve, the clinicians who care for them, and their carers.",
    "purpose_refuses": "Patients' safety and the privacy of their records, whatever a deadline or a budget says.",
}

# slug, name, time zone, check-in weekday, check-in time, review cadence (weeks)
TEAMS = [
    ("platform", "Platform", "Europe/London", Weekday.FRIDAY, time(10, 0), 6),
    ("growth", "Growth", "America/Halifax", Weekday.THURSDAY, time(15, 30), 4),
    ("clinical-support", "Clinical Support", "Europe/Dublin", Weekday.MONDAY, time(9, 0), 8),
]

# email, display name, time zone, {team slug: roles}
PEOPLE = [
    ("leader@example.com", "Amara Okafor", "Europe/London", {"platform": ["leader"]}),
    ("member@example.com", "Tomás Reyes", "Europe/London", {"platform": ["member"]}),
    ("facilitator@example.com", "Priya Natarajan", "Europe/London",
     {"platform": ["facilitator", "member"]}),
    ("outsider@example.com", "Jonas Lindqvist", "Europe/Stockholm", {"growth": ["member"]}),
    ("hannah.becker@example.com", "Hannah Becker", "Europe/Berlin", {"platform": ["member"]}),
    ("kwame.mensah@example.com", "Kwame Mensah", "Europe/London", {"platform": ["member"]}),
    ("sofia.marino@example.com", "Sofia Marino", "America/Halifax", {"growth": ["leader"]}),
    ("liam.oconnor@example.com", "Liam O'Connor", "Europe/Dublin",
     {"growth": ["member", "facilitator"]}),
    ("mei.chen@example.com", "Mei Chen", "America/Toronto", {"growth": ["member"]}),
    ("fatima.haddad@example.com", "Fatima Haddad", "Europe/Dublin",
     {"clinical-support": ["leader", "member"]}),
    ("david.kowalski@example.com", "David Kowalski", "Europe/Warsaw", {"clinical-support": ["member"]}),
    ("grace.adeyemi@example.com", "Grace Adeyemi", "Europe/London",
     {"clinical-support": ["member", "facilitator"], "platform": ["member"]}),
    ("ravi.shah@example.com", "Ravi Shah", "Europe/London", {"clinical-support": ["member"]}),
    ("elena.petrova@example.com", "Elena Petrova", "Europe/Sofia", {"growth": ["member"]}),
    # Runs the organisation without being in any of its teams.
    ("admin@example.com", "Ines Duarte", "Europe/Lisbon", {}),
]

ADMINS = ["leader@example.com", "admin@example.com"]

# When the demo's story begins: the organisation, its teams and their people are there before the first charter
# was drafted (ratified thirteen weeks ago) and the first of twelve weeks of check-ins, so that no page reads
# the demo's history as weeks before the team existed. Someone who joined later says so in their app's demo.
HISTORY_BEGINS = timedelta(weeks=20)


class Command(BaseCommand):
    help = "Create the Harbour Health demo organisation with teams, people and roles (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Re-run with --force to seed anyway.")
        with transaction.atomic():
            organisation = self.seed_people_and_teams()
            self.seed_apps(organisation)
        self.stdout.write(self.style.SUCCESS(
            f"Demo organisation '{organisation.name}' is ready. Log in as leader@example.com, "
            f"member@example.com, facilitator@example.com, outsider@example.com or admin@example.com (the "
            f"organisation's admin, in no team) with password '{DEMO_PASSWORD}'."
        ))

    def seed_people_and_teams(self) -> Organisation:
        began = timezone.now() - HISTORY_BEGINS
        organisation, _ = Organisation.objects.get_or_create(
            slug=ORGANISATION["slug"],
            defaults={"created_at": began,
                      **{key: ORGANISATION[key] for key in ("name", "purpose", "purpose_serves", "purpose_refuses")}},
        )
        teams = {}
        for slug, name, zone, weekday, at, cadence in TEAMS:
            teams[slug], _ = Team.objects.get_or_create(
                organisation=organisation, slug=slug,
                defaults={"name": name, "time_zone": zone, "checkin_weekday": weekday,
                          "checkin_time": at, "review_cadence_weeks": cadence, "created_at": began},
            )
        hashed = make_password(DEMO_PASSWORD)  # hashing is slow on purpose: once for everyone
        for email, display_name, zone, roles_by_team in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, None, display_name=display_name, time_zone=zone)
                user.password = hashed
                user.save(update_fields=["password"])
            for team_slug, roles in roles_by_team.items():
                membership = Membership(team=teams[team_slug], user=user)
                membership.set_roles(roles)
                Membership.objects.get_or_create(
                    team=teams[team_slug], user=user,
                    defaults={"joined_at": began,
                              **{f: getattr(membership, f) for f in ("is_leader", "is_member", "is_facilitator")}},
                )
        organisation.admins.add(*User.objects.filter(email__in=ADMINS))
        return organisation

    def seed_apps(self, organisation: Organisation) -> None:
        """Each installed app that has demo data adds it (in INSTALLED_APPS order); each skips what exists.

        An app offers demo data with a `seed_demo(organisation)` method on its AppConfig, and may
        offer a `demo_context()` that the whole seeding runs inside (the notifications app's keeps
        the demo's events in the notification centre and emails nobody), so the core needs to know
        none of them.
        """
        with ExitStack() as stack:
            for config in apps.get_app_configs():
                if hasattr(config, "demo_context"):
                    stack.enter_context(config.demo_context())
            for config in apps.get_app_configs():
                seed = getattr(config, "seed_demo", None)
                if seed is not None:
                    seed(organisation)

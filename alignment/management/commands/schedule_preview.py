"""`manage.py schedule_preview [--team SLUG]`: what the scheduler will send when, per team."""

from __future__ import annotations

from datetime import UTC

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alignment import schedule
from alignment.batches import in_batches
from alignment.models import Team

BATCH_SIZE = 200


class Command(BaseCommand):
    help = ("Print, per team, the next reminder, nudge, commitment nudge, consult reminder, digest and rollover "
            "in the team's zone and in UTC.")

    def add_arguments(self, parser):
        parser.add_argument("--team", metavar="SLUG", help="Only the team(s) with this short name.")

    def handle(self, *args, team=None, **options):
        now = timezone.now()
        teams = Team.objects.active().select_related("organisation").order_by("pk")
        if team:
            teams = teams.filter(slug=team)
            if not teams.exists():
                raise CommandError(f"No active team with the short name {team!r}.")
        self.stdout.write(f"Now: {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        for batch in in_batches(teams, BATCH_SIZE):
            times = schedule.upcoming(batch, now)
            for each in batch:
                self.stdout.write(f"\n{each.organisation.slug}/{each.slug} — {each.name} ({each.time_zone})")
                for what, when in times[each.pk].items():
                    if when is None:
                        self.stdout.write(f"  {what:<26} —")
                        continue
                    local = timezone.localtime(when, each.zone)
                    self.stdout.write(f"  {what:<26} {local:%a %Y-%m-%d %H:%M %Z}   "
                                      f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC")

"""The cluster's data, from a process of its own pointed at the primary: `python -m tests.cluster.world <step>`.

- `seed`: a small organisation from the bench's generator (`bench.dataset`: teams with charters, a
  proposed amendment, live retrospectives, open cycles, people with a password), every team in UTC
  with its check-in not yet due this week, and a signed JSON webhook to the test's receiver on every
  live team. Prints what the load needs (as JSON): the people, their pages and forms' addresses.
- `sweep`: the outbox sweeps run once with the clock moved past every lease and grace period, as
  beat would run them that much later: whatever a killed worker or a restarted Redis lost is queued again.
- `audit`: what the database says was done (as JSON): e-mails and webhook posts decided since the
  seed, and each team's review cycles.

The test reads the printed JSON; the environment (DATABASE_URL, SECRET_KEY, REDIS_URL…) is the cluster's.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, timedelta

import django


def seed(receiver: str) -> dict:
    from django.db.models import Max
    from django.urls import reverse
    from django.utils import timezone

    from alignment.models import Membership, Team
    from bench import dataset
    from charters.models import Charter
    from notifications import webhooks
    from notifications.models import Delivery, WebhookDelivery
    from reviews.models import RetroPrompt, Retrospective, ReviewCycle

    spec = dataset.Spec("cluster", teams=8, people_per_team=5, weeks=2, checkin_people=10, decisions_per_team=1)
    dataset.Builder(spec).build()
    now = timezone.now()
    tomorrow = (now.astimezone(UTC).weekday() + 1) % 7
    # Every team reminded on another day: the test makes them due one by one, while the load runs.
    Team.objects.filter(organisation__slug=spec.slug).update(time_zone="UTC", checkin_weekday=tomorrow)
    teams = list(Team.objects.filter(organisation__slug=spec.slug, archived_at__isnull=True).order_by("slug"))
    events = [event.key for event in webhooks.events(webhooks.Format.JSON)]
    for team in teams:
        leader = Membership.objects.filter(team=team, is_leader=True).select_related("user").first().user
        webhooks.add_webhook(team=team, actor=leader, url=f"{receiver}/hooks/{team.slug}", events=events,
                             format=webhooks.Format.JSON)
    org = spec.slug
    writing = [team for team in teams if dataset.team_slug(dataset.MIX_FIRST) <= team.slug
               and team.slug < dataset.team_slug(dataset.MIX_FIRST + 2)]
    proposed = Team.objects.get(organisation__slug=org, slug=dataset.team_slug(dataset.PROPOSED))
    amendment = Charter.objects.get(team=proposed, state=Charter.State.PROPOSED)
    people = []
    for membership in Membership.objects.filter(team__in=[*writing, proposed]).select_related("user", "team"):
        team, args = membership.team, [org, membership.team.slug]
        person = {"email": membership.user.email, "team": team.slug, "leader": membership.is_leader,
                  "this_week": reverse("checkins:this_week", args=args),
                  "save_draft": reverse("checkins:save_draft", args=args),
                  "submit": reverse("checkins:submit", args=args)}
        if team.pk == proposed.pk:
            person |= {"amendment": reverse("charters:version", args=[*args, amendment.number]),
                       "respond": reverse("charters:respond", args=[*args, amendment.number]),
                       "revision": amendment.revision, "pages": _pages(org, team)}
        else:
            retro = Retrospective.objects.running().get(team=team)
            person |= {"retro": reverse("reviews:retrospective", args=[*args, retro.pk]),
                       "card": reverse("reviews:retro_card_add", args=[*args, retro.pk]),
                       "prompts": list(RetroPrompt.objects.filter(retrospective=retro).values_list("pk", flat=True))}
        people.append(person)
    reading = teams[0]
    return {
        "organisation": org,
        "password": dataset.PASSWORD,
        "people": people,
        "readers": [m.user.email for m in Membership.objects.filter(team=reading).select_related("user")],
        "reader_pages": _pages(org, reading),
        # The pages the replica may serve (config/replica.py REPLICA_VIEWS) among those the load reads.
        "allowlisted": sorted({page for team in (reading, proposed) for page in _pages(org, team, allowlisted=True)}),
        "teams": {team.slug: team.pk for team in teams},
        "open_cycles": dict(ReviewCycle.objects.filter(team__in=teams, state=ReviewCycle.State.OPEN)
                            .values_list("team__slug", "number")),
        "marks": {"delivery": Delivery.objects.aggregate(top=Max("pk"))["top"] or 0,
                  "webhook_delivery": WebhookDelivery.objects.aggregate(top=Max("pk"))["top"] or 0},
    }


def _pages(org: str, team, *, allowlisted: bool | None = None) -> list[str]:
    """A team's key pages for its members: the allowlisted ones (the map, trends, history) and others."""
    from django.urls import reverse

    args = [org, team.slug]
    replica = [reverse("organisation", args=[org]), reverse("checkins:trends", args=args),
               reverse("charters:history", args=args)]
    primary = [reverse("home"), reverse("team", args=args), reverse("charters:detail", args=args),
               reverse("checkins:this_week", args=args)]
    return replica if allowlisted else replica + primary


def sweep() -> dict:
    """The sweeps beat runs, as they would run once every lease and grace period is over; how many each queued.

    The workers that send what is queued read the real clock, so time moves in the data too: what a killed
    worker held when it died (an e-mail's lease, a webhook post's next try) ends now, as it would once its
    lease ran out, and a worker may claim it at once."""
    from django.utils import timezone

    from notifications import services, webhooks
    from notifications.models import Delivery, WebhookDelivery

    now = timezone.now()
    Delivery.objects.filter(emailed_at__isnull=True, email_lease_until__gt=now).update(email_lease_until=now)
    WebhookDelivery.objects.filter(finished_at__isnull=True, next_attempt_at__gt=now).update(next_attempt_at=now)
    later = now + services.EMAIL_LEASE + services.EMAIL_GRACE + timedelta(minutes=1)
    return {"emails": services.send_unsent_emails(now=later), "webhooks": webhooks.queue_due(later)}


def audit(marks: dict) -> dict:
    from notifications.models import Delivery, WebhookDelivery
    from reviews.models import ReviewCycle

    emails = [{"id": pk, "kind": kind, "status": status, "emailed": emailed is not None,
               "leased": lease is not None}
              for pk, kind, status, emailed, lease in Delivery.objects.filter(pk__gt=marks["delivery"]).values_list(
                  "pk", "kind", "status", "emailed_at", "email_lease_until")]
    posts = [{"id": pk, "event": event, "status": status, "attempts": attempts}
             for pk, event, status, attempts in WebhookDelivery.objects.filter(
                 pk__gt=marks["webhook_delivery"]).values_list("pk", "event", "status", "attempts")]
    cycles: dict[str, dict[str, list[int]]] = {}
    for slug, number, state in ReviewCycle.objects.values_list("team__slug", "number", "state"):
        cycles.setdefault(slug, {}).setdefault(state, []).append(number)
    return {"emails": emails, "webhooks": posts, "cycles": cycles}


def main(argv: list[str]) -> None:
    django.setup()
    step = argv[0]
    if step == "seed":
        result = seed(argv[1])
    elif step == "sweep":
        result = sweep()
    elif step == "audit":
        result = audit(json.loads(argv[1]))
    else:
        raise SystemExit(f"unknown step {step!r}: seed, sweep or audit")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

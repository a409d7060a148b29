"""Demo decisions for `seed_demo`: every verdict, departures explained, one call changed; realistic text."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from charters.models import KeyResult
from decisions import selectors, services
from decisions.models import Decision

# Team slug → (title, description, purpose effect, metric effect, outcome, reason).
DECISIONS = {
    "platform": [
        ("Skip the privacy checklist for the hotfix", "Ship the booking hotfix tonight without the checklist.",
         "harms", "improves", "decline", ""),
        ("Move referrals to the new message queue", "Two weeks of migration work; fewer referrals lost.",
         "advances", "dents", "proceed", ""),
        ("Add offline mode to the clinic tablets", "Clinicians keep working through network drops.",
         "advances", "improves", "proceed", ""),
        ("Rewrite the admin screens in a new framework", "Developers prefer it; users would not notice.",
         "neutral", "neutral", "decline", ""),
        ("Cache the dashboard for the regional office", "Makes the weekly report faster; clinicians unaffected.",
         "neutral", "improves", "proceed", "The regional office funds two of our posts; it is a cheap favour."),
    ],
    "growth": [
        ("Add a countdown timer to the booking page", "A/B test suggests +4% completion.", "harms", "improves",
         "decline", ""),
        ("Plain-language symptom checker", "Helps people choose the right clinic; slows the flow slightly.",
         "advances", "dents", "proceed", ""),
    ],
}

# Decisions the team looks at again: days from seeding to their review date (0: due today, in My week).
REVIEW_IN_DAYS = {
    "Cache the dashboard for the regional office": 0,
    "Add offline mode to the clinic tablets": 30,
}

# Calls a leader made first and then changed, so the demo shows a decision's history.
EARLIER_CALLS = {
    "Move referrals to the new message queue": ("decline", "Not before the winter peak; we cannot lose referrals then."),
}


def seed_decisions(organisation) -> None:
    """Log and decide each demo team's proposals under its ratified charter; idempotent."""
    for team in organisation.teams.all():
        spec = DECISIONS.get(team.slug)
        if not spec or Decision.objects.filter(team=team).exists():
            continue
        active = selectors.active_charter(team)
        if active is None:
            continue  # decisions are judged against a charter; seed_charters gives one
        leader = team.memberships.leaders().select_related("user").first().user
        key_results = list(KeyResult.objects.filter(goal__charter=active))
        for title, description, purpose, metric, outcome, reason in spec:
            investment = {}
            if Decision.is_investment(purpose, metric) and key_results:
                investment = {"key_result": key_results[0], "investment_amount": "up to 5 points for two weeks",
                              "investment_until": timezone.localdate() + timedelta(weeks=4)}
            review_on = (timezone.localdate(timezone=team.zone) + timedelta(days=REVIEW_IN_DAYS[title])
                         if title in REVIEW_IN_DAYS else None)
            decision = services.log_decision(team=team, actor=leader, title=title, description=description,
                                             purpose_effect=purpose, metric_effect=metric, review_on=review_on,
                                             **investment)
            if title in EARLIER_CALLS:
                earlier, why = EARLIER_CALLS[title]
                services.record_outcome(decision=decision, actor=leader, outcome=earlier, reason=why,
                                        expected_version=decision.version)
            services.record_outcome(decision=decision, actor=leader, outcome=outcome, reason=reason,
                                    expected_version=decision.version)

"""Demo charters and goals for `seed_demo`; realistic text, no lorem ipsum."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from alignment.models import User
from alignment.permissions import Capability, capabilities_of
from charters import notices, services
from charters.models import (
    Boundary,
    Charter,
    Comment,
    Goal,
    KeyResult,
    NonNegotiable,
    OrganisationGoal,
    OrganisationTag,
)
from notifications.models import Notification

CHARTERS = {
    "platform": {
        "purpose_statement": "Give every clinician in our coastal clinics a system they can trust at 3 a.m.",
        "purpose_serves": "Clinicians and care coordinators in our fourteen coastal clinics, and through them their patients.",
        "purpose_outcome": "Patient records, bookings and referrals that are there, correct and fast whenever care is given.",
        "purpose_refuses": "Patient safety and the privacy of health data. No deadline justifies putting either at risk.",
        "people": (
            "- We say what we see: a risk raised early is a favour, not a complaint.\n"
            "- We pair on anything that touches patient data.\n"
            "- We renegotiate a commitment the day we know it will slip, not the day it is due.\n"
            "- On-call is shared fairly; nobody carries two weeks in a row."
        ),
        "process": (
            "- **Weekly check-in** on Fridays at 10:00: what moved, what is blocked, how confident we are.\n"
            "- **Planning** every second Monday; **retrospective** at the end of each six-week cycle.\n"
            "- **Definition of done:** reviewed by a second engineer, tests green, deployed behind a flag, "
            "and the on-call runbook updated."
        ),
        "non_negotiables": [
            ("Patient data never leaves the clinical network", "No export, log line or test fixture contains real "
             "patient identifiers; every change touching records passes the privacy checklist.",
             "One leak ends the trust clinicians give us."),
            ("Incidents get a blameless review within five working days", "A written review with actions and "
             "owners, shared with the clinics affected.", "We learn faster than we fail."),
            ("No Friday-afternoon deploys to clinical systems", "Production changes to records, bookings or "
             "referrals ship Monday to Thursday before 15:00.", "Clinics run weekend rotas on thin staff."),
            ("Every alert has an owner and a runbook", "An alert without a runbook is fixed or removed within a week.",
             "Pages at 3 a.m. must be actionable."),
        ],
        "boundaries": [
            ("Data protection and clinical safety rules", "fixed", "Set by the Caldicott Guardian and the Clinical "
             "Safety Officer; we implement, we do not reinterpret.", "Clinical Safety Officer"),
            ("Choice of libraries and internal tooling", "team_decides", "Open-source licences on the approved list; "
             "no new paid service without a budget check.", "The team"),
            ("Changes to clinician-facing workflows", "consult", "We decide after consulting two clinic leads and "
             "the product manager.", "Team, after consulting clinic leads"),
            ("Release schedule within the week", "team_decides", "Within the no-Friday-afternoon rule.", "The team"),
            ("Changes to the booking API", "team_decides", "Versioned endpoints; a breaking change is announced two "
             "cycles ahead.", "The team"),
        ],
        "goals": [
            ("Clinicians can rely on the records system during clinic hours", "outcome",
             "We pause two roadmap features this cycle to pay down reliability work.", "hannah.becker@example.com",
             [("Availability during clinic hours", "%", "99.20", "99.90", "99.55", "on_track"),
              ("Median record load time", "ms", "1400", "600", "950", "at_risk")]),
            ("Referrals reach the receiving clinic the same day", "serves",
             "Slower delivery of the reporting dashboard the regional office asked for.", "member@example.com",
             [("Referrals delivered within 4 hours", "%", "71", "95", "80", "at_risk")]),
        ],
    },
    "growth": {
        "purpose_statement": "Help people in coastal towns find and book the right care without travelling further than they need to.",
        "purpose_serves": "Residents of our coastal towns looking for care, especially older people and carers booking for someone else.",
        "purpose_outcome": "More people booked into the nearest clinic that can actually help them, first time.",
        "purpose_refuses": "Honest information. We never nudge people towards appointments they do not need to hit a number.",
        "people": "- We test ideas with real patients and carers before we scale them.\n- We share numbers openly, including the bad weeks.",
        "process": "- Weekly check-in on Thursdays at 15:30.\n- Experiments run at least two weeks; results go in the decision log.\n- Done means measured: every change ships with the metric it should move.",
        "non_negotiables": [
            ("No dark patterns", "Every booking step can be undone; no pre-ticked boxes; no countdown timers.",
             "People booking care are often anxious; we do not exploit that."),
            ("Accessible to WCAG 2.2 AA", "Every page passes an automated check and a keyboard walk-through before release.",
             "Many of the people we serve use assistive technology."),
        ],
        "boundaries": [
            ("Marketing budget", "fixed", "Set quarterly by the organisation.", "Director of Operations"),
            ("Experiments on the booking flow", "team_decides", "Within the no-dark-patterns rule.", "The team"),
            ("Messaging to patients", "consult", "Clinical Support reviews any wording about symptoms.", "Team, after consulting Clinical Support"),
        ],
        "goals": [
            ("More first-time bookings land in the right clinic", "outcome",
             "Fewer experiments on the marketing site while we focus on the booking flow.", "liam.oconnor@example.com",
             [("Bookings redirected after triage", "%", "18", "8", "14", "at_risk"),
              ("Booking completion rate", "%", "54", "70", "61", "on_track")]),
        ],
    },
    "clinical-support": {
        "purpose_statement": "Make sure every patient question reaches someone who can answer it, the same day.",
        "purpose_serves": "Patients and carers who contact our clinics by phone, message or the web.",
        "purpose_outcome": "Questions answered correctly on the day they are asked, by the right person.",
        "purpose_refuses": "Clinical judgement. Non-clinical staff never give medical advice, however busy the queue.",
        "people": "- We hand over warmly: the patient never has to repeat their story.\n- We look after each other after difficult calls.",
        "process": "- Daily huddle at 08:45; weekly check-in on Mondays at 09:00.\n- Escalation path reviewed every cycle.\n- Done means the patient has their answer and the record says so.",
        "non_negotiables": [
            ("Urgent symptoms go to a clinician within 15 minutes", "Every message flagged urgent is picked up by a "
             "clinician within 15 minutes during opening hours.", "Delays here can harm people."),
            ("Every contact is recorded", "No call or message ends without a note in the patient's record.",
             "The next person must know what was said."),
        ],
        "boundaries": [
            ("Triage protocol", "fixed", "Set by the Medical Director.", "Medical Director"),
            ("Rota and shift swaps", "team_decides", "Minimum two clinicians on shift.", "The team"),
            ("Scripts for common questions", "consult", "Reviewed by a clinician before use.", "Team, after consulting a clinician"),
        ],
        "goals": [
            ("Patients get answers the same day", "outcome", "Longer call times while we do proper hand-overs.",
             "fatima.haddad@example.com",
             [("Questions answered same day", "%", "82", "95", "88", "at_risk")]),
        ],
    },
}


RATIFIED_WEEKS_AGO = timedelta(weeks=13)

# The organisation's tags, and the boundaries carrying them (by area). Platform and Growth both say they decide
# the booking flow: the alignment map shows it as an overlap to talk about.
ORGANISATION_TAGS = ["Booking flow", "Clinic workflows", "Patient messaging"]
BOUNDARY_TAGS = {
    "Changes to the booking API": ["Booking flow"],
    "Experiments on the booking flow": ["Booking flow"],
    "Changes to clinician-facing workflows": ["Clinic workflows"],
    "Messaging to patients": ["Patient messaging"],
    "Scripts for common questions": ["Patient messaging"],
}

# The organisation's goals: objective, the part of its purpose it advances, and its key results (metric, unit,
# start, target, and a reading: value, confidence). The last has no contributing team yet, on purpose.
ORGANISATION_GOALS = [
    ("Clinicians trust our systems at every visit", "outcome",
     [("Clinics rating the systems reliable", "%", "55", "85", ("64", "on_track")),
      ("Hours of unplanned downtime in clinic hours", "h", "40", "8", ("22", "at_risk"))]),
    ("Patients are referred without waiting on paperwork", "serves",
     [("Referrals completed the same day", "%", "70", "95", ("81", "at_risk"))]),
    ("No patient data incident all year", "refuses",
     [("Reportable data incidents", "", "2", "0", ("0", "on_track"))]),
]
# Which organisation goal each demo team goal contributes to, by objective.
CONTRIBUTES_TO = {
    "Clinicians can rely on the records system during clinic hours": "Clinicians trust our systems at every visit",
    "Referrals reach the receiving clinic the same day": "Clinicians trust our systems at every visit",
}


def seed_organisation_goals(organisation) -> dict[str, OrganisationGoal]:
    """The organisation's goals with key results and a reading each, by objective; idempotent."""
    existing = {goal.objective: goal for goal in OrganisationGoal.objects.filter(organisation=organisation)}
    if existing:
        return existing
    owner = organisation.admins.order_by("pk").first()
    for objective, part, key_results in ORGANISATION_GOALS:
        goal = services.create_organisation_goal(organisation=organisation, actor=owner, objective=objective,
                                                 purpose_part=part, owner=owner)
        for metric, unit, start, target, (value, confidence) in key_results:
            key_result = services.add_organisation_key_result(goal=goal, metric=metric, unit=unit,
                                                              start_value=Decimal(start), target_value=Decimal(target))
            services.record_organisation_reading(key_result=key_result, actor=owner, value=Decimal(value),
                                                 confidence=confidence)
        existing[objective] = goal
    return existing


def seed_organisation_tags(organisation) -> dict[str, OrganisationTag]:
    """The organisation's list of tags, by name; idempotent."""
    return {name: OrganisationTag.objects.get_or_create(organisation=organisation, name=name)[0]
            for name in ORGANISATION_TAGS}


def seed_charters(organisation) -> None:
    """Give the organisation its goals, and every demo team a ratified charter, a first cycle and goals whose
    goals contribute to the organisation's; idempotent."""
    users = {u.email: u for u in User.objects.filter(memberships__team__organisation=organisation).distinct()}
    organisation_goals = seed_organisation_goals(organisation)
    tags = seed_organisation_tags(organisation)
    for team in organisation.teams.all():
        spec = CHARTERS.get(team.slug)
        if spec is None or Charter.objects.filter(team=team).exists():
            continue
        leader = team.memberships.leaders().select_related("user").first().user
        charter = services.start_charter(team=team, actor=leader)
        for name in (name for fields in Charter.TEXT_SECTIONS.values() for name in fields):
            setattr(charter, name, spec[name])
        charter.save()
        for position, (title, standard, why) in enumerate(spec["non_negotiables"], start=1):
            NonNegotiable.objects.create(charter=charter, position=position, title=title, standard=standard, why=why)
        for position, (area, label, guardrails, set_by) in enumerate(spec["boundaries"], start=1):
            boundary = Boundary.objects.create(charter=charter, position=position, area=area, label=label,
                                               guardrails=guardrails, set_by=set_by)
            boundary.tags.set([tags[name] for name in BOUNDARY_TAGS.get(area, ())])
        for position, (objective, part, tradeoff, owner, krs) in enumerate(spec["goals"], start=1):
            goal = Goal.objects.create(charter=charter, position=position, objective=objective, purpose_part=part,
                                       tradeoff=tradeoff, owner=users.get(owner),
                                       contributes_to=organisation_goals.get(CONTRIBUTES_TO.get(objective, "")))
            for kr_position, (metric, unit, start, target, current, confidence) in enumerate(krs, start=1):
                KeyResult.objects.create(goal=goal, position=kr_position, metric=metric, unit=unit,
                                         start_value=Decimal(start), target_value=Decimal(target),
                                         current_value=Decimal(current), confidence=confidence)
        services.propose(charter=charter, actor=leader)
        # Everyone whose word counts consents, so the demo's first round is complete.
        for membership in team.memberships.select_related("user"):
            if Capability.RESPOND_TO_CHARTER in capabilities_of(membership):
                services.respond(charter=charter, member=membership.user, kind="consent", reason="")
        services.ratify(charter=charter, actor=leader)
        # Ratified a quarter ago, so the demo's twelve weeks of check-ins happen under it.
        ago = timezone.now() - RATIFIED_WEEKS_AGO
        Charter.objects.filter(pk=charter.pk).update(created_at=ago - timedelta(days=9),
                                                     proposed_at=ago - timedelta(days=5), ratified_at=ago)
        # What the round told people is old news: dated with it, and read.
        url = charter.get_absolute_url()
        Notification.objects.filter(kind=notices.PROPOSED, url=url).update(
            created_at=ago - timedelta(days=5), read_at=ago - timedelta(days=4))
        Notification.objects.filter(kind=notices.RATIFIED, url=url).update(created_at=ago, read_at=ago)
        if team.slug == "platform":
            _seed_open_amendment(team, leader, users)


def _seed_open_amendment(team, leader, users) -> None:
    """Platform is amending its charter: comments, one consent and one objection are in."""
    draft = services.start_amendment(team=team, actor=leader,
                                     note="Add a non-negotiable about accessibility for clinicians.")
    NonNegotiable.objects.create(
        charter=draft, position=5, title="Clinician-facing screens work with a keyboard alone",
        standard="Every new screen is walked through with keyboard only before release.",
        why="Several clinicians use assistive technology; a mouse-only screen locks them out.",
    )
    services.propose(charter=draft, actor=leader)
    member, facilitator = users["member@example.com"], users["facilitator@example.com"]
    thread = Comment.objects.create(charter=draft, section="non_negotiables", author=member,
                                    body="Five non-negotiables is the limit. Should one of the others become a boundary?")
    Comment.objects.create(charter=draft, section="non_negotiables", author=leader, parent=thread,
                           body="Good point: the Friday rule could be a boundary. Let's discuss at the retro.")
    services.respond(charter=draft, member=facilitator, kind="consent", reason="")
    services.respond(charter=draft, member=users["hannah.becker@example.com"], kind="objection",
                     reason="The standard needs a way to check it, e.g. an automated accessibility test in CI, "
                            "or it will not be met under pressure.")

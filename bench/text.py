"""Words for the bench dataset: short, plausible texts picked at random, so pages render real-looking content.

Every pick goes through a `random.Random` the caller seeds, so a team's texts are the same
at every scale and two runs build the same pages.
"""

from __future__ import annotations

import random

FIRST_NAMES = [
    "Amara", "Tomás", "Priya", "Jonas", "Hannah", "Kwame", "Sofia", "Liam", "Mei", "Fatima", "David", "Grace",
    "Ravi", "Elena", "Noah", "Aisha", "Mateo", "Ingrid", "Yusuf", "Chloe", "Kenji", "Lucía", "Oskar", "Zara",
    "Samuel", "Nadia", "Felix", "Imani", "Arjun", "Freya", "Omar", "Leila", "Hugo", "Anya", "Ben", "Maya",
]
LAST_NAMES = [
    "Okafor", "Reyes", "Natarajan", "Lindqvist", "Becker", "Mensah", "Marino", "O'Connor", "Chen", "Haddad",
    "Kowalski", "Adeyemi", "Shah", "Petrova", "Nguyen", "Dubois", "Santos", "Novak", "Ahmed", "Jensen",
    "Rossi", "Tanaka", "Morales", "Larsen", "Abiodun", "Fischer", "Costa", "Ivanova", "Murphy", "Kaur",
]
TEAM_WORDS = [
    "Payments", "Search", "Onboarding", "Billing", "Identity", "Messaging", "Reporting", "Scheduling", "Records",
    "Referrals", "Mobile", "Data", "Platform", "Growth", "Support", "Partnerships", "Pricing", "Logistics",
    "Clinics", "Pharmacy", "Booking", "Insights", "Security", "Infrastructure", "Content", "Accessibility",
]
TIME_ZONES = ["Europe/London", "Europe/Berlin", "Europe/Lisbon", "America/New_York", "Asia/Kolkata",
              "Australia/Sydney", "Europe/Dublin", "America/Los_Angeles"]

SERVES = [
    "Clinicians and care coordinators in our clinics, and through them their patients.",
    "People booking care for themselves or someone they look after, often in a hurry.",
    "The teams across the organisation who build on our services every day.",
    "Small practices that cannot afford an IT department of their own.",
    "Finance and operations staff who close the books at the end of each month.",
]
OUTCOMES = [
    "Records that are there, correct and fast whenever care is given.",
    "Every booking lands in the right place the first time, without a phone call.",
    "Services other teams can rely on without asking us first.",
    "Invoices that are right the first time and paid on time.",
    "Questions answered on the day they are asked, by the right person.",
]
REFUSES = [
    "Patient safety and the privacy of health data. No deadline justifies risking either.",
    "Honest information: we never nudge people towards something they do not need.",
    "Accessibility: nothing ships that a keyboard or a screen reader cannot use.",
    "Our on-call people's sleep: we fix the cause, not the pager.",
]
STATEMENTS = [
    "Give every clinician a system they can trust at 3 a.m.",
    "Help people find and book the right care without travelling further than they need to.",
    "Make the boring parts of running a practice disappear.",
    "Turn every question into an answer on the same day.",
    "Keep the money flowing correctly, so nobody has to think about it.",
]
PEOPLE_LINES = [
    "We say what we see: a risk raised early is a favour, not a complaint.",
    "We pair on anything that touches personal data.",
    "We renegotiate a commitment the day we know it will slip, not the day it is due.",
    "On-call is shared fairly; nobody carries two weeks in a row.",
    "We review each other's work within a working day.",
    "We disagree in the room and commit outside it.",
]
PROCESS_LINES = [
    "**Weekly check-in** on Fridays at 10:00: what moved, what is blocked, how confident we are.",
    "**Planning** every second Monday; **retrospective** at the end of each cycle.",
    "**Definition of done:** reviewed by a second person, tests green, deployed behind a flag.",
    "Incidents get a blameless review within five working days.",
    "Experiments run at least two weeks; results go in the decision log.",
]
NON_NEGOTIABLES = [
    ("Personal data never leaves the production network", "No export, log line or fixture holds real identifiers.",
     "One leak ends the trust people give us."),
    ("No Friday-afternoon deploys", "Production changes ship Monday to Thursday before 15:00.",
     "Weekend rotas run on thin staff."),
    ("Every alert has an owner and a runbook", "An alert without a runbook is fixed or removed within a week.",
     "Pages at 3 a.m. must be actionable."),
    ("Accessible to WCAG 2.2 AA", "Every page passes an automated check and a keyboard walk-through.",
     "Many of the people we serve use assistive technology."),
    ("No dark patterns", "Every step can be undone; no pre-ticked boxes; no countdown timers.",
     "People are often anxious when they use us."),
    ("Every contact is recorded", "No call or message ends without a note in the record.",
     "The next person must know what was said."),
    ("Incidents get a blameless review", "A written review with actions and owners within five working days.",
     "We learn faster than we fail."),
]
BOUNDARIES = [
    ("Data protection rules", "fixed", "Set by the Data Protection Officer; we implement, we do not reinterpret.",
     "Data Protection Officer"),
    ("Choice of libraries and internal tooling", "team_decides", "Licences on the approved list only.", "The team"),
    ("Changes to customer-facing workflows", "consult", "After consulting two customer leads and product.",
     "Team, after consulting customer leads"),
    ("Release schedule within the week", "team_decides", "Within the no-Friday-afternoon rule.", "The team"),
    ("Budget for paid services", "fixed", "Set quarterly by the organisation.", "Director of Operations"),
]
GOALS = [
    ("People can rely on the service during working hours", "outcome",
     "We pause two roadmap features this cycle to pay down reliability work."),
    ("Requests reach the right person the same day", "serves",
     "Slower delivery of the dashboard the regional office asked for."),
    ("More first-time bookings land in the right place", "outcome",
     "Fewer experiments on the marketing site while we focus on the flow."),
    ("Nobody waits on us to start their work", "serves", "We say no to bespoke integrations this cycle."),
    ("We find problems before our users do", "refuses", "Feature work slows while we add monitoring."),
]
KEY_RESULTS = [
    ("Availability during working hours", "%", 99.2, 99.9),
    ("Median page load time", "ms", 1400, 600),
    ("Requests delivered within 4 hours", "%", 71, 95),
    ("Bookings completed first time", "%", 54, 70),
    ("Questions answered same day", "%", 82, 95),
    ("Incidents found by monitoring first", "%", 40, 80),
    ("Open support tickets older than a week", "tickets", 120, 20),
]
PROGRESS = [
    "Dug into why requests get stuck. Mostly it isn't us: the receiving inboxes reject anything over 10MB.",
    "Prototype behind a flag for two sites; numbers look good so far.",
    "Mostly reviews and a long incident follow-up. Not a very exciting week.",
    "Shipped the retry logic and the alert that goes with it; wrote the runbook too.",
    "Paired with the data team on the report; the gap is mostly three small sites.",
    "Back from leave, caught up on the thread and picked up the migration again.",
    "Finished the accessibility fixes on the booking flow; keyboard walk-through passes now.",
    "Spent two days on the on-call rota change and the handover notes.",
    "Cleaned up the queue code, no behaviour change, and removed two flaky tests.",
    "Ran the experiment readout with product; we keep the change and drop the banner.",
]
HIGHLIGHTS = [
    "Thanks to the data team for turning the access request round in a day.",
    "The review caught a nasty off-by-one in the backoff.",
    "Customer lead said the new flow saved her an hour a day.",
    "Great pairing session on the migration.",
]
STRAIN_NOTES = [
    "Was tempted to ship on Friday to hit the date; didn't, but it was close.",
    "Two alerts this week had no runbook; we fixed one.",
    "Hard to keep to it with half the team off.",
]
BOUNDARY_QUESTIONS = [
    "Is changing the form wording ours to decide or does it need the customer leads?",
    "Who decides whether we can recompress scanned documents?",
    "Can we pick the new queue library ourselves?",
]
BLOCKERS = [
    ("Need read access to the reporting warehouse", "Data team granted read-only access."),
    ("Waiting for the security review of the new endpoint", "Security signed it off on Tuesday."),
    ("The staging database is a week behind production", "Refreshed it and scheduled a weekly refresh."),
    ("Nobody owns the old export job", "Agreed we own it until it is retired."),
    ("Vendor has not answered about the API limits", "Vendor raised our limit to 50 requests a second."),
]
REPLIES = [
    "Great find. Can you put this in the goal notes so the leads see it too?",
    "Thanks for chasing it; shall I call them?",
    "Flaky how? If it's the full-inbox case, can retries ever fix that?",
    "Good. That's the right kind of boring.",
    "Welcome back! Watch the numbers for a week before widening the flag.",
]
ANSWERS = ["done, added it this morning", "yes please, they never answer my emails", "will do",
           "Not really, retries just delay the failure. I'll add an alert instead."]
COMMITMENTS = [
    ("Write the runbook for the export job", "Runbook merged and linked from the alert."),
    ("Retire the old reporting endpoint", "No traffic for a week, then the code is deleted."),
    ("Pair with a new joiner on their first deploy", "They deploy on their own by the end of the week."),
    ("Draft the retro notes", "Notes shared with the team before the retro starts."),
]
DECISIONS = [
    ("Skip the privacy checklist for the hotfix", "Ship the hotfix tonight without the checklist.", "harms",
     "improves"),
    ("Move to the new message queue", "Two weeks of migration work; fewer lost messages.", "advances", "dents"),
    ("Add offline mode to the tablets", "People keep working through network drops.", "advances", "improves"),
    ("Rewrite the admin screens in a new framework", "Developers prefer it; users would not notice.", "neutral",
     "neutral"),
    ("Cache the dashboard for the regional office", "Makes the weekly report faster.", "neutral", "improves"),
    ("Add a countdown timer to the booking page", "A/B test suggests +4% completion.", "harms", "improves"),
]
COMMENTS = [
    "Should this say who decides when the leads disagree?",
    "I'd make the standard measurable: how would we know?",
    "Agree with the change, but the tradeoff should name what we stop doing.",
    "Can we keep the old wording for the first part? It was clearer.",
]
OBJECTIONS = [
    "The new non-negotiable would stop us fixing production on a Friday evening; say what happens in an incident.",
    "The goal has no tradeoff we would actually feel; as written it costs nothing.",
]

CARDS = [
    "Reviews got faster once we agreed who picks them up.",
    "The Friday freeze saved us twice; keep it.",
    "We said yes to three urgent asks and finished none of them.",
    "On-call handovers are still a wall of text nobody reads.",
    "Pairing with support on the hard tickets taught us more than the dashboard did.",
    "The goal on response times never came up in planning.",
    "Nobody knew who decides on the wording of customer messages.",
    "Try a weekly 15 minutes on the key results, not just the retro.",
    "Our definition of done skips the runbook; change that.",
    "The new alert caught the queue backlog before users did.",
    "Too many meetings on Tuesdays: move the demo to Thursday.",
    "Keep the written check-ins; they made the leads' week easier.",
    "We broke the no-Friday-deploys rule for the hotfix and it was the right call.",
    "The migration ran two weeks over because nobody owned the data clean-up.",
    "Try rotating who facilitates the retro.",
    "Ask the regional office before we promise dates again.",
]
THEMES = [
    "Saying no to urgent asks", "On-call and handovers", "Reviews and pairing", "Goals in planning",
    "Deploy rules", "Who decides on wording", "Meetings", "Runbooks and done",
]
NOTIFICATIONS = [
    # (kind, subject with {team}, body)
    ("leader_digest", "{team}: this week's digest", "8 of 10 checked in; 2 blockers open, 1 renegotiation waits."),
    ("checkin_reminder", "{team}: your check-in is due", "It takes five minutes: what moved, your load, blockers."),
    ("checkin_reply", "{team}: a leader replied to your check-in", "Thanks for chasing it; shall I call them?"),
    ("cycle_rollover", "{team}: a new review cycle has started", "The last cycle is closed; its page keeps the scores."),
    ("charter_proposed", "{team}: an amendment is proposed for your consent", "Read it, then consent or object."),
]


def paragraph(rng: random.Random, lines: list[str], low: int, high: int) -> str:
    """A Markdown list of `low`..`high` lines picked without repeats."""
    return "\n".join(f"- {line}" for line in rng.sample(lines, rng.randint(low, high)))


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

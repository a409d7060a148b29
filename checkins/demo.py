"""Demo check-ins for `seed_demo`: three past weeks and this one, written the way people write them.

This week is half done: some submitted, some drafts, some not started, and member@example.com
has not checked in yet. Hannah is overloaded; two non-negotiables felt strained; a few
blockers are still open and others were resolved by the leader.

The platform team's commitments are in every state: one deferral accepted, one rescope
declined, one hand-over pending for the leader, and one asked of member@example.com.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alignment.models import User
from alignment.weeks import current_week
from charters.models import Charter
from checkins.models import Blocker, CheckIn, Commitment, Renegotiation

SUBMITTED, DRAFT = "submitted", "draft"

# One entry per week, oldest first (three weeks ago ... this week); None = no check-in that week.
# (state, progress, highlights, load, strained non-negotiable (its position) or None, strain note,
#  boundary question, [(blocker, how it was resolved or None while open)], hours after the due time)
WEEKS = {
    "platform": {
        "member@example.com": [
            (SUBMITTED, "Referral retries are in staging. Still flaky when the receiving clinic's inbox is full.",
             "", "about_right", None, "", "", [], -20),
            (SUBMITTED, "retries done + alerting on stuck referrals. wrote the runbook for it too",
             "Kwame's review caught a nasty off-by-one in the backoff", "about_right", None, "", "", [], -2),
            (SUBMITTED, "Started on the 4h delivery report. Numbers look worse than we thought (~78%).",
             "", "light", None, "",
             "Can we change the referral form wording ourselves or does that need the clinic leads?",
             [("Need read access to the referrals warehouse", None)], 3),
            None,
        ],
        "facilitator@example.com": [
            (SUBMITTED, "Ran the incident review for the booking outage. Actions agreed, two still unowned.",
             "Clinic leads joined the review, first time!", "about_right", None, "", "", [], -24),
            (SUBMITTED, "Planning prep, chased the unowned actions, paired with Hannah on alert rules.",
             "", "about_right", 3, "Three alerts fired this week with no runbook at all.", "", [], -4),
            (SUBMITTED, "Retro format for the cycle end drafted. Not much else, lots of meetings.",
             "", "light", None, "", "", [], -1),
            (SUBMITTED, "Booked the retro room. Collected the alert inventory: 41 alerts, 12 without a runbook.",
             "Hannah's alert clean-up is paying off already", "about_right", 3,
             "We keep adding alerts faster than runbooks.", "", [], -22),
        ],
        "hannah.becker@example.com": [
            (SUBMITTED, "On-call week. 9 pages, 3 at night. Records DB failover tested (finally).",
             "", "overloaded", None, "", "", [("Failover test needs a change window from the hospital IT", "Agreed "
                                                 "with hospital IT: Tuesday evenings are ours.")], 2),
            (SUBMITTED, "Second on-call week in a row because of the swap. Load time work paused.",
             "", "overloaded", 2, "Deployed the records hotfix Friday 16:10 because the clinic asked. "
             "It was the right call but it was still a Friday deploy.",
             "Who decides if a clinic's request beats the no-Friday rule?", [], -3),
            (SUBMITTED, "Alert clean-up: removed 8 noisy alerts, wrote 4 runbooks. Median load time 950ms -> 880ms.",
             "Slept through a whole night", "overloaded", None, "", "",
             [("Nobody else can do the DB failover yet", None)], -6),
            (SUBMITTED, "Index on the records timeline shipped, 880 -> 720ms. Also covering Kwame's pager Tue/Wed.",
             "", "overloaded", 3, "Paged twice for the disk alert that has no runbook.", "",
             [("Disk alert on records-db-2 has no owner", None)], -26),
        ],
        "kwame.mensah@example.com": [
            (SUBMITTED, "Load-time profiling. Most of it is the timeline query, not the front end.", "",
             "about_right", None, "", "", [], -5),
            None,
            (SUBMITTED, "sorry late — was off sick. Back now, reviewing Tomás's retry PR", "", "light", None, "", "",
             [], 28),
            (DRAFT, "Pairing with Hannah on the failover runbook so she is not the only one who", "", "", None, "", "",
             [], None),
        ],
        "grace.adeyemi@example.com": [
            (SUBMITTED, "Clinic visit in Seaton: watched two receptionists use the referral screens. Notes shared.",
             "", "light", None, "", "", [], -30),
            (SUBMITTED, "Wrote up the keyboard-only issues from the clinic visit, 11 tickets.", "", "about_right",
             None, "", "Are the clinician-facing screen changes a consult or ours?",
             [("Waiting for clinic lead feedback on the new referral layout", "Feedback in: go ahead with "
               "option B.")], -2),
            (SUBMITTED, "Fixed 6 of the 11 keyboard tickets.", "Ravi tested with a screen reader for us", "about_right",
             None, "", "", [], -4),
            None,
        ],
    },
    "growth": {
        "outsider@example.com": [
            (SUBMITTED, "Set up the triage redirect experiment. Two weeks from Monday.", "", "about_right", None, "",
             "", [], -6),
            (SUBMITTED, "Experiment live. Early numbers: redirects down to 15%, too early to say.", "", "about_right",
             None, "", "", [], -1),
            (SUBMITTED, "Booking completion 61% -> 63% on the new flow. Writing it up for the decision log.",
             "", "light", None, "", "", [], -3),
            (DRAFT, "Results write-up half done", "", "", None, "", "", [], None),
        ],
        "liam.oconnor@example.com": [
            (SUBMITTED, "Ran usability sessions with 5 carers. Big one: people don't know which clinic is nearest.",
             "A carer said it was the first form that didn't make her feel stupid", "about_right", None, "", "", [],
             -20),
            (SUBMITTED, "Synthesis of the sessions, shared with Clinical Support.", "", "light", None, "", "", [], -2),
            (SUBMITTED, "Marketing asked for a 'only 2 slots left' banner. Said no, pointed them at the charter.",
             "", "about_right", 0, "Pressure from marketing for urgency messaging.",
             "Do marketing's banners on our pages count as 'experiments on the booking flow'?", [], -5),
            (SUBMITTED, "Plain-language symptom checker copy reviewed with Clinical Support.", "", "about_right", None,
             "", "", [("Clinical Support review slots booked out until next week", None)], -4),
        ],
        "mei.chen@example.com": [
            (SUBMITTED, "Accessibility audit of the booking flow: 4 AA failures, all contrast.", "", "about_right",
             1, "Found we shipped a button that fails contrast.", "", [], -3),
            (SUBMITTED, "Fixed the contrast issues, added the automated check to CI.", "", "about_right", None, "",
             "", [], -1),
            None,
            None,
        ],
        "elena.petrova@example.com": [
            None,
            (SUBMITTED, "First week! Read the charter, set up my laptop, shadowed Jonas on the experiment.",
             "Everyone has been really welcoming", "light", None, "", "", [], 20),
            (SUBMITTED, "Took the clinic-finder map ticket. Map library choice: is that ours to make?", "",
             "about_right", None, "", "Is choosing a map provider (costs money) ours to decide?",
             [("Need a budget answer on the map provider", "Sofia: free tier is fine for now, revisit at 10k "
               "lookups.")], -2),
            (SUBMITTED, "Clinic finder prototype works for 3 towns.", "", "about_right", None, "", "", [], -27),
        ],
    },
}


def seed_checkins(organisation) -> None:
    """Write each demo team's check-ins for the last four weeks; a team that has any is left alone."""
    people = {user.email: user for user in User.objects.filter(
        email__in=[email for team in WEEKS.values() for email in team])}
    for team in organisation.teams.filter(slug__in=WEEKS):
        if not CheckIn.objects.filter(team=team).exists():
            with transaction.atomic():
                _seed_team(team, WEEKS[team.slug], people)
        if team.slug in COMMITMENTS and not Commitment.objects.filter(team=team).exists():
            with transaction.atomic():
                _seed_commitments(team, COMMITMENTS[team.slug])


# (owner, title, standard of completion, due in days from today, state, asked by the leader,
#  [(kind, reason, proposal, decision: "accepted", "declined" or None while pending, leader's comment)])
COMMITMENTS = {
    "platform": [
        ("hannah.becker@example.com", "Failover runbook anyone on call can follow",
         "Kwame runs a failover from the runbook alone, in a change window", 10, "open", False,
         [("defer", "Second on-call week in a row; the runbook needs a quiet week.", 7, "accepted",
           "Yes. Protect the quiet week, I'll hold off new asks."),
          ("hand_over", "Kwame knows the database as well as I do now and has room this cycle.",
           "kwame.mensah@example.com", None, "")]),
        ("member@example.com", "Referral retries in production",
         "Retries on for every clinic; stuck referrals alert the on-call person", 5, "open", False,
         [("rescope", "The receiving clinics' inbox limits are outside our control.",
           "Retries on for the three biggest clinics only", "declined",
           "All clinics, please: the small ones are where referrals get lost.")]),
        ("grace.adeyemi@example.com", "Keyboard-only fixes from the clinic visit",
         "All 11 tickets closed and checked with a screen reader", -3, "done", False, []),
        ("kwame.mensah@example.com", "Timeline query under 500ms", "Median records timeline load under 500ms",
         -10, "dropped", False,
         [("drop", "The new index got us to 720ms; the rest needs the archive project.", None, "accepted",
           "Agreed, it moves to the archive project.")]),
        ("member@example.com", "Alert inventory owners", "Every alert in the inventory has a named owner", 14,
         "requested", True, []),
    ],
}


def _seed_commitments(team, spec: list) -> None:
    leader = team.memberships.leaders().select_related("user").first()
    emails = {row[0] for row in spec} | {change[2] for row in spec for change in row[6] if change[0] == "hand_over"}
    people = {user.email: user for user in User.objects.filter(email__in=emails)}
    today, now = timezone.localdate(), timezone.now()
    for email, title, standard, days, state, asked, changes in spec:
        owner = people.get(email)
        if owner is None or leader is None:
            continue
        # Start from what was first agreed, then replay each renegotiation onto it.
        due = today + timedelta(days=days - sum(c[2] for c in changes if c[0] == "defer" and c[3] == "accepted"))
        commitment = Commitment.objects.create(
            team=team, owner=owner, title=title, standard=standard, due_on=due, state=state,
            created_by=leader.user if asked else owner, created_at=now - timedelta(days=21))
        for n, (kind, reason, proposal, decision, comment) in enumerate(changes):
            renegotiation = Renegotiation(
                commitment=commitment, kind=kind, reason=reason, asked_by=owner,
                asked_at=now - timedelta(days=14 - 3 * n), was_due_on=commitment.due_on,
                was_standard=commitment.standard, was_owner=owner)
            if kind == "defer":
                renegotiation.proposed_due_on = commitment.due_on + timedelta(days=proposal)
            elif kind == "rescope":
                renegotiation.proposed_standard = proposal
            elif kind == "hand_over":
                renegotiation.proposed_owner = people.get(proposal)
            if decision:
                renegotiation.state, renegotiation.decided_by = decision, leader.user
                renegotiation.decided_at, renegotiation.comment = renegotiation.asked_at + timedelta(days=1), comment
            renegotiation.save()
            if decision == "accepted" and kind == "defer":
                commitment.due_on, commitment.version = renegotiation.proposed_due_on, commitment.version + 1
                commitment.save(update_fields=["due_on", "version"])


def _seed_team(team, spec: dict, people: dict) -> None:
    charter = Charter.objects.active_for(team)
    non_negotiables = list(charter.non_negotiables.all()) if charter else []
    leader = team.memberships.leaders().select_related("user").first()
    now = timezone.now()
    this_week = current_week(team, now)
    weeks = [this_week.previous().previous().previous(), this_week.previous().previous(), this_week.previous(),
             this_week]
    for email, entries in spec.items():
        author = people.get(email)
        if author is None:
            continue
        for week, entry in zip(weeks, entries, strict=True):
            if entry is None:
                continue
            state, progress, highlights, load, strained, note, boundary, blockers, hours = entry
            due = week.due_at(team.checkin_weekday, team.checkin_time)
            # Never in the future: seeded early in the week, this week's check-ins were written just now.
            written = min(due + timedelta(hours=hours or -30), now - timedelta(minutes=40 * (len(blockers) + 1)))
            submitted_at = written if state == SUBMITTED else None
            checkin = CheckIn.objects.create(
                team=team, author=author, week=week.monday, state=state, submitted_at=submitted_at,
                is_late=state == SUBMITTED and written > due, progress=progress, highlights=highlights, load=load,
                strained_non_negotiable=non_negotiables[strained] if strained is not None and strained < len(
                    non_negotiables) else None,
                strain_note=note, boundary_question=boundary, version=1, created_at=written, updated_at=written)
            for position, (what, resolution) in enumerate(blockers):
                resolved = {"resolved_at": written + timedelta(days=2), "resolved_by": leader.user,
                            "resolution": resolution} if resolution and leader else {}
                Blocker.objects.create(check_in=checkin, position=position, what=what, opened_at=written, **resolved)

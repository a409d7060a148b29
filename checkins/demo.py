"""Demo check-ins for `seed_demo`: twelve weeks of them, written the way people write them.

Everyone who checks in (members and facilitators) in a team with an active charter has a
history: holidays and sick weeks missing, some check-ins late, blockers raised and resolved,
non-negotiables strained (Platform's alert rule again and again), questions about who decides,
and the leader's replies and acknowledgements. A goal's owner updates its key results in each
check-in they submit, so the charter's scoreboard has history; Clinical Support's confidence in
its key result falls this week.

This week is half done: some submitted, some drafts, some not started. member@example.com has
not checked in yet and has a commitment request waiting for an answer. Hannah has been
overloaded for five weeks. Growth opens its check-ins to the whole team; the other teams keep
them to leaders and facilitators.

Commitments are in every state, with renegotiations accepted and declined and one pending.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from alignment.models import Membership, Team
from alignment.permissions import Capability, capabilities_of
from alignment.weeks import TeamWeek, current_week
from charters.models import Charter, KeyResult, KeyResultProgress
from charters.services import record_progress
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from checkins.services import tell_of_reply, tell_of_request

HISTORY_WEEKS = 12
# Growth shows the other privacy setting: everyone in the team reads its check-ins.
# (member@example.com is in Platform, which keeps them to leaders and facilitators.)
OPEN_TO_TEAM = "growth"

LIGHT, ABOUT_RIGHT, OVERLOADED = CheckIn.Load.LIGHT, CheckIn.Load.ABOUT_RIGHT, CheckIn.Load.OVERLOADED
ON, RISK, OFF = "on_track", "at_risk", "off_track"


class Blocked(NamedTuple):
    """A blocker as it was raised; the leader's note once resolved (empty while it is open)."""

    what: str
    resolution: str = ""
    days: float = 2  # from raised to resolved


class Week(NamedTuple):
    """One person's check-in in one week, as they wrote it."""

    progress: str
    highlights: str = ""
    load: str = ABOUT_RIGHT
    strained: int | None = None  # the strained non-negotiable's position in the charter (1 = first)
    strain_note: str = ""
    boundary: str = ""
    blockers: tuple[Blocked, ...] = ()
    hours: float = -20  # submitted this many hours after the team's check-in time (negative: before it)
    draft: bool = False  # this week only: still being written
    thread: tuple[str, ...] = ()  # the leader's reply, the author's answer, the leader's... in turn


AWAY = None  # no check-in that week: holiday, sick, or not in the team yet
# Who joined their team during the twelve weeks: they joined on the Monday of the week of their first check-in
# (everyone else was there before, `seed_demo.HISTORY_BEGINS`), so the weeks before it are not ones they missed.
JOINED_DURING = {"elena.petrova@example.com"}

# Twelve entries per person, oldest first (eleven weeks ago ... this week).
WEEKS: dict[str, dict[str, list[Week | None]]] = {
    # Due Fridays at 10:00, Europe/London. Leader: Amara (leader@example.com).
    "platform": {
        "member@example.com": [
            Week("Dug into why referrals get stuck. Mostly it isn't us: the receiving clinics' inboxes reject "
                 "anything over 10MB, and scanned letters often are.",
                 hours=-22,
                 thread=("Great find. Can you put the 10MB limit in the referral goal notes so the clinic leads "
                         "see it too?", "done, added it this morning")),
            Week("Prototype that shrinks scanned attachments before sending: a 14MB letter comes out at 2.1MB and "
                 "still readable. Need to check with the CSO that recompressing a clinical document is ok",
                 boundary="Is recompressing a scanned clinical letter a clinical safety question (fixed) or a "
                          "tooling choice (ours)?",
                 blockers=(Blocked("Need the Clinical Safety Officer to say whether recompressing scans is allowed",
                                   "CSO says yes as long as the original is kept alongside. Noted in the decision "
                                   "log.", 4),),
                 hours=-3),
            Week("Waiting on the CSO mostly. Meanwhile tidied the referral queue code, no behaviour change. Not a "
                 "very exciting week tbh", load=LIGHT, hours=5),
            AWAY,
            Week("back from leave. Compression is behind a flag for Seaton and Porthmoor, originals kept alongside "
                 "like the CSO asked.",
                 highlights="Kwame kept my referral PRs moving while I was away", hours=-26,
                 thread=("Welcome back! Watch the Porthmoor numbers for a week before widening the flag.",
                         "will do")),
            Week("Compression on for all clinics. 4h delivery up to 75% on the dashboard. Prepared my bit for the "
                 "retro (what went well with the CSO conversation).", hours=-1),
            Week("Referral retries are in staging. Still flaky when the receiving clinic's inbox is full.",
                 hours=-20,
                 thread=("Flaky how? If it's the inbox-full case, can retries ever fix that?",
                         "Not really, retries just delay the failure. I'll add an alert so a person rings the "
                         "clinic instead.",
                         "Good. That's the right kind of boring.")),
            Week("retries done + alerting on stuck referrals. wrote the runbook for it too",
                 highlights="Kwame's review caught a nasty off-by-one in the backoff", hours=-2),
            Week("Started on the 4h delivery report. Numbers look worse than we thought (~78%).",
                 load=LIGHT,
                 boundary="Can we change the referral form wording ourselves or does that need the clinic leads?",
                 blockers=(Blocked("Need read access to the referrals warehouse",
                                   "Data team granted read-only access to the referrals schema.", 3),),
                 hours=3,
                 thread=("Form wording is a consult: two clinic leads and product. I'll set up the conversation.",)),
            Week("Report is live for the leadership meeting. The gap is mostly three small clinics that still fax "
                 "(!!) referrals back. Talking to them next week.",
                 hours=-4,
                 thread=("Fax. In this decade. Thanks for chasing it; shall I call their practice managers?",
                         "yes please for Harrowby, they never answer my emails")),
            Week("Video call with Harrowby. They'll switch to the inbox by the end of the month if we give them a "
                 "one-page guide, so I drafted one.",
                 highlights="Grace helped with the guide wording, much clearer now",
                 blockers=(Blocked("Harrowby's IT won't allow mail from our sending address"),),
                 hours=-21),
            AWAY,  # not started yet
        ],
        "facilitator@example.com": [
            Week("Ran the incident review for the booking outage. Actions agreed, two still unowned.",
                 highlights="Clinic leads joined the review, first time!", hours=-24),
            Week("Followed up the unowned actions from the outage review: Hannah took the DNS one, the other is "
                 "parked until planning.", hours=-18),
            Week("Planning prep, then facilitated planning on Monday. Ran 40 mins over, I need a tighter agenda.",
                 hours=-2),
            Week("Paired with Hannah on alert rules and started an inventory of which alerts have runbooks.",
                 strained=4, strain_note="Three alerts fired this week with no runbook at all.", hours=-4),
            Week("Quiet week. Updated the on-call handbook, mostly wording.", load=LIGHT, hours=-30),
            Week("Retro for the cycle done. Best one we've had I think — people actually talked about the Friday "
                 "rule instead of skirting round it. Actions are in the tracker.",
                 highlights="Kwame volunteered to own the flaky test list",
                 boundary="The retro asked who decides when a clinic's request overrides the Friday rule. We "
                          "didn't agree.",
                 hours=-6,
                 thread=("Thanks Priya. I'll take the Friday question to the clinic leads so we have an answer "
                         "before it happens again.",)),
            Week("Onboarding notes for the next hire. Cleaned up the team's decision log (there were 4 duplicates).",
                 hours=-20),
            Week("Retro format for the cycle end drafted. Not much else, lots of meetings.", load=LIGHT, hours=-1),
            Week("alert inventory part 2. 41 alerts in total, 12 without a runbook, 5 that nobody could tell me "
                 "what they're for",
                 strained=4, strain_note="We keep adding alerts faster than runbooks.", hours=-25),
            Week("Booked the retro room. Chased owners for the 12 runbook-less alerts, got 7.",
                 highlights="Hannah's alert clean-up is paying off already", hours=-22),
            Week("Mid-cycle pulse on the charter in standup, 15 minutes. The Friday rule and the alert rule are the "
                 "two people feel strained. Bringing both to the retro.",
                 strained=4, strain_note="Same as the last few weeks: alerts without runbooks keep appearing after "
                                         "incidents.",
                 hours=-3),
            Week("Prepared the retro: one slot per charter element, plus 20 minutes on the alert rule since it "
                 "keeps coming up.",
                 highlights="Everyone filled in the pre-retro survey, even Kwame :)", hours=-22),
        ],
        "hannah.becker@example.com": [
            Week("Failover plan for the records DB written up, waiting for a change window.",
                 blockers=(Blocked("Failover test needs a change window from the hospital IT",
                                   "Agreed with hospital IT: Tuesday evenings are ours.", 5),),
                 hours=-20),
            Week("DNS fix from the outage review shipped. Records p50 is 1320ms, most of it the timeline query I "
                 "think", hours=-8),
            Week("Booking outage follow-ups, all done. Started profiling the records page.", hours=-5),
            Week("alert rules with Priya. killed 3 that only ever fire at 3am and mean nothing",
                 strained=4, strain_note="Paged on Tuesday for an alert with no runbook, had to guess.", hours=-2),
            Week("Records page: lazy-load the attachments panel. 1210 -> 1150ms. small win", hours=-27),
            Week("Retro and clean-up. Took Friday off.", load=LIGHT, hours=-40),
            Week("Failover test done in the Tuesday window!! 4 minutes of read-only and nobody noticed.",
                 highlights="Kwame stayed late to watch the dashboards with me", hours=-19,
                 thread=("This is huge. Thank you for doing it properly, with the clinics warned and all.",)),
            Week("On-call week. 9 pages, 3 at night. Load time work paused.", load=OVERLOADED, hours=2),
            Week("Second on-call week in a row because of the swap.", load=OVERLOADED, strained=3,
                 strain_note="Deployed the records hotfix Friday 16:10 because the clinic asked. It was the right "
                             "call but it was still a Friday deploy.",
                 boundary="Who decides if a clinic's request beats the no-Friday rule?", hours=-3,
                 thread=("It was the right call. I'll take the question to the retro so it isn't on you next time. "
                         "And no third on-call week: I've told the rota.",
                         "thanks. really.")),
            Week("Alert clean-up: removed 8 noisy alerts, wrote 4 runbooks. Median load time 950ms -> 880ms.",
                 highlights="Slept through a whole night", load=OVERLOADED,
                 blockers=(Blocked("Nobody else can do the DB failover yet"),), hours=-6),
            Week("Index on the records timeline shipped, 880 -> 720ms. Also covering Kwame's pager Tue/Wed.",
                 load=OVERLOADED, strained=4, strain_note="Paged twice for the disk alert that has no runbook.",
                 blockers=(Blocked("Disk alert on records-db-2 has no owner", "Kwame owns it now; runbook due "
                                   "next week.", 3),),
                 hours=-26,
                 thread=("Noted the pager cover, thank you. I've asked Kwame to own the disk alert once he's back.",
                         "ok good")),
            Week("honestly tired. Records were slow for 40 min on Tuesday (disk again). Did the failover "
                 "walkthrough with Kwame, he drove, I watched. Nothing else shipped.",
                 load=OVERLOADED, strained=4,
                 strain_note="The new referral queue alert went live without a runbook, again.", hours=-2),
        ],
        "kwame.mensah@example.com": [
            Week("Reviewed the referral queue changes. Read up on the records schema, it's older than I am",
                 load=LIGHT, hours=-29),
            Week("Load-time profiling. Most of it is the timeline query, not the front end.", hours=-5),
            Week("Timeline query: tried two indexes on a prod-sized copy (synthetic data, not real patients). One "
                 "helps alot, the other makes writes slow.", hours=-23),
            Week("Pairing with Tomás on the referral backoff, mostly reviewing. Also dentist.", load=LIGHT, hours=-3),
            Week("Covered referrals while Tomás is away. Nothing on fire.", hours=-20),
            Week("Retro. Took the flaky test list (9 tests) and fixed 2 already.", hours=-2),
            Week("Flaky tests: 7 of 9 fixed. The other 2 are real race conditions, raised them properly.",
                 highlights="Hannah's failover test went perfectly", hours=-18),
            AWAY,  # off sick
            Week("sorry late — was off sick. Back now, reviewing Tomás's alerting PR", load=LIGHT, hours=28),
            Week("Timeline index ready, Hannah is shipping it. Started reading the failover runbook, I have "
                 "questions", hours=-4),
            Week("Off Tue/Wed (family thing), Hannah covered my pager, I owe her. Started the disk alert runbook.",
                 load=LIGHT, hours=-2,
                 thread=("Hope all is ok at home. And yes, the disk alert is yours now.",
                         "thanks Amara, all fine now")),
            Week("Pairing with Hannah on the failover runbook so she is not the only one who", draft=True),
        ],
        "grace.adeyemi@example.com": [
            Week("Accessibility pass on the referral screens. Keyboard traps in the attachment picker.", hours=-28),
            Week("Fixed the attachment picker trap. Wrote keyboard-only test steps for everyone to use.", hours=-7),
            Week("Mostly Clinical Support this week, one day on platform. Reviewed Tomás's compression change.",
                 load=LIGHT, hours=-3),
            Week("Clinic visit in Seaton: watched two receptionists use the referral screens. Notes shared.",
                 load=LIGHT, hours=-30),
            AWAY,
            Week("Wrote up the keyboard-only issues from the clinic visit, 11 tickets.",
                 boundary="Are the clinician-facing screen changes a consult or ours?",
                 blockers=(Blocked("Waiting for clinic lead feedback on the new referral layout",
                                   "Feedback in: go ahead with option B.", 6),),
                 hours=-2),
            Week("Option B layout: the first 3 tickets are done.", hours=-20),
            Week("Fixed 6 of the 11 keyboard tickets.", highlights="Ravi tested with a screen reader for us",
                 hours=-4),
            Week("9/11. the last two need a decision on the date picker", hours=-26),
            Week("Date picker decided (native input, boring but it works). 11/11 done and checked with a screen "
                 "reader.", hours=2),
            Week("Helped Tomás with the Harrowby guide. Started looking at the booking admin screen.", load=LIGHT,
                 hours=-5),
            AWAY,  # not started yet
        ],
    },
    # Due Thursdays at 15:30, Europe/Lisbon. Leader: Sofia.
    "growth": {
        "outsider@example.com": [
            Week("Looked at last cycle's funnel. The biggest drop is between 'choose clinic' and 'choose time': 22% "
                 "leave there.", hours=-20),
            Week("Hypothesis doc for the triage redirect: show the nearest clinic that offers the service, not just "
                 "the nearest clinic.", hours=-3),
            Week("Set up the triage redirect experiment. Two weeks from Monday.", hours=-6),
            Week("Experiment live. Early numbers: redirects down to 15%, too early to say.", hours=-1),
            Week("Redirect experiment, week 2: 15.9% redirected vs 17.2% in control. Small but it looks real",
                 highlights="Mei's CI accessibility check caught a regression before it shipped", hours=-27),
            Week("Wrote up the redirect result for the decision log; the team agreed to keep it. Cycle retro.",
                 hours=-4,
                 thread=("Nice write-up. The 'what we'd do differently' part was the most useful bit.",)),
            Week("Next experiment: fewer fields on the booking form (dropping 'how did you hear about us'). "
                 "Setting it up.", hours=-30),
            Week("Booking completion 61% -> 63% on the new flow. Writing it up for the decision log.", load=LIGHT,
                 hours=-3),
            Week("Marketing want the 'how did you hear about us' field back. Told them it stays off for the "
                 "2 weeks the experiment runs.",
                 boundary="Is the booking form's content ours or marketing's? The charter says experiments on the "
                          "flow are ours, but the field is theirs.",
                 hours=4,
                 thread=("Ours while the experiment runs. I'll talk to marketing about afterwards.", "👍")),
            Week("didn't get much done, two days of interviews for the new analyst role", load=LIGHT, hours=20),
            Week("Form experiment: completion 63.1% vs 61.4%. Writing up. Also started sketching a 'book for "
                 "someone else' flow for carers.", hours=-5),
            Week("Results write-up half done", draft=True),
        ],
        "liam.oconnor@example.com": [
            Week("Recruited 5 carers for usability sessions through the clinics' patient groups.", hours=-20),
            Week("Ran usability sessions with 5 carers. Big one: people don't know which clinic is nearest.",
                 highlights="A carer said it was the first form that didn't make her feel stupid", hours=-20),
            Week("Synthesis of the sessions, shared with Clinical Support.", load=LIGHT, hours=-2),
            Week("Facilitated the mid-cycle check. Short one, everyone's heads down on the experiment.", hours=-4),
            Week("Plain-language copy for the clinic finder, 3 versions, testing next week", hours=-22),
            Week("Retro facilitation. We ran out of time for the boundaries part, again.",
                 boundary="Nobody could say who owns the wording on the confirmation email: us, Clinical Support "
                          "or the clinics.",
                 hours=-3),
            AWAY,  # holiday
            Week("Back. Catching up on the form experiment, reading Jonas's notes.", load=LIGHT, hours=2),
            Week("Marketing asked for an 'only 2 slots left' banner. Said no, pointed them at the charter.",
                 strained=1, strain_note="Pressure from marketing for urgency messaging.",
                 boundary="Do marketing's banners on our pages count as 'experiments on the booking flow'?",
                 hours=-5,
                 thread=("Right call, and thank you for pointing at the charter rather than just saying no. I'll "
                         "settle the banner question with the marketing lead.",
                         "cheers. they weren't thrilled")),
            Week("Plain-language symptom checker copy reviewed with Clinical Support.",
                 blockers=(Blocked("Clinical Support review slots booked out until next week",
                                   "Fatima found us a slot on Tuesday.", 3),),
                 hours=-4),
            Week("Carer sessions round 2 booked for next week. Wrote the discussion guide.", hours=-24),
            Week("Two carer sessions done, three to go. One woman booked for her dad in 40 seconds on the new flow, "
                 "which I did not expect",
                 highlights="Elena sat in and took brilliant notes",
                 blockers=(Blocked("Two carers can only do the session by phone and our recording set-up is video "
                                   "only"),),
                 hours=-3),
        ],
        "mei.chen@example.com": [
            Week("Accessibility audit of the booking flow: 4 AA failures, all contrast.",
                 strained=2, strain_note="Found we shipped a button that fails contrast.", hours=-3),
            Week("Fixed the contrast issues, added the automated check to CI.", hours=-1),
            Week("Keyboard walk-through of the whole flow. The clinic map is unusable without a mouse.",
                 blockers=(Blocked("The map component has no keyboard support upstream",
                                   "Agreed: a list view beside the map, same data, works with a keyboard.", 6),),
                 hours=-21),
            Week("List view alternative for the map, in review", hours=-20),
            Week("List view shipped. Helped Jonas with the experiment's tracking.", hours=-6),
            Week("retro + small fixes. quiet.", load=LIGHT, hours=1),
            Week("Front end for the form experiment. Removed the field and kept the layout stable so it's a fair "
                 "test.", hours=-22),
            Week("Added visual regression tests for the booking pages, they caught 2 things already", hours=-3),
            AWAY,  # two weeks' holiday
            AWAY,
            Week("Back from two weeks off. Inbox zero-ish. Reviewing Elena's clinic finder PR.", load=LIGHT,
                 hours=-2,
                 thread=("Welcome back! No rush on the backlog.",)),
            AWAY,  # not started yet
        ],
        "elena.petrova@example.com": [
            AWAY,  # not in the team yet
            AWAY,
            Week("First week! Read the charter, set up my laptop, shadowed Jonas on the experiment.",
                 highlights="Everyone has been really welcoming", load=LIGHT, hours=20),
            Week("Pairing with Mei on the list view. Learning the booking codebase, it's... a lot", load=LIGHT,
                 hours=-2),
            Week("Took the clinic-finder map ticket. Map library choice: is that ours to make?",
                 boundary="Is choosing a map provider (costs money) ours to decide?",
                 blockers=(Blocked("Need a budget answer on the map provider",
                                   "Free tier is fine for now; revisit at 10k lookups a month.", 2),),
                 hours=-2),
            Week("First retro here. Liked that we went through the non-negotiables one by one.", hours=-20),
            Week("Clinic finder prototype works for 3 towns.", hours=-27),
            Week("Clinic finder: all 14 clinics, with opening hours from the clinics' own feed.",
                 highlights="Liam's usability notes saved me from building the wrong filter", hours=-21),
            Week("Bug bash on the finder. 7 bugs, 6 fixed. The 7th is the clinics' feed sending times in the wrong "
                 "timezone (!)",
                 blockers=(Blocked("Clinic feed sends opening times in UTC without saying so",
                                   "Data team fixed the feed; times are local now.", 5),),
                 hours=-4),
            Week("finder behind a flag for 10% of users. watching the numbers", hours=3,
                 thread=("Great work for someone two months in. What are you watching for?",
                         "Mostly whether people still pick a far clinic when a near one has slots. Will share next "
                         "week.")),
            Week("Finder at 50%. People pick the nearest clinic that has the service 71% of the time, vs 58% "
                 "before.", hours=-20),
            Week("Finder at 100%. Writing a short note for Clinical Support about what changed for callers.",
                 hours=-2),
        ],
    },
    # Due Mondays at 09:00, Europe/Dublin: people write first thing on Monday. Leader: Fatima, who also checks in.
    "clinical-support": {
        "fatima.haddad@example.com": [
            Week("Set up the same-day dashboard with the data team. Baseline confirmed: 82%.", hours=-1),
            Week("First week of the new hand-over note template. Mixed feelings from the team, it's longer.",
                 hours=-0.5),
            Week("Rota for next month done, finally. Two clinicians on every shift, even Saturdays.",
                 highlights="David covered a Saturday without being asked", hours=-2),
            Week("The message queue backed up on Thursday afternoon, 23 left overnight. Looking at why.",
                 strained=1, strain_note="Two urgent-flagged messages waited 25 and 31 minutes on Thursday.",
                 hours=-1.5),
            Week("Found it: the web form sends everything to one queue. Asked Growth whether they can route by "
                 "topic.",
                 boundary="Routing web-form messages: our process or Growth's product?", hours=2),
            Week("Quiet-ish. Reviewed 10 random hand-overs with Ravi, 8 were good.", hours=-3),
            Week("Web form routing is live (thanks Growth). The queue this morning was 4 messages.",
                 highlights="Growth turned it round in a week", hours=-1),
            Week("Escalation path review: updated the on-call clinician list, removed two people who left.",
                 hours=-0.8),
            Week("Ran a session on difficult calls after last week's call with the bereaved daughter. Good "
                 "turnout.", hours=-4),
            Week("Same-day is at 88.5%. Script reviews are stuck waiting for a clinician, I'll do them myself.",
                 hours=-2),
            Week("Half the team on leave and we still kept two clinicians on every shift. Just.", load=OVERLOADED,
                 hours=4),
            Week("Rough week. Phones were down Thursday morning for 3 hours and two of us were off with flu. "
                 "Same-day dropped to 86.7%, I've put it at risk.",
                 strained=2, strain_note="During the phone outage people took calls on their mobiles and some notes "
                                         "went in hours later.",
                 hours=-1.5),
        ],
        "david.kowalski@example.com": [
            Week("Phone queue: average wait 4m10s. Wrote down the 10 most common questions.", hours=-1),
            Week("Drafted scripts for the top 5 questions with Grace. Sent them to a clinician for review.",
                 blockers=(Blocked("Scripts waiting for clinician review", "Ravi reviewed all five.", 3),),
                 hours=-0.3),
            Week("Covered Saturday. Quiet actually, 31 calls.", load=LIGHT, hours=26),
            AWAY,  # off sick
            Week("Scripts 1–5 in use. People still ask about parking more than anything, should that be a script? "
                 "lol", hours=-2),
            Week("Trained the two new call handlers on the hand-over template.", hours=-1),
            Week("Tested the routed web-form queue: 'repeat prescription' went to the wrong team. Fixed with "
                 "Growth.", hours=1),
            Week("queue ok. nothing much to report", load=LIGHT, hours=-0.2),
            Week("Difficult call on Tuesday (bereavement). Fatima's session afterwards helped a lot.",
                 highlights="Ravi took the follow-up call for me", hours=-3),
            Week("Scripts 6–10 drafted. Parking is script 6, you're welcome", hours=-2,
                 thread=("Ha. Parking approved in spirit; Ravi still has to read it.", "fair")),
            Week("Phone cover in the leave week, did 3 extra shifts. recieved a thank-you card from a patient "
                 "though", load=OVERLOADED, hours=30),
            Week("Phones were down Thursday morning, we", draft=True),
        ],
        "grace.adeyemi@example.com": [
            Week("Started on the web contact form's wording with David. It asks 'describe your symptoms' first, "
                 "which scares people.", hours=-2),
            Week("Scripts for the top 5 with David. I'm the plain-English person, he's the knows-what-people-ask "
                 "person.", hours=-0.5),
            Week("Facilitated our first proper retro in ages. Two actions: feedback on the hand-over template, "
                 "and the Saturday rota.", hours=-1),
            Week("Web form: new wording drafted, clinician review booked.",
                 boundary="Who signs off the web form wording: us, a clinician, or Growth?",
                 blockers=(Blocked("No clinician free to review the web form wording this week",
                                   "Ravi has Thursday afternoon for it; I've moved his message shift.", 2),),
                 hours=5),
            Week("Web form wording approved by Ravi with two changes.", hours=-1),
            Week("Mostly Platform this week (writing up the clinic visit).", load=LIGHT, hours=-0.5),
            AWAY,
            Week("Checked the web form with a screen reader user from the patient group.",
                 highlights="She told us exactly what was confusing in 10 minutes", hours=-2),
            Week("Co-facilitated the difficult-calls session with Fatima and wrote up what people asked for.",
                 hours=-1),
            Week("Plain-English pass on scripts 6–10.", hours=3),
            Week("Facilitated the mid-cycle check: the hand-over template is now 'fine', which from this team is "
                 "praise", hours=-1.5),
            AWAY,  # not started yet
        ],
        "ravi.shah@example.com": [
            Week("Clinician on messages Mon/Wed. 3 urgent flags, all seen within 10 minutes.", hours=-1),
            Week("Reviewed David and Grace's five scripts. Changed the chest pain wording, otherwise good.",
                 hours=-0.5),
            Week("messages + 2 home visits. fine", load=LIGHT, hours=-2),
            Week("Thursday was bad: urgent messages waited 25+ minutes because I was on a long call and nobody else "
                 "was on.",
                 strained=1, strain_note="Only one clinician on messages on Thursday afternoon.",
                 boundary="When the only clinician is on a call, can a call handler interrupt them? Nobody knew.",
                 hours=-1,
                 thread=("Yes, they can and they should. I'll put it in the escalation path so it's written down.",
                         "thanks, that helps")),
            Week("Reviewed the new web form wording, asked for two changes.", hours=2),
            Week("Hand-over audit with Fatima: 8 of 10 good. The 2 bad ones were both Friday evenings.", hours=-1),
            Week("Screen reader testing for Platform's referral screens (Grace asked).", hours=-3),
            AWAY,  # annual leave
            Week("Follow-up call for David's bereavement case. Talked it through in supervision.", hours=-1),
            Week("Scripts 6–10: all reviewed except the medication one, which needs a pharmacist.",
                 blockers=(Blocked("The medication script needs a pharmacist's review"),), hours=-2),
            Week("Leave-week cover: on messages every day. Tiring, but the queue never went over 10.",
                 highlights="Call handlers interrupted me twice for urgent flags, exactly as agreed", hours=-0.7),
            Week("Phones down Thursday so messages doubled. Urgent ones were all seen within 15 minutes, but "
                 "definately only just.", hours=-0.5),
        ],
    },
}

# A goal owner's key-result readings, one a week (oldest first), by metric: (value, confidence).
# Only the weeks in which the owner submitted a check-in are recorded.
READINGS: dict[str, list[tuple[str, str]]] = {
    "Referrals delivered within 4 hours": [
        ("72.0", ON), ("72.5", ON), ("71.8", RISK), ("73.0", RISK), ("74.2", RISK), ("75.5", ON),
        ("76.9", ON), ("79.3", ON), ("78.1", RISK), ("79.6", RISK), ("80.4", ON), ("81.0", ON),
    ],
    "Questions answered same day": [
        ("82.5", ON), ("83.1", ON), ("84.0", ON), ("83.2", RISK), ("84.6", RISK), ("85.9", ON),
        ("86.4", ON), ("87.8", ON), ("88.1", ON), ("88.5", ON), ("89.4", ON), ("86.7", RISK),
    ],
    "Availability during clinic hours": [
        ("99.31", RISK), ("99.35", RISK), ("99.44", ON), ("99.41", ON), ("99.48", ON), ("99.52", ON),
        ("99.55", ON), ("99.58", ON), ("99.57", ON), ("99.61", ON), ("99.63", ON), ("99.49", RISK),
    ],
    "Median record load time": [
        ("1380", RISK), ("1320", RISK), ("1290", RISK), ("1210", RISK), ("1150", ON), ("1080", ON),
        ("1020", ON), ("980", ON), ("950", ON), ("880", ON), ("720", ON), ("715", ON),
    ],
    "Bookings redirected after triage": [
        ("17.6", ON), ("17.2", ON), ("16.9", ON), ("15.8", ON), ("15.9", ON), ("15.4", ON),
        ("15.0", ON), ("14.6", ON), ("14.3", RISK), ("14.0", RISK), ("13.8", RISK), ("13.5", OFF),
    ],
    "Booking completion rate": [
        ("55.1", ON), ("55.8", ON), ("56.4", ON), ("57.0", RISK), ("57.9", RISK), ("58.6", ON),
        ("60.2", ON), ("63.0", ON), ("62.4", ON), ("62.8", ON), ("63.1", ON), ("63.4", RISK),
    ],
}
# Any other key result: how far from start to target it had moved each week, and how sure its owner was.
OTHER_READINGS = [
    ("0.03", ON), ("0.07", ON), ("0.10", RISK), ("0.14", RISK), ("0.20", ON), ("0.26", ON),
    ("0.31", ON), ("0.35", ON), ("0.42", ON), ("0.45", RISK), ("0.49", ON), ("0.52", RISK),
]


class Change(NamedTuple):
    """A renegotiation the owner asked for; `proposal` is days to defer, a new standard or who to hand over to."""

    kind: str
    reason: str
    proposal: int | str | None
    decision: str | None  # "accepted", "declined", or None while the leader has not answered
    comment: str = ""


class Promise(NamedTuple):
    """A commitment as first agreed (`due_in` days from today); accepted changes are replayed onto it."""

    owner: str
    title: str
    standard: str
    due_in: int
    state: str
    asked: bool = False  # the leader asked for it (created by the leader)
    changes: tuple[Change, ...] = ()
    created: int = 21  # days ago
    overload_note: str = ""  # taken on while overloaded, and why


COMMITMENTS: dict[str, list[Promise]] = {
    "platform": [
        Promise("hannah.becker@example.com", "Failover runbook anyone on call can follow",
                "Kwame runs a failover from the runbook alone, in a change window", 3, "open",
                changes=(Change("defer", "Second on-call week in a row; the runbook needs a quiet week.", 7,
                                "accepted", "Yes. Protect the quiet week, I'll hold off new asks."),
                         Change("hand_over", "Kwame knows the database as well as I do now and has room this "
                                "cycle.", "kwame.mensah@example.com", None))),
        Promise("member@example.com", "Referral retries in production",
                "Retries on for every clinic; stuck referrals alert the on-call person", 5, "open",
                changes=(Change("rescope", "The receiving clinics' inbox limits are outside our control.",
                                "Retries on for the three biggest clinics only", "declined",
                                "All clinics, please: the small ones are where referrals get lost."),)),
        Promise("member@example.com", "Scanned attachments shrunk before sending",
                "Every referral attachment under 10MB, original kept alongside, signed off by the CSO", -45, "done",
                created=75),
        Promise("grace.adeyemi@example.com", "Keyboard-only fixes from the clinic visit",
                "All 11 tickets closed and checked with a screen reader", -3, "done", created=40),
        Promise("kwame.mensah@example.com", "Timeline query under 500ms", "Median records timeline load under 500ms",
                -10, "dropped", created=50,
                changes=(Change("drop", "The new index got us to 720ms; the rest needs the archive project.", None,
                                "accepted", "Agreed, it moves to the archive project."),)),
        Promise("kwame.mensah@example.com", "Runbook for the records-db-2 disk alert",
                "A runbook the on-call person can follow at 3 a.m., tried once in a drill", 6, "open", asked=True,
                created=9),
        Promise("hannah.becker@example.com", "Pager rota for next cycle",
                "Rota published; nobody is on call two weeks in a row", 4, "open", created=5,
                overload_note="I know I'm overloaded. It's an hour's work and I want the two-weeks rule to stick."),
        Promise("member@example.com", "Alert inventory owners", "Every alert in the inventory has a named owner", 14,
                "requested", asked=True, created=2),
    ],
    "growth": [
        Promise("outsider@example.com", "Triage redirect result in the decision log",
                "Method, numbers and the decision, shared with Clinical Support", -45, "done", created=70),
        Promise("outsider@example.com", "Booking form experiment written up",
                "Result and decision in the decision log, shared with marketing", 2, "open", created=12),
        Promise("mei.chen@example.com", "Summer campaign landing page",
                "Landing page live and passing the accessibility check", 12, "declined", asked=True, created=20),
        Promise("elena.petrova@example.com", "Clinic finder for every clinic",
                "All 14 clinics with correct local opening hours, on for everyone", 2, "open", created=30,
                changes=(Change("defer", "The clinic feed's timezone bug held the rollout up by a week.", 7,
                                "accepted", "Of course: the feed wasn't yours to fix."),)),
        Promise("liam.oconnor@example.com", "Carer usability round 2",
                "Five carers seen, findings shared with the team and Clinical Support", 6, "open", created=16,
                changes=(Change("rescope", "Only three carers can make it before the due date.",
                                "Three carers now, the other two early next cycle", "accepted",
                                "Three is plenty to learn from."),)),
    ],
    "clinical-support": [
        Promise("david.kowalski@example.com", "Scripts 6–10 approved",
                "All five reviewed by a clinician and in the shared folder", 4, "open", created=18,
                changes=(Change("hand_over", "Grace is better at the plain-English pass than I am.",
                                "grace.adeyemi@example.com", "declined",
                                "Grace is full with Platform work this month. Pair with her for an hour instead?"),)),
        Promise("ravi.shah@example.com", "Escalation path written down",
                "One page: when a call handler interrupts a clinician, and how; on the wall and in the wiki", -50,
                "done", asked=True, created=60),
        Promise("grace.adeyemi@example.com", "Web form wording tested with patients",
                "Three people from the patient group complete the form unaided", -5, "dropped", created=45,
                changes=(Change("drop", "The patient group paused for the summer; the screen reader session "
                                "covered most of it.", None, "accepted",
                                "Fine. We'll revisit when the group starts again."),)),
        Promise("ravi.shah@example.com", "Pharmacist review of the medication script",
                "The pharmacist has signed the script off, or told us what to change", 7, "requested", asked=True,
                created=1),
    ],
}


def seed_checkins(organisation) -> None:
    """Write each demo team's twelve weeks of check-ins and its commitments; a team that has any is left alone."""
    now = timezone.now()
    for team in organisation.teams.filter(slug__in=WEEKS.keys() | COMMITMENTS.keys()).order_by("pk"):
        if team.slug in WEEKS and not CheckIn.objects.filter(team=team).exists():
            with transaction.atomic():
                _seed_team(team, WEEKS[team.slug], now)
        if team.slug in COMMITMENTS and not Commitment.objects.filter(team=team).exists():
            with transaction.atomic():
                _seed_commitments(team, COMMITMENTS[team.slug], now)


def _tell_of_recent_replies(team, replies: list[Reply], now: datetime) -> None:
    """The leaders' replies of the last fortnight are waiting in their readers' notification centres."""
    for reply in replies:
        if reply.author_id != reply.check_in.author_id and reply.created_at > now - timedelta(weeks=2):
            reply.check_in.team = team
            tell_of_reply(reply, now=reply.created_at)


def _seed_team(team, spec: dict[str, list[Week | None]], now: datetime) -> None:
    charter = Charter.objects.active_for(team)
    if charter is None:
        return  # check-ins meet the charter: without one in force there is nothing to check in against
    memberships = list(team.memberships.select_related("user"))
    writers = {m.user.email: m.user for m in memberships if Capability.CHECK_IN in capabilities_of(m)}
    leader = next((m.user for m in memberships if m.is_leader), None)
    non_negotiables = {nn.position: nn for nn in charter.non_negotiables.all()}
    owned: dict[int, list[KeyResult]] = {}
    for kr in KeyResult.objects.filter(goal__charter=charter, goal__owner__isnull=False).select_related(
            "goal").order_by("goal__position", "position", "pk"):
        owned.setdefault(kr.goal.owner_id, []).append(kr)
    weeks = [current_week(team, now)]
    while len(weeks) < HISTORY_WEEKS:
        weeks.insert(0, weeks[0].previous())

    written: list[tuple[CheckIn, Week, int, list[datetime]]] = []
    for order, (email, entries) in enumerate(spec.items()):
        author = writers.get(email)
        if author is None:
            continue
        if email in JOINED_DURING:
            first = next(week for week, entry in zip(weeks, entries, strict=True) if entry is not None)
            Membership.objects.filter(team=team, user=author).update(joined_at=first.starts_at)
        for index, (week, entry) in enumerate(zip(weeks, entries, strict=True)):
            if entry is None:
                continue
            due = week.due_at(team.checkin_weekday, team.checkin_time).astimezone(UTC)
            at = _written_at(week, due + timedelta(hours=entry.hours), now, order)
            checkin = CheckIn(
                team=team, author=author, week=week.monday, progress=entry.progress, highlights=entry.highlights,
                load="" if entry.draft else entry.load, strained_non_negotiable=non_negotiables.get(entry.strained),
                strain_note=entry.strain_note, boundary_question=entry.boundary, version=1, created_at=at,
                updated_at=at)
            thread = []  # when each message of the thread was written: within the day or two after
            if not entry.draft:
                checkin.state, checkin.submitted_at, checkin.is_late = CheckIn.State.SUBMITTED, at, at > due
                if leader is not None and author != leader:
                    thread = _later(at, [6 + 2 * (order % 4) + 9 * n for n in range(len(entry.thread))], now)
                    if _acknowledged(index, order, entry):
                        # Replying acknowledges it too; otherwise the leader read it within a day or so.
                        checkin.acknowledged_by = leader
                        checkin.acknowledged_at = thread[0] if thread else _later(
                            at, [10 + 7 * ((index + order) % 4)], now)[0]
            written.append((checkin, entry, index, thread))
    CheckIn.objects.bulk_create([checkin for checkin, *_ in written])

    blockers, replies, updates = [], [], []
    for checkin, entry, index, thread in written:
        for position, raised in enumerate(entry.blockers):
            blocker = Blocker(check_in=checkin, team_id=checkin.team_id, position=position, what=raised.what, opened_at=checkin.created_at)
            if raised.resolution and leader is not None:
                blocker.resolved_at = _later(checkin.created_at, [raised.days * 24], now)[0]
                blocker.resolved_by, blocker.resolution = leader, raised.resolution
            blockers.append(blocker)
        # The leader writes first, then the author answers, and so on.
        replies += [Reply(check_in=checkin, author=checkin.author if n % 2 else leader, body=body,
                          created_at=moment, token=uuid.uuid4())
                    for n, (body, moment) in enumerate(zip(entry.thread, thread, strict=False))]
        for kr in owned.get(checkin.author_id, []):
            value, confidence = _reading(kr, index)
            if value is None:
                continue
            update = KeyResultUpdate(check_in=checkin, key_result=kr, value=value, confidence=confidence)
            if checkin.is_submitted:
                # As `submit_checkin` does: the values become the key result's progress, then count as recorded.
                record_progress(key_result=kr, actor=checkin.author, value=value, confidence=confidence,
                                source=KeyResultProgress.Source.CHECK_IN, source_ref=checkin.pk,
                                recorded_at=checkin.submitted_at)
                update.recorded_value, update.recorded_confidence = value, confidence
            updates.append(update)
    Blocker.objects.bulk_create(blockers)
    Reply.objects.bulk_create(replies)
    _tell_of_recent_replies(team, replies, now)
    KeyResultUpdate.objects.bulk_create(updates)
    if team.slug == OPEN_TO_TEAM:
        Team.objects.filter(pk=team.pk).update(checkins_open_to_team=True)


def _written_at(week: TeamWeek, wanted: datetime, now: datetime, order: int) -> datetime:
    """When a check-in was written: `wanted`, kept inside its week and never later than now.

    Seeded before this week's check-in time, this week's check-ins were written earlier in the
    week instead, spread out so that no two share a moment.
    """
    starts, ends = week.starts_at.astimezone(UTC), week.ends_at.astimezone(UTC)
    at = max(starts + timedelta(minutes=30), min(wanted, ends - timedelta(minutes=5)))
    if at >= now:
        at = starts + (now - starts) * (0.3 + 0.1 * (order % 6))
    return at


def _later(start: datetime, hours: list[float], now: datetime) -> list[datetime]:
    """Moments `hours` after `start`, in order; squeezed together to fit before `now` if they would be later."""
    if not hours:
        return []
    last = timedelta(hours=max(hours))
    scale = min(1.0, (now - start) * 0.9 / last) if last else 1.0
    return [start + timedelta(hours=h) * scale for h in hours]


def _acknowledged(index: int, order: int, entry: Week) -> bool:
    """Many submitted check-ins were acknowledged, not all: the leader misses some in busy weeks.

    Every one the leader replied to; about half of last week's; none of this week's yet.
    """
    if entry.thread:
        return True
    weeks_ago = HISTORY_WEEKS - 1 - index
    if weeks_ago == 0:
        return False
    if weeks_ago == 1:
        return order % 2 == 0
    return (index + order) % 5 != 2


def _reading(kr: KeyResult, index: int) -> tuple[Decimal | None, str]:
    """The key result's value and its owner's confidence in week `index`; None without a start and a target."""
    if kr.metric in READINGS:
        value, confidence = READINGS[kr.metric][index]
        return Decimal(value), confidence
    if kr.start_value is None or kr.target_value is None:
        return None, ""
    share, confidence = OTHER_READINGS[index]
    moved = kr.start_value + (kr.target_value - kr.start_value) * Decimal(share)
    return moved.quantize(Decimal("0.01")), confidence


def _seed_commitments(team, spec: list[Promise], now: datetime) -> None:
    memberships = list(team.memberships.select_related("user"))
    people = {m.user.email: m.user for m in memberships}
    leader = next((m.user for m in memberships if m.is_leader), None)
    if leader is None:
        return
    today = timezone.localdate(now, team.zone)
    for promise in spec:
        owner = people.get(promise.owner)
        if owner is None:
            continue
        created_at = now - timedelta(days=promise.created)
        commitment = Commitment.objects.create(
            team=team, owner=owner, title=promise.title, standard=promise.standard, state=promise.state,
            due_on=today + timedelta(days=promise.due_in), created_by=leader if promise.asked else owner,
            created_at=created_at, overload_note=promise.overload_note,
            overload_acknowledged_at=created_at if promise.overload_note else None,
            agreed_at=None if promise.state in ("requested", "declined") else created_at)
        if commitment.is_requested:  # waiting for its owner's answer: in their notification centre
            tell_of_request(commitment, asked_by=leader, now=created_at)
        for n, change in enumerate(promise.changes):
            asked_at, decided_at = _later(created_at, [24 * (3 + 4 * n), 24 * (4 + 4 * n)], now)
            renegotiation = Renegotiation(
                commitment=commitment, kind=change.kind, reason=change.reason, asked_by=owner, asked_at=asked_at,
                was_due_on=commitment.due_on, was_standard=commitment.standard, was_owner=owner)
            if change.kind == Renegotiation.Kind.DEFER:
                renegotiation.proposed_due_on = commitment.due_on + timedelta(days=change.proposal)
            elif change.kind == Renegotiation.Kind.RESCOPE:
                renegotiation.proposed_standard = change.proposal
            elif change.kind == Renegotiation.Kind.HAND_OVER:
                renegotiation.proposed_owner = people.get(change.proposal)
            if change.decision:
                renegotiation.state, renegotiation.decided_by = change.decision, leader
                renegotiation.decided_at, renegotiation.comment = decided_at, change.comment
            renegotiation.save()
            if change.decision == Renegotiation.State.ACCEPTED and change.kind in ("defer", "rescope"):
                # Replay what was agreed, so the commitment reads as it stands now.
                commitment.due_on = renegotiation.proposed_due_on or commitment.due_on
                commitment.standard = renegotiation.proposed_standard or commitment.standard
                commitment.version += 1
                commitment.save(update_fields=["due_on", "standard", "version"])

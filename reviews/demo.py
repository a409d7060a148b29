"""Demo retrospectives for `seed_demo`: two reviewed cycles per team, and Platform's next session ready to run.

Each demo team's charter was ratified a quarter ago, but its first cycle opened when the demo was
seeded. Here the open cycle moves to have started a week ago and becomes cycle 3; cycles 1 and 2
are written before it, closed, each with a closed retrospective: cards under the charter-review
prompts, themes, dot votes, discussion notes, actions (commitments, and for Platform an amendment
that joined the charter's open amendment) and every participant's rating of every non-negotiable,
so the health trend has two points. Cycle 2's session reviewed cycle 1's actions.

Platform's cycle-3 retrospective is ready for facilitator@example.com: set up with the charter-review
prompts, not started, with cycle 2's actions waiting to be reviewed first.

A team that already has a retrospective is left alone, so running `seed_demo` twice changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from alignment.permissions import Capability, capabilities_of
from charters.models import Charter, Section
from checkins.models import Commitment
from reviews.models import (
    CycleCommitment,
    CycleGoal,
    CycleKeyResult,
    NonNegotiableRating,
    PromptKind,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
    ReviewCycle,
)
from reviews.retro.services import CHARTER_REVIEW, build_prompts

READY_FOR = ("platform", "facilitator@example.com")
VOTES_EACH = 3


class Card(NamedTuple):
    prompt: str  # a PromptKind; "non_negotiable:<n>" for the n-th non-negotiable (from 1)
    author: str  # email
    text: str


class Theme(NamedTuple):
    name: str
    votes: int
    cards: tuple[Card, ...]
    notes: tuple[str, ...] = ()


class Action(NamedTuple):
    kind: str
    title: str
    owner: str
    due_in: int  # days after the session
    detail: str  # the standard of completion, or the proposed change
    section: str = ""
    reviewed: str = ""  # what the next session said: done / not_done / dropped ("" for the last session)
    theme: int = 0  # index of the theme it came from


class Session(NamedTuple):
    anonymous: bool
    themes: tuple[Theme, ...]
    actions: tuple[Action, ...]
    ratings: dict[int, str]  # non-negotiable position → one letter per participant: H(eld) S(trained) B(roken)
    summary: str


M, F_, H, K, G, L = ("member@example.com", "facilitator@example.com", "hannah.becker@example.com",
                     "kwame.mensah@example.com", "grace.adeyemi@example.com", "leader@example.com")

SESSIONS: dict[str, tuple[Session, Session]] = {
    "platform": (
        Session(
            anonymous=False,
            themes=(
                Theme("Alerts wake people for nothing", 7, (
                    Card("non_negotiable:4", K, "Three pages last week for the disk alert on the test box. "
                                                "Nobody owns it, so nobody fixes it."),
                    Card("change", H, "Alerts without a runbook should not page anyone at night."),
                    Card("non_negotiable:4", M, "I spent my on-call week silencing alerts instead of fixing them."),
                ), ("Half the night pages come from four alerts.", "Kwame will list them with their owners.")),
                Theme("Referrals: the 10MB limit", 5, (
                    Card("goals", M, "Finding the clinics' 10MB inbox limit explained most stuck referrals."),
                    Card("keep", G, "Working with the clinic leads directly: we learned more in a week than in "
                                    "a quarter of tickets."),
                ), ("Compress scanned letters before sending; check with the CSO first.",)),
                Theme("Friday deploys held", 3, (
                    Card("non_negotiable:3", F_, "Not one Friday-afternoon deploy this cycle, even in the "
                                                 "booking crunch."),
                    Card("keep", L, "The Thursday 15:00 cut-off is working: weekends were quiet."),
                )),
            ),
            actions=(
                Action("commitment", "Give every paging alert an owner and a runbook, or remove it", K, 21,
                       "No alert pages at night without a named owner and a linked runbook.", reviewed="done"),
                Action("commitment", "Prototype compressing scanned referral letters", M, 28,
                       "A 14MB letter arrives under 10MB and the CSO has signed off the approach.",
                       reviewed="not_done", theme=1),
            ),
            ratings={1: "HHHHHH", 2: "HHSHHH", 3: "HHHHHH", 4: "SSBSHS"},
            summary="Alert noise was the cycle's story: the alert rule was strained by everyone on call.",
        ),
        Session(
            anonymous=True,
            themes=(
                Theme("Is the five-non-negotiable limit right?", 6, (
                    Card("purpose", H, "Our purpose still reads right, but the Friday rule feels like a boundary, "
                                       "not a non-negotiable."),
                    Card("non_negotiable:3", G, "Could the Friday rule become a fixed boundary set by the clinics? "
                                                "It is their rota that needs it."),
                    Card("change", M, "Five non-negotiables is the limit, and we want to add accessibility."),
                ), ("The team agrees accessibility is a non-negotiable.",
                    "Amara will propose moving the Friday rule to the boundaries.")),
                Theme("Night pages are down", 5, (
                    Card("non_negotiable:4", K, "Two night pages in six weeks, both real. Big change."),
                    Card("keep", F_, "The runbook review on Mondays: ten minutes, worth it."),
                    Card("goals", L, "Time to restore fell from hours to about forty minutes."),
                ), ("Keep the Monday runbook review.",)),
                Theme("Incident reviews slip past five days", 4, (
                    Card("non_negotiable:2", H, "The referral outage review took nine working days. Nobody had "
                                                "time to write it."),
                    Card("try", K, "Book the review meeting the moment an incident closes, not after."),
                ), ("Book it as soon as the incident closes; the incident lead writes the first draft.",)),
                Theme("Consult on the booking API", 2, (
                    Card("boundaries", M, "Unclear who decides when the booking API changes: us or Growth?"),
                    Card("try", G, "A shared channel with Growth for API changes."),
                )),
            ),
            actions=(
                Action("amendment", "Move the Friday rule to the boundaries; add keyboard-only screens",
                       L, 14, "Make “No Friday-afternoon deploys” a fixed boundary set by the clinics, and add "
                              "“Clinician-facing screens work with a keyboard alone” as a non-negotiable.",
                       section=Section.NON_NEGOTIABLES),
                Action("commitment", "Book the incident review when the incident closes", H, 21,
                       "The next two incidents have a review booked the day they close.", theme=2),
                Action("commitment", "Agree with Growth who decides booking API changes", M, 28,
                       "A boundary for API changes, labelled and written in both charters.", theme=3),
            ),
            ratings={1: "HHHHHH", 2: "HSSHBH", 3: "HHHHHS", 4: "HHSHHH"},
            summary="Night pages fell after every alert got an owner; incident reviews now slip instead.",
        ),
    ),
    "growth": (
        Session(
            anonymous=False,
            themes=(
                Theme("The countdown banner", 5, (
                    Card("non_negotiable:1", "liam.oconnor@example.com",
                         "Marketing asked for a 'slots running out' banner. We said no: it is a dark pattern."),
                    Card("keep", "mei.chen@example.com", "Saying no with the charter in hand was easy."),
                ), ("The charter made the no quick.",)),
                Theme("Accessibility checks are late", 4, (
                    Card("non_negotiable:2", "elena.petrova@example.com",
                         "The keyboard walk-through happens the day before release: too late to fix anything."),
                    Card("try", "mei.chen@example.com", "Walk through the design, not the release."),
                )),
            ),
            actions=(
                Action("commitment", "Walk through every booking screen with a keyboard at design review",
                       "elena.petrova@example.com", 21, "Each design review this cycle has a keyboard "
                                                        "walk-through noted in its minutes.", reviewed="done",
                       theme=1),
            ),
            ratings={1: "HHHHH", 2: "SSHSH"},
            summary="We kept the no-dark-patterns rule under pressure; accessibility checks came too late.",
        ),
        Session(
            anonymous=False,
            themes=(
                Theme("Experiments need a stop rule", 5, (
                    Card("boundaries", "liam.oconnor@example.com", "Who stops an experiment that hurts "
                                                                   "completion: us or the Director?"),
                    Card("try", "sofia.marino@example.com", "Every experiment states when we stop it."),
                ), ("Team decides, within a stop rule written before launch.",)),
                Theme("Accessible by design now", 3, (
                    Card("non_negotiable:2", "elena.petrova@example.com",
                         "Design reviews caught three keyboard traps before anyone built them."),
                    Card("keep", "mei.chen@example.com", "Keyboard walk-throughs at design review."),
                )),
            ),
            actions=(
                Action("commitment", "Write a stop rule for each running experiment", "liam.oconnor@example.com",
                       14, "Every running experiment has a written stop rule in its brief.", theme=0),
            ),
            ratings={1: "HHHHH", 2: "HHHSH"},
            summary="Accessibility moved to design reviews and held; experiments need explicit stop rules.",
        ),
    ),
    "clinical-support": (
        Session(
            anonymous=False,
            themes=(
                Theme("Evening urgent messages", 5, (
                    Card("non_negotiable:1", "david.kowalski@example.com",
                         "Two urgent messages waited 25 minutes on Tuesday evenings: one clinician on shift."),
                    Card("change", "ravi.shah@example.com", "Two clinicians on shift until 20:00."),
                ), ("The rota has a gap on Tuesday evenings.",)),
                Theme("Notes after calls", 2, (
                    Card("non_negotiable:2", "grace.adeyemi@example.com", "Every call had its note. The "
                                                                          "template helps."),
                )),
            ),
            actions=(
                Action("commitment", "Cover Tuesday evenings with a second clinician", "fatima.haddad@example.com",
                       14, "Two clinicians on every Tuesday shift until 20:00 for the whole cycle.",
                       reviewed="done", theme=0),
            ),
            ratings={1: "SSBH", 2: "HHHH"},
            summary="The 15-minute rule broke on Tuesday evenings; the rota fixed it.",
        ),
        Session(
            anonymous=True,
            themes=(
                Theme("Hand-overs take long", 4, (
                    Card("goals", "ravi.shah@example.com", "Proper hand-overs made calls longer, as we expected."),
                    Card("purpose", "david.kowalski@example.com", "Same-day answers are worth the longer calls."),
                ), ("The conscious investment is paying off: same-day answers are up.",)),
                Theme("Scripts need a clinician's eye", 3, (
                    Card("boundaries", "grace.adeyemi@example.com", "Two scripts went out before a clinician "
                                                                    "read them."),
                    Card("try", "fatima.haddad@example.com", "A clinician signs off each script in the tracker."),
                )),
            ),
            actions=(
                Action("commitment", "Clinician sign-off for every script in the tracker", "grace.adeyemi@example.com",
                       21, "No script is used before a clinician's sign-off shows in the tracker.", theme=1),
            ),
            ratings={1: "HHHS", 2: "HHHH"},
            summary="Hand-overs cost time and earned same-day answers; scripts need a sign-off step.",
        ),
    ),
}


ROLLS_OVER_SOON = "growth"


def seed_retrospectives(organisation) -> None:
    """Two reviewed cycles per demo team and Platform's next session; a team with any retrospective is skipped."""
    today = timezone.localdate()
    for team in organisation.teams.filter(slug__in=SESSIONS.keys()).order_by("pk"):
        if Retrospective.objects.filter(team=team).exists():
            continue
        charter = Charter.objects.active_for(team)
        current = ReviewCycle.objects.filter(team=team, state=ReviewCycle.State.OPEN).first()
        if charter is None or current is None or ReviewCycle.objects.filter(team=team).count() != 1:
            continue  # not the fresh demo team this expects: leave it as it is
        with transaction.atomic():
            _seed_team(team, charter, current, today)


def _seed_team(team, charter: Charter, current: ReviewCycle, today: date) -> None:
    memberships = list(team.memberships.select_related("user").order_by("pk"))
    people = {m.user.email: m.user for m in memberships}
    participants = [m.user for m in memberships if Capability.TAKE_PART_IN_RETRO in capabilities_of(m)]
    leader = next(m.user for m in memberships if m.is_leader)
    runner = next((m.user for m in memberships if Capability.RUN_RETRO in capabilities_of(m) and not m.is_leader),
                  leader)
    weeks = timedelta(weeks=team.review_cadence_weeks)

    # The open cycle started a week ago and becomes cycle 3; cycles 1 and 2 come before it.
    starts = current.start_date if current.start_date < today else today - timedelta(weeks=1)
    if team.slug == ROLLS_OVER_SOON:
        # Its cycle ends tomorrow in its own zone: the scheduler rolls it over within a day of seeding.
        starts = timezone.localdate(timezone=team.zone) + timedelta(days=1) - weeks
    ReviewCycle.objects.filter(pk=current.pk).update(number=3, start_date=starts, end_date=starts + weeks)
    current.refresh_from_db()
    cycles = []
    for number, back in ((1, 2), (2, 1)):
        start = starts - back * weeks
        end = start + weeks
        closed_at = datetime.combine(end, time(17, 0), team.zone)
        cycles.append(ReviewCycle.objects.create(
            team=team, number=number, start_date=start, end_date=end, state=ReviewCycle.State.CLOSED,
            charter=charter, closed_at=closed_at, closed_by=leader,
            summary=SESSIONS[team.slug][number - 1].summary))
    goals = list(charter.goals.prefetch_related("key_results"))
    for index, cycle in enumerate(cycles):
        CycleGoal.objects.bulk_create([CycleGoal(cycle=cycle, goal=goal) for goal in goals], ignore_conflicts=True)
        share = (index + 1) * 0.4
        CycleKeyResult.objects.bulk_create([
            CycleKeyResult(cycle=cycle, key_result=kr, start_value=kr.start_value,
                           final_value=_towards(kr.start_value, kr.current_value, share),
                           final_confidence="on_track" if index else "at_risk")
            for goal in goals for kr in goal.key_results.all()], ignore_conflicts=True)

    non_negotiables = {nn.position: nn for nn in charter.non_negotiables.all()}
    previous = None
    for index, (cycle, spec) in enumerate(zip(cycles, SESSIONS[team.slug], strict=True)):
        held_on = datetime.combine(cycle.end_date - timedelta(days=1), time(14, 0), team.zone)
        previous = _seed_session(team, cycle, spec, previous=previous, facilitator=runner, people=people,
                                 participants=participants, non_negotiables=non_negotiables, held_on=held_on,
                                 next_cycles=cycles[index + 1:] + [current])

    if team.slug == READY_FOR[0]:
        facilitator = people.get(READY_FOR[1], runner)
        ready = Retrospective.objects.create(team=team, cycle=current, previous=previous, facilitator=facilitator,
                                             created_at=timezone.now(), changed_at=timezone.now())
        RetroPrompt.objects.bulk_create(build_prompts(ready, CHARTER_REVIEW, team))


def _seed_session(team, cycle: ReviewCycle, spec: Session, *, previous: Retrospective | None, facilitator,
                  people: dict, participants: list, non_negotiables: dict, held_on: datetime,
                  next_cycles: list[ReviewCycle]) -> Retrospective:
    retro = Retrospective.objects.create(
        team=team, cycle=cycle, previous=previous, facilitator=facilitator, is_anonymous=spec.anonymous,
        votes_per_person=VOTES_EACH, phase=Retrospective.Phase.CLOSED, phase_changed_by=facilitator,
        created_at=held_on - timedelta(days=2), started_at=held_on, closed_at=held_on + timedelta(minutes=75),
        changed_at=held_on + timedelta(minutes=75))
    prompts = build_prompts(retro, CHARTER_REVIEW, team)
    RetroPrompt.objects.bulk_create(prompts)
    by_kind = {p.kind: p for p in prompts if p.kind != PromptKind.NON_NEGOTIABLE}
    by_position = {p.non_negotiable.position: p for p in prompts if p.kind == PromptKind.NON_NEGOTIABLE}

    themes, cards = [], []
    for theme_spec in spec.themes:
        theme = RetroTheme.objects.create(retrospective=retro, name=theme_spec.name, created_at=held_on)
        themes.append(theme)
        for minute, card in enumerate(theme_spec.cards):
            kind, _, position = card.prompt.partition(":")
            prompt = by_position.get(int(position)) if position else by_kind.get(kind)
            if prompt is None or card.author not in people:
                continue
            cards.append(RetroCard(retrospective=retro, prompt=prompt, author=people[card.author], text=card.text,
                                   theme=theme, token=uuid.uuid4(), created_at=held_on + timedelta(minutes=minute)))
        RetroNote.objects.bulk_create(RetroNote(retrospective=retro, theme=theme, author=facilitator, text=note,
                                                token=uuid.uuid4(), created_at=held_on + timedelta(minutes=40))
                                      for note in theme_spec.notes)
    RetroCard.objects.bulk_create(cards)
    RetroVote.objects.bulk_create(_votes(retro, themes, [t.votes for t in spec.themes], participants, held_on))

    ratings = []
    for position, letters in spec.ratings.items():
        nn = non_negotiables.get(position)
        if nn is None:
            continue
        for person, letter in zip(participants, letters, strict=False):
            ratings.append(NonNegotiableRating(retrospective=retro, non_negotiable=nn, participant=person,
                                               rating={"H": "held", "S": "strained", "B": "broken"}[letter],
                                               rated_at=held_on))
    NonNegotiableRating.objects.bulk_create(ratings)

    for action_spec in spec.actions:
        _seed_action(team, retro, action_spec, themes=themes, people=people, facilitator=facilitator,
                     held_on=held_on, cycle=cycle, next_cycles=next_cycles)
    if previous is not None:
        RetroAction.objects.filter(retrospective=previous, review="").update(reviewed_by=facilitator,
                                                                            reviewed_at=held_on)
    return retro


def _seed_action(team, retro: Retrospective, spec: Action, *, themes: list, people: dict, facilitator,
                 held_on: datetime, cycle: ReviewCycle, next_cycles: list[ReviewCycle]) -> None:
    owner = people.get(spec.owner, facilitator)
    due_on = (held_on + timedelta(days=spec.due_in)).date()
    action = RetroAction(retrospective=retro, theme=themes[spec.theme] if spec.theme < len(themes) else None,
                         kind=spec.kind, title=spec.title, owner=owner, due_on=due_on, created_by=facilitator,
                         created_at=held_on + timedelta(minutes=60), token=uuid.uuid4(), review=spec.reviewed)
    if spec.kind == RetroAction.Kind.COMMITMENT:
        action.standard = spec.detail
        state = {"done": Commitment.State.DONE, "dropped": Commitment.State.DROPPED}.get(spec.reviewed,
                                                                                          Commitment.State.OPEN)
        action.commitment = Commitment.objects.create(
            team=team, owner=owner, created_by=facilitator, title=spec.title, standard=spec.detail, due_on=due_on,
            state=state, created_at=action.created_at)
    else:
        action.proposed_change, action.section = spec.detail, spec.section or Section.NON_NEGOTIABLES
        action.amendment_charter = Charter.objects.filter(team=team).working().first()
    action.save()
    if action.commitment is not None:
        # As closing a cycle does: the commitment is this cycle's work, and joins the next while it is open.
        links = [CycleCommitment(cycle=cycle, commitment=action.commitment, from_action=action)]
        if next_cycles:
            links.append(CycleCommitment(cycle=next_cycles[0], commitment=action.commitment, from_action=action,
                                         carry_over=action.commitment.state == Commitment.State.OPEN))
        CycleCommitment.objects.bulk_create(links, ignore_conflicts=True)


def _votes(retro: Retrospective, themes: list, wanted: list[int], participants: list, at: datetime) -> list[RetroVote]:
    """Each theme's votes, handed out person by person, at most three each."""
    slots = {person.pk: 0 for person in participants}
    votes = []
    order = list(participants)
    turn = 0
    for theme, count in zip(themes, wanted, strict=True):
        for _ in range(count):
            for _ in range(len(order)):
                person = order[turn % len(order)]
                turn += 1
                if slots[person.pk] < VOTES_EACH:
                    votes.append(RetroVote(retrospective=retro, voter=person, theme=theme, slot=slots[person.pk],
                                           created_at=at))
                    slots[person.pk] += 1
                    break
    return votes


def _towards(start, current, share: float):
    if start is None or current is None:
        return current
    return round(start + (current - start) * type(start)(str(share)), 2)



# Growth's story: marketing keeps asking for urgency tricks on the booking page, week after week.
STRAINED_TEAM, STRAINED_NON_NEGOTIABLE, STRAIN_BY = "growth", "No dark patterns", "liam.oconnor@example.com"
STRAIN_NOTES = (
    "Marketing asked for an 'only 2 slots left' banner again; we pushed back, it cost a day.",
    "The campaign brief has a countdown timer on the booking page. Said no, but it is still in the plan.",
    "Marketing asked for an 'only 2 slots left' banner.",
)


def seed_review_triggers(organisation) -> None:
    """Fire the review prompts the demo's check-ins call for, as the scheduler would, so a leader sees one in
    My week at once: Growth's "No dark patterns" strained in 3 of the last 4 weeks (its last three completed
    weeks each get a strained check-in, Liam's where there is one), and "unclear who decides" where the
    demo's check-ins ask it often enough. Running `seed_demo` twice fires nothing new.
    """
    from checkins.models import CheckIn
    from reviews import triggers

    now = timezone.now()
    team = organisation.teams.filter(slug=STRAINED_TEAM).first()
    charter = Charter.objects.active_for(team) if team else None
    strained = charter and charter.non_negotiables.filter(title=STRAINED_NON_NEGOTIABLE).first()
    if strained:
        for week, note in zip(triggers.completed_weeks(team, now)[:3], STRAIN_NOTES, strict=False):
            submitted = CheckIn.objects.filter(team=team, week=week, state=CheckIn.State.SUBMITTED)
            if submitted.filter(strained_non_negotiable=strained).exists():
                continue
            check_in = (submitted.filter(author__email=STRAIN_BY, strained_non_negotiable__isnull=True).first()
                        or submitted.filter(strained_non_negotiable__isnull=True).order_by("pk").first())
            if check_in:
                CheckIn.objects.filter(pk=check_in.pk).update(strained_non_negotiable=strained, strain_note=note)
    charters = list(Charter.objects.active().filter(team__organisation=organisation, ratified_at__isnull=False)
                    .select_related("team__organisation").order_by("pk"))
    triggers.fire(charters, now=now)

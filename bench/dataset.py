"""The bench's scale dataset: one organisation of teams with years of history, written in bulk.

Everything the bench writes lives in an organisation whose slug is `bench-<scale>` and in
people whose addresses end in `@bench.invalid`, so a dataset is dropped and rebuilt without
touching anything else. The organisation's name records what was built (the numbers, the
week it was built in, `DATASET_VERSION`), so an existing dataset is reused only when it is
the one asked for.

Rows are written with `bulk_create`, never through the services, but as the services would
leave them: charters numbered per team, one superseded and one ratified version (amendments
copy goals and key results with `origin`, key results carry their `lineage`), responses on
the revision they answered, check-ins on their team's Mondays (`alignment.weeks`), key-result
progress recorded from submitted check-ins under the lineage and on the version in force at
that moment, one open review cycle, decisions with the verdict `Decision.rule` gives.

Team 0 is the one measured: a ratified charter, decisions and check-ins of every member, a
live retrospective in its vote phase (cards grouped into themes, most people's votes cast; the
two cycles before it reviewed in closed sessions), and its leader's notifications of the whole
history. Team 1 has a proposed amendment, team 2 a draft amendment, the last team is archived.

The mixed workload's teams (`Spec.mix_teams`: teams 2 to 101, fewer in a smaller organisation)
are where `manage.py bench --mix` writes. The week set aside for it: nobody in them has started
this week's check-in, so each person's autosaves and submit write a check-in of their own from
nothing, and deleting the week's check-ins afterwards (`bench/mix.py`) leaves the dataset as built.
Each has a live retrospective collecting cards (every third one anonymous), its two last cycles
reviewed, a few weeks of notifications per person, and every fourth one a draft amendment its
people comment on.

Each team's texts and its recent weeks come from random generators seeded by the team (and
person and week), so team 0 reads the same at every scale.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from alignment.models import Invitation, Membership, Organisation, Team, User, hash_token
from alignment.weeks import TeamWeek, current_week, monday_of
from bench import text
from charters.models import (
    Boundary,
    Charter,
    Comment,
    ConsentGap,
    Goal,
    KeyResult,
    KeyResultProgress,
    NonNegotiable,
    Response,
    Section,
)
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from decisions.models import Decision, DecisionOutcome
from notifications.models import Delivery, Notification
from reviews.models import (
    CycleCommitment,
    CycleGoal,
    CycleKeyResult,
    NonNegotiableRating,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
    ReviewCycle,
)
from reviews.retro.services import CHARTER_REVIEW, non_negotiable_question

DATASET_VERSION = 2
SLUG_PREFIX = "bench-"
EMAIL_DOMAIN = "bench.invalid"
# Every bench person's password; the addresses cannot receive mail, and the bench refuses to
# run in a database holding anyone else (see `other_data`).
PASSWORD = "bench-password-not-a-secret"  # noqa: S105
BATCH = 2000

MEASURED, PROPOSED, DRAFTING = 0, 1, 2  # team indexes; the last team is archived
LEADER, FACILITATOR, PERSON = 0, 1, 2  # person indexes in a team; PERSON's history is measured
# Goal position (0-based) → the person who owns it: the leader, the measured person, the facilitator, one more.
GOAL_OWNERS = [LEADER, PERSON, FACILITATOR, 3]
# The mixed workload's teams: from team 2, at most 100 of them, never the measured ones nor the archived one.
MIX_FIRST, MIX_TEAMS = DRAFTING, 100
REVIEWED_CYCLES = 2  # closed cycles with a closed retrospective, before the open one (team 0 and the mix's)
INBOX_WEEKS = 8  # weeks of notifications for the mix's people (team 0's leader: the whole history)


@dataclass(frozen=True)
class Spec:
    """What to build: `scale` names the dataset (organisation `bench-<scale>`), the rest its size."""

    scale: str
    teams: int
    people_per_team: int
    weeks: int
    checkin_people: int
    decisions_per_team: int = 6

    def __post_init__(self):
        if self.teams < 4:
            raise ValueError("At least 4 teams: the measured one, a proposed and a draft amendment, an archived one.")
        if self.people_per_team < 5:
            raise ValueError("At least 5 people per team (a leader, a facilitator, goal owners, someone asked).")
        if self.weeks < 2:
            raise ValueError("At least 2 weeks of check-ins.")
        if not self.people_per_team <= self.checkin_people <= self.teams * self.people_per_team:
            raise ValueError(f"Between {self.people_per_team} (the measured team) and {self.teams * self.people_per_team} "
                             "(everyone) people check in.")
        if self.decisions_per_team < 0:
            raise ValueError("Decisions per team cannot be negative.")

    @property
    def slug(self) -> str:
        return f"{SLUG_PREFIX}{self.scale}"

    @property
    def people(self) -> int:
        return self.teams * self.people_per_team

    @property
    def mix_teams(self) -> range:
        """The teams the mixed workload reads and writes in: 100 from team 2 (fewer when the organisation is smaller)."""
        return range(MIX_FIRST, MIX_FIRST + min(MIX_TEAMS, self.teams - 3))

    def describe(self) -> str:
        return (f"{self.teams:,} teams × {self.people_per_team} people, {self.weeks} weeks of check-ins by "
                f"{self.checkin_people:,}, {self.decisions_per_team} decisions a team")

    def fingerprint(self, monday) -> str:
        """The organisation's name: a dataset is reused only for the same numbers, week and generator."""
        return (f"Bench {self.scale}: {self.teams} teams x {self.people_per_team}, {self.weeks} weeks, "
                f"{self.checkin_people} check in, {self.decisions_per_team} decisions; {monday:%Y-%m-%d} v{DATASET_VERSION}")

    def params(self) -> dict:
        return {"teams": self.teams, "people_per_team": self.people_per_team, "weeks": self.weeks,
                "checkin_people": self.checkin_people, "decisions_per_team": self.decisions_per_team}


# Presets. Small fills every window a page shows at once, so that its pages show as much as full's:
# the history pages' 12 weeks, and the organisation page's 24 teams (with a second page).
PRESETS = {
    "tiny": Spec("tiny", teams=25, people_per_team=5, weeks=13, checkin_people=10, decisions_per_team=3),
    "small": Spec("small", teams=30, people_per_team=10, weeks=16, checkin_people=20),
    "full": Spec("full", teams=1000, people_per_team=10, weeks=104, checkin_people=1000),
}


def spec_for(scale: str, **overrides) -> Spec:
    """A preset with some numbers changed (None keeps the preset's)."""
    return replace(PRESETS[scale], **{k: v for k, v in overrides.items() if v is not None})


def baseline_for(scale: str, measured: Spec) -> Spec:
    """The preset `scale` with the measured scale's teams' shape (people and decisions per team).

    Only the dimensions that grow with an organisation differ (teams, weeks of history, people
    checking in), so a page that costs more at the larger scale costs more because of the data
    it should not be reading, not because its team is bigger.
    """
    preset = PRESETS[scale]
    return replace(preset, people_per_team=measured.people_per_team, decisions_per_team=measured.decisions_per_team,
                   checkin_people=min(max(preset.checkin_people, measured.people_per_team),
                                      preset.teams * measured.people_per_team))


def email(spec: Spec, team_index: int, person_index: int) -> str:
    return f"{spec.scale}.t{team_index:04d}.p{person_index:02d}@{EMAIL_DOMAIN}"


def team_slug(team_index: int) -> str:
    return f"team-{team_index:04d}"


@dataclass(frozen=True)
class Handles:
    """What the measured pages need: where they are and who reads them."""

    org_slug: str
    team_slug: str  # team 0: a ratified charter (and a superseded one), decisions, check-ins
    proposed_team_slug: str  # team 1: its amendment is proposed
    leader: str  # team 0's leader, also a member and an organisation admin
    proposer: str  # team 1's leader, also a member
    person_id: int  # a member of team 0 with a long history of check-ins
    cycle_number: int  # team 0's open review cycle
    retro_id: int  # team 0's live retrospective (its open cycle's)
    compare: tuple[int, int] = (1, 2)


def handles(spec: Spec) -> Handles:
    person = User.objects.only("pk").get(email=email(spec, MEASURED, PERSON))
    team = Team.objects.get(organisation__slug=spec.slug, slug=team_slug(MEASURED))
    cycle = ReviewCycle.objects.get(team=team, state=ReviewCycle.State.OPEN)
    retro = Retrospective.objects.running().only("pk").get(cycle=cycle)
    return Handles(org_slug=spec.slug, team_slug=team.slug, proposed_team_slug=team_slug(PROPOSED),
                   leader=email(spec, MEASURED, LEADER), proposer=email(spec, PROPOSED, LEADER), person_id=person.pk,
                   cycle_number=cycle.number, retro_id=retro.pk)


# What exists ------------------------------------------------------------------------------------

def other_data() -> str:
    """What the database holds besides bench data, in words; empty when nothing."""
    organisations = Organisation.objects.exclude(slug__startswith=SLUG_PREFIX).count()
    people = User.objects.exclude(email__endswith=f"@{EMAIL_DOMAIN}").count()
    found = [f"{n:,} {what}" for n, what in ((organisations, "organisations"), (people, "people")) if n]
    return " and ".join(found)


def is_built(spec: Spec, now: datetime | None = None) -> bool:
    monday = monday_of(timezone.localdate(now or timezone.now(), timezone=UTC))
    return Organisation.objects.filter(slug=spec.slug, name=spec.fingerprint(monday)).exists()


def drop(scale: str | None = None) -> int:
    """Delete one bench dataset (or all of them): its organisation, everything in it, its people.

    The bulky tables go first with one DELETE each; the rest through Django's cascading
    delete, which also finds rows of models the bench does not know about (a retrospective
    someone held in a bench team). Returns the number of rows deleted.
    """
    organisations = Organisation.objects.filter(slug=f"{SLUG_PREFIX}{scale}") if scale else \
        Organisation.objects.filter(slug__startswith=SLUG_PREFIX)
    people = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
    if scale:
        people = people.filter(email__startswith=f"{scale}.")
    teams = Team.objects.filter(organisation__in=organisations)
    charters = Charter.objects.filter(team__in=teams)
    checkins = CheckIn.objects.filter(team__in=teams)
    retros = Retrospective.objects.filter(team__in=teams)
    bulky = [
        Notification.objects.filter(recipient__in=people),
        Delivery.objects.filter(recipient__in=people),
        *(model.objects.filter(retrospective__in=retros)
          for model in (RetroVote, NonNegotiableRating, RetroNote, RetroAction, RetroCard, RetroTheme, RetroPrompt)),
        retros,
        CycleCommitment.objects.filter(cycle__team__in=teams),
        CycleKeyResult.objects.filter(cycle__team__in=teams),
        KeyResultProgress.objects.filter(key_result__goal__charter__in=charters),
        KeyResultUpdate.objects.filter(check_in__in=checkins),
        Blocker.objects.filter(check_in__in=checkins),
        Reply.objects.filter(check_in__in=checkins),
        checkins,
        Renegotiation.objects.filter(commitment__team__in=teams),
        Commitment.objects.filter(team__in=teams),
        DecisionOutcome.objects.filter(decision__team__in=teams),
        Decision.objects.filter(team__in=teams),
        CycleGoal.objects.filter(cycle__team__in=teams),
        ReviewCycle.objects.filter(team__in=teams),
        Response.objects.filter(charter__in=charters),
        ConsentGap.objects.filter(charter__in=charters),
    ]
    deleted, emptied = 0, set()
    with transaction.atomic():
        for queryset in bulky:
            deleted += _delete(queryset, emptied)
            emptied.add(queryset.model)
        # Key results point at their first version (RESTRICT) and their origin: unhook them first.
        KeyResult.objects.filter(goal__charter__in=charters).update(lineage=None, origin=None)
        Goal.objects.filter(charter__in=charters).update(origin=None)
        charters.update(based_on=None)
        deleted += organisations.delete()[0] + people.delete()[0]
    return deleted


def _delete(queryset, emptied: set) -> int:
    """One DELETE without loading the rows, when every model pointing at them was emptied before.

    Django's cascading `delete()` loads each row to find what hangs from it: minutes for a
    million rows. It is still used when some other model (one the bench does not know) points here.
    """
    if all(relation.related_model in emptied for relation in queryset.model._meta.related_objects):
        return queryset._raw_delete(queryset.db)
    return queryset.delete()[0]


# Building ---------------------------------------------------------------------------------------

@dataclass
class Stages:
    """How long each part of a build took, in seconds, in order."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0) + time.perf_counter() - started, 2)

    @property
    def total(self) -> float:
        return round(sum(self.seconds.values()), 2)


@dataclass
class _Content:
    """One version's listed items, saved or about to be."""

    non_negotiables: list[NonNegotiable] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    key_results: list[list[KeyResult]] = field(default_factory=list)  # per goal

    @property
    def all_key_results(self) -> list[KeyResult]:
        return [kr for krs in self.key_results for kr in krs]


@dataclass
class _Team:
    """A team being built, with what later stages need from earlier ones."""

    index: int
    team: Team
    rng: random.Random
    weeks: list[TeamWeek]  # the history, oldest first; the last is the current week
    people: list[User] = field(default_factory=list)
    versions: list[Charter] = field(default_factory=list)  # v1 superseded, v2 ratified, maybe v3 working
    contents: list[_Content] = field(default_factory=list)
    cycles: list[ReviewCycle] = field(default_factory=list)  # oldest first; the last is open
    checking_in: int = 0  # how many of its people check in (the first ones)
    in_mix: bool = False  # one of the mixed workload's teams (`Spec.mix_teams`)

    @property
    def leader(self) -> User:
        return self.people[LEADER]

    def in_force(self, when: datetime) -> int:
        """Which version (0 or 1) was in force at `when`."""
        return 1 if when >= self.versions[1].ratified_at else 0


class Builder:
    """Builds one dataset; `build()` runs the stages in order inside one transaction."""

    def __init__(self, spec: Spec, *, now: datetime | None = None, log=None):
        self.spec = spec
        self.now = now or timezone.now()
        self.today_monday = monday_of(timezone.localdate(self.now, timezone=UTC))
        self.stages = Stages()
        self.log = log or (lambda message: None)
        self.teams: list[_Team] = []

    def build(self) -> Stages:
        with transaction.atomic():
            with self.stages.stage("drop old"):
                drop(self.spec.scale)
            self.log(f"  drop old: {self.stages.seconds['drop old']:.1f}s")
            for name, step in (
                ("people and teams", self._people_and_teams),
                ("charters", self._charters),
                ("consent and comments", self._consent),
                ("review cycles", self._cycles),
                ("decisions", self._decisions),
                ("commitments", self._commitments),
                ("check-ins", self._checkins),
                ("retrospectives", self._retrospectives),
                ("notifications", self._notifications),
            ):
                with self.stages.stage(name):
                    step()
                self.log(f"  {name}: {self.stages.seconds[name]:.1f}s")
        with self.stages.stage("vacuum and analyze"):
            settle()
        return self.stages

    # People and teams -------------------------------------------------------------------------

    def _people_and_teams(self) -> None:
        spec, now = self.spec, self.now
        organisation = Organisation.objects.create(
            slug=spec.slug, name=spec.fingerprint(self.today_monday),
            purpose="Help people get the right care at the right time, without travelling further than they have to.",
            created_at=now - timedelta(weeks=spec.weeks + 8),
        )
        teams = []
        for index in range(spec.teams):
            rng = random.Random(f"team:{index}")
            teams.append(Team(
                organisation=organisation, slug=team_slug(index),
                name=f"{text.TEAM_WORDS[index % len(text.TEAM_WORDS)]} {index + 1:04d}",
                time_zone="Europe/London" if index == MEASURED else rng.choice(text.TIME_ZONES),
                checkin_weekday=4 if index == MEASURED else rng.choice([0, 1, 3, 4]),
                checkin_time=clock(10, 0) if index == MEASURED else clock(rng.choice([9, 10, 15]), rng.choice([0, 30])),
                review_cadence_weeks=6 if index == MEASURED else rng.choice([4, 6, 8]),
                checkins_open_to_team=index % 5 == 4,
                created_at=now - timedelta(weeks=spec.weeks + 6),
                archived_at=now - timedelta(days=20) if index == spec.teams - 1 else None,
            ))
        Team.objects.bulk_create(teams, batch_size=BATCH)
        remaining = spec.checkin_people
        for index, team in enumerate(teams):
            here = current_week(team, now)
            weeks = [TeamWeek(team.zone, here.monday - timedelta(weeks=spec.weeks - 1 - k)) for k in range(spec.weeks)]
            plan = _Team(index=index, team=team, rng=random.Random(f"team:{index}:content"), weeks=weeks,
                         in_mix=index in spec.mix_teams)
            plan.checking_in = min(remaining, spec.people_per_team)
            remaining -= plan.checking_in
            self.teams.append(plan)

        password = make_password(PASSWORD)  # hashed once: 10,000 people share it
        joined = now - timedelta(weeks=spec.weeks + 5)
        users = []
        for plan in self.teams:
            for person in range(spec.people_per_team):
                rng = random.Random(f"person:{plan.index}:{person}")
                user = User(email=email(spec, plan.index, person), password=password,
                            display_name=text.person_name(rng), time_zone=plan.team.time_zone, date_joined=joined)
                plan.people.append(user)
                users.append(user)
        User.objects.bulk_create(users, batch_size=BATCH)
        memberships, invitations = [], []
        for plan in self.teams:
            for person, user in enumerate(plan.people):
                memberships.append(Membership(team=plan.team, user=user, joined_at=joined, is_member=True,
                                              is_leader=person == LEADER, is_facilitator=person == FACILITATOR))
            invitations.append(Invitation(
                team=plan.team, email=f"invitee.{spec.scale}.t{plan.index:04d}@{EMAIL_DOMAIN}",
                token_hash=hash_token(f"bench:{spec.scale}:{plan.index}:{uuid.uuid4()}"),
                expires_at=now + timedelta(days=10), invited_by=plan.leader, created_at=now - timedelta(days=4),
                email_sent_at=now - timedelta(days=4),
            ))
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        Invitation.objects.bulk_create(invitations, batch_size=BATCH)
        organisation.admins.add(self.teams[MEASURED].leader, self.teams[PROPOSED].leader)

    # Charters ---------------------------------------------------------------------------------

    def _charters(self) -> None:
        first, second, working = [], [], []
        for plan in self.teams:
            rng, leader = plan.rng, plan.leader
            start = plan.weeks[0].starts_at
            middle = plan.weeks[len(plan.weeks) // 2].starts_at + timedelta(hours=9)
            v1 = Charter(
                team=plan.team, number=1, state=Charter.State.SUPERSEDED, created_by=leader,
                created_at=start - timedelta(days=21), proposed_at=start - timedelta(days=14),
                ratified_at=start - timedelta(days=7), ratified_by=leader, superseded_at=middle,
                purpose_statement=rng.choice(text.STATEMENTS), purpose_serves=rng.choice(text.SERVES),
                purpose_outcome=rng.choice(text.OUTCOMES), purpose_refuses=rng.choice(text.REFUSES),
                people=text.paragraph(rng, text.PEOPLE_LINES, 3, 4),
                process=text.paragraph(rng, text.PROCESS_LINES, 2, 3),
                purpose_version=rng.randint(2, 4), people_version=2, process_version=2, revision=rng.randint(8, 14),
            )
            v2 = Charter(
                team=plan.team, number=2, state=Charter.State.RATIFIED, based_on=v1, created_by=leader,
                amendment_note="Add what we learnt in the first cycles: one more non-negotiable, sharper targets.",
                created_at=middle - timedelta(days=14), proposed_at=middle - timedelta(days=7), ratified_at=middle,
                ratified_by=leader, ratified_despite_gaps=plan.index % 10 == 7,
                **{name: getattr(v1, name) for fields in Charter.TEXT_SECTIONS.values() for name in fields},
                purpose_version=v1.purpose_version + 1, people_version=2, process_version=3,
                revision=rng.randint(3, 7),
            )
            v2.purpose_statement = rng.choice([s for s in text.STATEMENTS if s != v1.purpose_statement])
            v2.process = v1.process + "\n- " + rng.choice(text.PROCESS_LINES)
            plan.versions = [v1, v2]
            first.append(v1)
            second.append(v2)
            # Team 2 drafts an amendment, and so does every fourth team of the mix (its people comment on it).
            if plan.index in (PROPOSED, DRAFTING) or (plan.in_mix and (plan.index - MIX_FIRST) % 4 == 0):
                proposed = plan.index == PROPOSED
                created = max(self.now - timedelta(days=10 if proposed else 3), middle + timedelta(days=1))
                v3 = Charter(
                    team=plan.team, number=3, state=Charter.State.PROPOSED if proposed else Charter.State.DRAFT,
                    based_on=v2, created_by=leader, created_at=created,
                    amendment_note="Name who decides on customer-facing wording, and make the purpose sharper.",
                    proposed_at=created + timedelta(days=5) if proposed else None,
                    edited_at=created + timedelta(days=7) if proposed else None,
                    responses_close_on=(self.now + timedelta(days=5)).date() if proposed else None,
                    **{name: getattr(v2, name) for fields in Charter.TEXT_SECTIONS.values() for name in fields},
                    purpose_version=v2.purpose_version + 1, people_version=2, process_version=3,
                    revision=4 if proposed else 2,
                )
                v3.purpose_outcome = v2.purpose_outcome.rstrip(".") + ", measured every week."
                plan.versions.append(v3)
                working.append(v3)
        for charters in (first, second, working):
            Charter.objects.bulk_create(charters, batch_size=BATCH)
        for number in range(3):
            self._items(number)

    def _items(self, number: int) -> None:
        """The listed items of every team's version `number` (0-based), copied from the one before."""
        plans = [plan for plan in self.teams if len(plan.versions) > number]
        for plan in plans:
            charter, rng = plan.versions[number], plan.rng
            if number == 0:
                plan.contents.append(_first_content(charter, rng))
            else:
                plan.contents.append(_amended_content(charter, plan.contents[number - 1], rng, amend=number))
            for goal in plan.contents[number].goals:
                goal.owner = plan.people[GOAL_OWNERS[goal.position - 1]]
        contents = [plan.contents[number] for plan in plans]
        NonNegotiable.objects.bulk_create([i for c in contents for i in c.non_negotiables], batch_size=BATCH)
        Boundary.objects.bulk_create([i for c in contents for i in c.boundaries], batch_size=BATCH)
        Goal.objects.bulk_create([g for c in contents for g in c.goals], batch_size=BATCH)
        for content in contents:
            for goal, krs in zip(content.goals, content.key_results, strict=True):
                for kr in krs:
                    kr.goal = goal
        krs = [kr for c in contents for kr in c.all_key_results]
        KeyResult.objects.bulk_create(krs, batch_size=BATCH)
        # A new key result is its own lineage, as `add_item` makes it.
        new = [kr for kr in krs if kr.lineage_id is None]
        for start in range(0, len(new), BATCH):
            KeyResult.objects.filter(pk__in=[kr.pk for kr in new[start:start + BATCH]]).update(lineage=F("pk"))
        for kr in new:
            kr.lineage_id = kr.pk

    # Consent and comments ---------------------------------------------------------------------

    def _consent(self) -> None:
        responses, gaps, threads, replies = [], [], [], []
        for plan in self.teams:
            rng, leader = plan.rng, plan.leader
            for charter in plan.versions:
                if charter.is_draft:
                    continue
                window = (charter.ratified_at or self.now) - charter.proposed_at
                for person, user in enumerate(plan.people):
                    if charter.ratified_despite_gaps and person == len(plan.people) - 1:
                        gaps.append(ConsentGap(charter=charter, member=user, kind=ConsentGap.Kind.NO_RESPONSE))
                        continue
                    if charter.is_proposed and person >= max(6, len(plan.people) - 2):
                        continue  # has not responded yet
                    at = charter.proposed_at + window * rng.uniform(0.1, 0.9)
                    response = Response(charter=charter, member=user, kind=Response.Kind.CONSENT, created_at=at,
                                        updated_at=at, revision=charter.revision)
                    if charter.is_proposed:
                        _proposed_response(response, person, charter, leader)
                    elif person == 3 and rng.random() < 0.3:
                        response.kind, response.reason = Response.Kind.OBJECTION, rng.choice(text.OBJECTIONS)
                        response.answer, response.answered_by = Response.Answer.KEPT, leader
                        response.answer_text = "Kept: the incident process already covers it; linked it in the charter."
                        response.answered_at = at + window * 0.05
                    responses.append(response)
                sections = [Section.PURPOSE, Section.NON_NEGOTIABLES] if charter.was_ratified else \
                    [Section.PURPOSE, Section.PEOPLE, Section.NON_NEGOTIABLES, Section.GOALS]
                for n, section in enumerate(sections):
                    author = plan.people[(n + 2) % len(plan.people)]
                    at = charter.created_at + timedelta(days=1, hours=n)
                    resolved = charter.was_ratified or n == 0
                    thread = Comment(charter=charter, section=section, author=author, body=rng.choice(text.COMMENTS),
                                     created_at=at, resolved_at=at + timedelta(hours=20) if resolved else None,
                                     resolved_by=leader if resolved else None)
                    threads.append(thread)
                    replies.append(Comment(charter=charter, section=section, parent=thread, author=leader,
                                           body="Good point; I changed the wording.", created_at=at + timedelta(hours=3)))
        Response.objects.bulk_create(responses, batch_size=BATCH)
        ConsentGap.objects.bulk_create(gaps, batch_size=BATCH)
        Comment.objects.bulk_create(threads, batch_size=BATCH)
        for reply in replies:
            reply.parent_id = reply.parent.pk
        Comment.objects.bulk_create(replies, batch_size=BATCH)

    # Review cycles ----------------------------------------------------------------------------

    def _cycles(self) -> None:
        cycles, goals_of = [], []
        for plan in self.teams:
            today = timezone.localdate(self.now, timezone=plan.team.zone)
            v1, v2 = plan.versions[0], plan.versions[1]
            cadence = timedelta(weeks=plan.team.review_cadence_weeks)
            start, number = timezone.localdate(v1.ratified_at, timezone=plan.team.zone), 1
            second = timezone.localdate(v2.ratified_at, timezone=plan.team.zone)
            while True:
                end = start + cadence
                is_open = end > today
                charter = v2 if start >= second else v1
                cycle = ReviewCycle(team=plan.team, number=number, start_date=start, end_date=end, charter=charter,
                                    state=ReviewCycle.State.OPEN if is_open else ReviewCycle.State.CLOSED)
                if not is_open:  # attributes, not arguments: fields that reviews is adding as this is written
                    cycle.closed_at = datetime.combine(end, clock(16), tzinfo=plan.team.zone)
                    cycle.closed_by = plan.leader
                cycles.append(cycle)
                plan.cycles.append(cycle)
                # The cycle running when the amendment was ratified took on its goals too (`join_open_cycle`).
                versions = [v1, v2] if start < second <= end else [charter]
                goals_of.append([g for c in versions for g in plan.contents[c.number - 1].goals])
                if is_open:
                    break
                start, number = end, number + 1
        ReviewCycle.objects.bulk_create(cycles, batch_size=BATCH)
        CycleGoal.objects.bulk_create(
            [CycleGoal(cycle=cycle, goal=goal) for cycle, goals in zip(cycles, goals_of, strict=True) for goal in goals],
            batch_size=BATCH)

    # Decisions --------------------------------------------------------------------------------

    def _decisions(self) -> None:
        decisions, calls = [], []
        count = self.spec.decisions_per_team
        for plan in self.teams:
            rng, start = plan.rng, plan.weeks[0].starts_at
            span = self.now - start
            for k in range(count):
                title, description, purpose, metric = text.DECISIONS[(plan.index + k) % len(text.DECISIONS)]
                logged = start + span * ((k + 1) / (count + 1))
                version = plan.in_force(logged)
                content = plan.contents[version]
                verdict, _why = Decision.rule(purpose, metric)
                decision = Decision(
                    team=plan.team, charter=plan.versions[version], title=title, description=description,
                    purpose_effect=purpose, metric_effect=metric, verdict=verdict,
                    logged_by=plan.people[rng.randrange(len(plan.people))], logged_at=logged,
                    goal=rng.choice(content.goals) if rng.random() < 0.5 else None,
                )
                if Decision.is_investment(purpose, metric):
                    decision.key_result = content.key_results[0][0]
                    decision.goal = content.goals[0]
                    decision.investment_amount = "up to 5 points for two weeks"
                    decision.investment_until = (logged + timedelta(weeks=4)).date()
                made = []
                if k < count - 1:  # the newest waits for the leader's call
                    if k == 1:  # a call made, then changed: the decision's history
                        made.append(("decline" if decision.recommended_outcome == "proceed" else "proceed",
                                     "Not before the winter peak."))
                    departing = k % 4 == 3
                    outcome = decision.recommended_outcome
                    if departing:
                        outcome = "decline" if outcome == "proceed" else "proceed"
                    made.append((outcome, "The regional office funds two of our posts; a cheap favour."
                                 if departing else ""))
                for n, (outcome, reason) in enumerate(made):
                    at = min(logged + timedelta(days=2 + n * 3), self.now)
                    calls.append((decision, DecisionOutcome(outcome=outcome, reason=reason, decided_by=plan.leader,
                                                            decided_at=at)))
                    decision.outcome, decision.outcome_reason = outcome, reason
                    decision.decided_by, decision.decided_at = plan.leader, at
                decision.version = 1 + len(made)
                decisions.append(decision)
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        for decision, call in calls:
            call.decision = decision
        DecisionOutcome.objects.bulk_create([call for _, call in calls], batch_size=BATCH)

    # Commitments ------------------------------------------------------------------------------

    def _commitments(self) -> None:
        commitments, renegotiations = [], []
        today = timezone.localdate(self.now, timezone=UTC)
        for plan in self.teams:
            if not plan.checking_in:
                continue
            for person in range(plan.checking_in):
                owner, mine = plan.people[person], []
                for k, week in enumerate(plan.weeks):
                    if k % 4 != person % 4 and k != len(plan.weeks) - 1:
                        continue
                    created = week.starts_at + timedelta(days=1)
                    if created > self.now:
                        created = week.starts_at
                    title, standard = text.COMMITMENTS[(k + person) % len(text.COMMITMENTS)]
                    content = plan.contents[plan.in_force(created)]
                    owned = [g for g in content.goals if g.owner_id == owner.pk]
                    mine.append(Commitment(
                        team=plan.team, owner=owner, created_by=owner, title=title, standard=standard,
                        due_on=week.monday + timedelta(days=18), goal=owned[0] if owned else None,
                        state=Commitment.State.DONE, created_at=created, version=1))
                for commitment in mine:
                    if commitment.due_on >= today:
                        commitment.state, commitment.version = Commitment.State.OPEN, 0
                mine[-1].state, mine[-1].version = Commitment.State.OPEN, 0
                commitments += mine
                if person == 4:  # asks to move the date of their open one; the leader has not answered
                    renegotiations.append(Renegotiation(
                        commitment=mine[-1], kind=Renegotiation.Kind.DEFER, reason="The vendor moved our slot.",
                        asked_by=owner, asked_at=mine[-1].created_at + (self.now - mine[-1].created_at) / 2,
                        was_due_on=mine[-1].due_on,
                        was_standard=mine[-1].standard, was_owner=owner,
                        proposed_due_on=mine[-1].due_on + timedelta(days=7)))
            commitments.append(Commitment(
                team=plan.team, owner=plan.people[3], created_by=plan.leader, title="Own the export job's handover",
                standard="The new owner has run it twice without help.", due_on=today + timedelta(days=10),
                state=Commitment.State.REQUESTED, created_at=self.now - timedelta(days=2)))
        Commitment.objects.bulk_create(commitments, batch_size=BATCH)
        for renegotiation in renegotiations:
            renegotiation.commitment_id = renegotiation.commitment.pk
        Renegotiation.objects.bulk_create(renegotiations, batch_size=BATCH)

    # Check-ins --------------------------------------------------------------------------------

    def _checkins(self) -> None:
        batch: list[tuple[CheckIn, _Extras]] = []
        for plan in self.teams:
            for person in range(plan.checking_in):
                for k in range(len(plan.weeks)):
                    made = self._checkin(plan, person, k)
                    if made is not None:
                        batch.append(made)
            if len(batch) >= 20 * BATCH:
                self._write_checkins(batch)
                batch = []
        self._write_checkins(batch)

    def _checkin(self, plan: _Team, person: int, k: int) -> tuple[CheckIn, _Extras] | None:
        """One person's check-in in week `k` of the history, or None for a week away."""
        weeks_ago = len(plan.weeks) - 1 - k
        rng = random.Random(f"checkin:{plan.index}:{person}:{weeks_ago}")
        week, team, author = plan.weeks[k], plan.team, plan.people[person]
        if team.archived_at is not None and week.starts_at >= team.archived_at:
            return None  # an archived team accepts no check-ins
        is_me = plan.index == MEASURED and person == LEADER
        if weeks_ago > 0 and rng.random() < 0.06:
            return None  # holiday, sick, a week away
        if weeks_ago == 0 and plan.in_mix:
            return None  # the week set aside for the mixed workload: its check-ins are the mix's to write
        draft = False
        if weeks_ago == 0:
            roll = rng.random()
            draft = is_me or 0.6 <= roll < 0.85
            if roll >= 0.85 and not is_me:
                return None  # not started yet
        due = week.due_at(team.checkin_weekday, team.checkin_time)
        if weeks_ago == 0:
            submitted = week.starts_at + (self.now - week.starts_at) * rng.uniform(0.3, 0.95)
        else:
            late = rng.random() < 0.12
            submitted = due + timedelta(hours=rng.uniform(0.2, 40) if late else -rng.uniform(0.5, 40))
            submitted = min(max(submitted, week.starts_at + timedelta(hours=12)), week.ends_at - timedelta(hours=1))
        version = plan.in_force(submitted)
        content = plan.contents[version]
        strained = rng.random() < 0.08
        checkin = CheckIn(
            team=team, author=author, week=week.monday,
            state=CheckIn.State.DRAFT if draft else CheckIn.State.SUBMITTED,
            submitted_at=None if draft else submitted, is_late=not draft and submitted > due,
            progress=rng.choice(text.PROGRESS) + ("" if draft else " " + rng.choice(text.PROGRESS)),
            highlights=rng.choice(text.HIGHLIGHTS) if rng.random() < 0.3 else "",
            load=rng.choices(list(CheckIn.Load.values), weights=[15, 70, 15])[0],
            strained_non_negotiable=rng.choice(content.non_negotiables) if strained else None,
            strain_note=rng.choice(text.STRAIN_NOTES) if strained else "",
            boundary_question=rng.choice(text.BOUNDARY_QUESTIONS) if rng.random() < 0.04 else "",
            version=rng.randint(1, 3) if draft else rng.randint(2, 5),
            created_at=max(week.starts_at, submitted - timedelta(hours=rng.uniform(0.2, 30))), updated_at=submitted,
        )
        extras = _Extras()
        if not draft and person != LEADER and rng.random() < 0.6:
            acknowledged = submitted + timedelta(hours=rng.uniform(1, 30))
            if acknowledged < self.now:
                checkin.acknowledged_at, checkin.acknowledged_by = acknowledged, plan.leader
        for goal, krs in zip(content.goals, content.key_results, strict=True):
            if goal.owner_id != author.pk:
                continue
            for kr in krs:
                value, confidence = _reading(kr, k, len(plan.weeks), rng)
                extras.updates.append(KeyResultUpdate(
                    key_result=kr, value=value, confidence=confidence,
                    recorded_value=None if draft else value, recorded_confidence="" if draft else confidence))
        if weeks_ago % 9 == 4 or rng.random() < 0.03 or (is_me and draft):
            what, resolution = rng.choice(text.BLOCKERS)
            opened = checkin.created_at if draft else submitted
            resolved = opened + timedelta(days=rng.uniform(1, 6))
            is_resolved = not draft and resolved < self.now and (weeks_ago >= 2 or rng.random() < 0.5)
            extras.blockers.append(Blocker(
                what=what, who_could_help=plan.people[rng.randrange(len(plan.people))] if rng.random() < 0.6 else None,
                goal=rng.choice(content.goals) if rng.random() < 0.5 else None, opened_at=opened,
                resolved_at=resolved if is_resolved else None, resolved_by=plan.leader if is_resolved else None,
                resolution=resolution if is_resolved else ""))
        if not draft and person != LEADER and (weeks_ago % 7 == 2 or rng.random() < 0.03):
            at = submitted
            for turn in range(rng.randint(1, 3)):
                at += timedelta(hours=rng.uniform(1, 6))
                if at >= self.now:
                    break
                leader_turn = turn % 2 == 0
                extras.replies.append(Reply(
                    author=plan.leader if leader_turn else author,
                    body=rng.choice(text.REPLIES if leader_turn else text.ANSWERS), created_at=at,
                    token=uuid.UUID(int=rng.getrandbits(128), version=4)))
        return checkin, extras

    def _write_checkins(self, batch: list[tuple[CheckIn, _Extras]]) -> None:
        CheckIn.objects.bulk_create([checkin for checkin, _ in batch], batch_size=BATCH)
        updates, progress, blockers, replies = [], [], [], []
        for checkin, extras in batch:
            for update in extras.updates:
                update.check_in = checkin
                updates.append(update)
                if checkin.is_submitted:  # what `submit_checkin` records through `record_progress`
                    kr = update.key_result
                    progress.append(KeyResultProgress(
                        lineage_id=kr.lineage_key, key_result=kr, value=update.value, confidence=update.confidence,
                        recorded_by_id=checkin.author_id, recorded_at=checkin.submitted_at,
                        source=KeyResultProgress.Source.CHECK_IN, source_ref=checkin.pk))
            for blocker in extras.blockers:
                blocker.check_in, blocker.team_id = checkin, checkin.team_id
                blockers.append(blocker)
            for reply in extras.replies:
                reply.check_in = checkin
                replies.append(reply)
        _file_in_lineages(progress)  # a batch holds whole teams, so every lineage's whole history
        KeyResultUpdate.objects.bulk_create(updates, batch_size=BATCH)
        KeyResultProgress.objects.bulk_create(progress, batch_size=BATCH)
        Blocker.objects.bulk_create(blockers, batch_size=BATCH)
        Reply.objects.bulk_create(replies, batch_size=BATCH)

    # Retrospectives ---------------------------------------------------------------------------

    def _retrospectives(self) -> None:
        """Team 0's live session votes, the mix's collect cards; each team's two cycles before were reviewed."""
        sessions: list[_Session] = []
        for plan in self.teams:
            if plan.index != MEASURED and not plan.in_mix:
                continue
            rng = random.Random(f"retro:{plan.index}")
            previous = None
            for cycle in [c for c in plan.cycles if c.state == ReviewCycle.State.CLOSED][-REVIEWED_CYCLES:]:
                previous = self._session(plan, cycle, rng, phase=Retrospective.Phase.CLOSED, previous=previous)
                sessions.append(previous)
            phase = Retrospective.Phase.VOTE if plan.index == MEASURED else Retrospective.Phase.COLLECT
            sessions.append(self._session(plan, plan.cycles[-1], rng, phase=phase, previous=previous))
        Retrospective.objects.bulk_create([session.retro for session in sessions], batch_size=BATCH)
        linked = [session.retro for session in sessions if session.previous is not None]
        for session in sessions:
            if session.previous is not None:
                session.retro.previous_id = session.previous.retro.pk
        Retrospective.objects.bulk_update(linked, ["previous"], batch_size=BATCH)
        for model, rows in ((RetroPrompt, "prompts"), (RetroTheme, "themes"), (RetroCard, "cards"),
                            (RetroVote, "votes"), (NonNegotiableRating, "ratings"), (RetroNote, "notes"),
                            (RetroAction, "actions")):
            model.objects.bulk_create([row for session in sessions for row in getattr(session, rows)],
                                      batch_size=BATCH)

    def _session(self, plan: _Team, cycle: ReviewCycle, rng: random.Random, *, phase: str,
                 previous: _Session | None) -> _Session:
        """One retrospective as `reviews.retro.services` would have left it in `phase`.

        Everyone writes cards under the charter-review prompts (2 to 4 each while voting, up to 2 so far
        while collecting); from the group phase every card sits in a theme; 7 in 10 people have voted in a
        live vote (everyone in a closed session); everyone rated the non-negotiables (half so far while
        collecting); a closed session has a note per theme and an action.
        """
        Phase = Retrospective.Phase
        people, facilitator = plan.people, plan.people[FACILITATOR]
        closed = phase == Phase.CLOSED
        if closed:
            ended = cycle.closed_at - timedelta(hours=2)
            started, created = ended - timedelta(minutes=80), ended - timedelta(days=3)
        else:
            ended, started, created = None, self.now - timedelta(minutes=35), self.now - timedelta(days=2)
        retro = Retrospective(
            team=plan.team, cycle=cycle, facilitator=facilitator, is_anonymous=plan.in_mix and plan.index % 3 == 0,
            votes_per_person=3, phase=phase, phase_changed_by=facilitator, created_at=created, started_at=started,
            closed_at=ended, changed_at=ended or self.now - timedelta(minutes=1))
        session = _Session(retro=retro, previous=previous)
        non_negotiables = plan.contents[cycle.charter.number - 1].non_negotiables
        for kind, question in CHARTER_REVIEW:
            if kind == "non_negotiable":
                session.prompts += [RetroPrompt(retrospective=retro, kind=kind, text=non_negotiable_question(nn.title),
                                                non_negotiable=nn) for nn in non_negotiables]
            else:
                session.prompts.append(RetroPrompt(retrospective=retro, kind=kind, text=question))
        for position, prompt in enumerate(session.prompts):
            prompt.position = position
        at = started or created
        low, high = (0, 2) if phase == Phase.COLLECT else (2, 4) if phase == Phase.VOTE else (1, 2)
        for person in people:
            for _ in range(rng.randint(low, high)):
                session.cards.append(RetroCard(retrospective=retro, prompt=rng.choice(session.prompts), author=person,
                                               text=rng.choice(text.CARDS),
                                               created_at=at + timedelta(seconds=rng.randint(60, 900))))
        raters = people if phase != Phase.COLLECT else people[: len(people) // 2]
        for person in raters:
            for nn in non_negotiables:
                rating = rng.choices(["held", "strained", "broken"], weights=[7, 2, 1])[0]
                session.ratings.append(NonNegotiableRating(retrospective=retro, non_negotiable=nn, participant=person,
                                                           rating=rating, rated_at=at + timedelta(minutes=5)))
        if phase != Phase.COLLECT:
            names = rng.sample(text.THEMES, 6 if phase == Phase.VOTE else 3)
            session.themes = [RetroTheme(retrospective=retro, name=name, created_at=at + timedelta(minutes=20))
                              for name in names]
            for n, card in enumerate(session.cards):
                card.theme = session.themes[n % len(session.themes)]
            voters = people if closed else people[: len(people) * 7 // 10]
            for person in voters:
                for slot in range(retro.votes_per_person):
                    session.votes.append(RetroVote(retrospective=retro, voter=person, theme=rng.choice(session.themes),
                                                   slot=slot, created_at=at + timedelta(minutes=30)))
        if closed:
            session.notes = [RetroNote(retrospective=retro, theme=theme, author=facilitator,
                                       text=f"Agreed to look at “{theme.name.lower()}” again next cycle.",
                                       created_at=at + timedelta(minutes=50)) for theme in session.themes]
            title, standard = rng.choice(text.COMMITMENTS)
            session.actions.append(RetroAction(
                retrospective=retro, theme=session.themes[0], kind=RetroAction.Kind.COMMITMENT, title=title,
                owner=people[3], due_on=cycle.end_date + timedelta(weeks=4), standard=standard,
                created_by=facilitator, created_at=at + timedelta(minutes=70)))
        # Every change a participant saw bumped the version: cards, votes, ratings kept aside, phase moves.
        retro.version = 1 + len(session.cards) + len(session.votes) + retro.phase_index
        return session

    # Notifications ----------------------------------------------------------------------------

    def _notifications(self) -> None:
        """Team 0's leader: every week of the history (a few hundred at full scale); the mix's people: 8 weeks.

        Each is a `Delivery` claimed and e-mailed, and the `Notification` it showed, as `deliver` leaves
        them; the last few days' are unread.
        """
        deliveries, shown = [], []
        for plan in self.teams:
            if plan.index == MEASURED:
                readers, weeks = [LEADER], self.spec.weeks
            elif plan.in_mix:
                readers, weeks = range(len(plan.people)), min(INBOX_WEEKS, self.spec.weeks)
            else:
                continue
            team, org = plan.team, self.spec.slug
            urls = {
                "leader_digest": reverse("checkins:week", args=[org, team.slug]),
                "checkin_reminder": reverse("checkins:this_week", args=[org, team.slug]),
                "checkin_reply": reverse("checkins:this_week", args=[org, team.slug]),
                "cycle_rollover": reverse("team", args=[org, team.slug]),
                "charter_proposed": reverse("charters:detail", args=[org, team.slug]),
            }
            chances = {"leader_digest": 1.0, "checkin_reminder": 0.4, "checkin_reply": 0.35,
                       "cycle_rollover": 1 / team.review_cadence_weeks, "charter_proposed": 0.04}
            for person in readers:
                rng = random.Random(f"inbox:{plan.index}:{person}")
                recipient = plan.people[person]
                for weeks_ago in range(weeks):
                    for kind, subject, body in text.NOTIFICATIONS:
                        if kind == "leader_digest" and person != LEADER or rng.random() >= chances[kind]:
                            continue
                        at = self.now - timedelta(weeks=weeks_ago, hours=rng.uniform(2, 160))
                        message = {"kind": kind, "subject": subject.format(team=team.name), "body": body,
                                   "url": urls[kind]}
                        deliveries.append(Delivery(
                            recipient=recipient, key=f"bench:{weeks_ago}", claimed_at=at,
                            emailed_at=at + timedelta(seconds=40), status=Delivery.Status.SENT, **message))
                        unread = at > self.now - timedelta(days=4) and rng.random() < 0.7
                        shown.append(Notification(recipient=recipient, created_at=at, **message,
                                                  read_at=None if unread else at + timedelta(hours=rng.uniform(1, 30))))
        Delivery.objects.bulk_create(deliveries, batch_size=BATCH)
        Notification.objects.bulk_create(shown, batch_size=BATCH)


@dataclass
class _Session:
    """One retrospective being built, and its rows."""

    retro: Retrospective
    previous: _Session | None
    prompts: list[RetroPrompt] = field(default_factory=list)
    themes: list[RetroTheme] = field(default_factory=list)
    cards: list[RetroCard] = field(default_factory=list)
    votes: list[RetroVote] = field(default_factory=list)
    ratings: list[NonNegotiableRating] = field(default_factory=list)
    notes: list[RetroNote] = field(default_factory=list)
    actions: list[RetroAction] = field(default_factory=list)


@dataclass
class _Extras:
    updates: list[KeyResultUpdate] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)


def _file_in_lineages(readings: list[KeyResultProgress]) -> None:
    """Place each reading in its lineage's history as `record_progress` does: the newest is the latest,
    and each keeps the confidence of the reading before it."""
    by_lineage: dict[int, list[KeyResultProgress]] = defaultdict(list)
    for reading in readings:
        by_lineage[reading.lineage_id].append(reading)
    for history in by_lineage.values():
        history.sort(key=lambda reading: reading.recorded_at)
        previous = ""
        for reading in history:
            reading.previous_confidence, reading.is_latest, previous = previous, False, reading.confidence
        history[-1].is_latest = True


def _first_content(charter: Charter, rng: random.Random) -> _Content:
    content = _Content()
    for position, (title, standard, why) in enumerate(rng.sample(text.NON_NEGOTIABLES, rng.randint(3, 4)), start=1):
        content.non_negotiables.append(NonNegotiable(charter=charter, position=position, title=title,
                                                     standard=standard, why=why))
    for position, (area, label, guardrails, set_by) in enumerate(rng.sample(text.BOUNDARIES, rng.randint(2, 3)),
                                                                 start=1):
        content.boundaries.append(Boundary(charter=charter, position=position, area=area, label=label,
                                           guardrails=guardrails, set_by=set_by))
    for position, (objective, part, tradeoff) in enumerate(rng.sample(text.GOALS, rng.randint(2, 4)), start=1):
        content.goals.append(Goal(charter=charter, position=position, objective=objective, purpose_part=part,
                                  tradeoff=tradeoff))
        krs = []
        for kr_position, (metric, unit, start, target) in enumerate(rng.sample(text.KEY_RESULTS, rng.randint(1, 2)),
                                                                    start=1):
            krs.append(KeyResult(position=kr_position, metric=metric, unit=unit, start_value=_decimal(start),
                                 target_value=_decimal(target), current_value=_decimal(start),
                                 confidence=_typed_confidence(rng)))
        content.key_results.append(krs)
    return content


def _typed_confidence(rng: random.Random) -> str:
    """The confidence typed in the charter: one draw, as the 0–10 scale made it (4–8), on the three-word
    scale (`charters/migrations/0007`: 4–6 at risk, 7–10 on track), so the rest of the dataset is unchanged."""
    return "at_risk" if rng.randint(4, 8) <= 6 else "on_track"


def _amended_content(charter: Charter, before: _Content, rng: random.Random, *, amend: int) -> _Content:
    """A copy of the version before, as `start_amendment` makes it, with the amendment's changes."""
    content = _Content()
    for item in before.non_negotiables:
        content.non_negotiables.append(NonNegotiable(charter=charter, position=item.position, title=item.title,
                                                     standard=item.standard, why=item.why))
    if amend == 1:  # the first amendment adds a non-negotiable
        taken = {item.title for item in before.non_negotiables}
        title, standard, why = next(n for n in text.NON_NEGOTIABLES if n[0] not in taken)
        content.non_negotiables.append(NonNegotiable(charter=charter, position=len(taken) + 1, title=title,
                                                     standard=standard, why=why))
    for item in before.boundaries:
        content.boundaries.append(Boundary(charter=charter, position=item.position, area=item.area,
                                           label=item.label, guardrails=item.guardrails, set_by=item.set_by))
    if amend == 2:  # the second one says who decides on wording
        content.boundaries.append(Boundary(charter=charter, position=len(before.boundaries) + 1,
                                           area="Wording of customer-facing messages", label="consult",
                                           guardrails="After consulting support.", set_by="Team, after consulting support"))
    for goal, krs in zip(before.goals, before.key_results, strict=True):
        copy = Goal(charter=charter, origin=goal, position=goal.position, objective=goal.objective,
                    purpose_part=goal.purpose_part, tradeoff=goal.tradeoff)
        content.goals.append(copy)
        copies = [KeyResult(origin=kr, lineage_id=kr.lineage_key, position=kr.position, metric=kr.metric, unit=kr.unit,
                            start_value=kr.start_value, target_value=kr.target_value,
                            current_value=_middle(kr), confidence=kr.confidence) for kr in krs]
        if amend == 1 and goal.position == 1:  # a sharper target, and a key result of its own
            first = copies[0]
            first.target_value += _decimal(float(first.target_value - first.start_value) * 0.1)
            metric, unit, start, target = next(k for k in text.KEY_RESULTS if k[0] not in {kr.metric for kr in krs})
            copies.append(KeyResult(position=len(krs) + 1, metric=metric, unit=unit, start_value=_decimal(start),
                                    target_value=_decimal(target), current_value=_decimal(start),
                                    confidence=_typed_confidence(rng)))
        content.key_results.append(copies)
    return content


def _proposed_response(response: Response, person: int, charter: Charter, leader: User) -> None:
    """Team 1's round in progress: consents, one to an earlier text, an open objection, one amended away."""
    if person == 3:
        response.kind, response.reason = Response.Kind.OBJECTION, text.OBJECTIONS[0]
    elif person == 4:
        response.kind, response.reason = Response.Kind.OBJECTION, text.OBJECTIONS[1]
        response.answer, response.answered_by = Response.Answer.AMENDED, leader
        response.answer_text, response.answered_at = "Added a tradeoff we will feel.", charter.edited_at
    elif person == 5:
        response.revision = charter.revision - 1


def _reading(kr: KeyResult, k: int, weeks: int, rng: random.Random) -> tuple[Decimal, str]:
    """A key result's value and confidence in week `k`: most of the way from start to target by the end."""
    start, target = float(kr.start_value), float(kr.target_value)
    share = 0.85 * (k + 1) / weeks + rng.uniform(-0.04, 0.04)
    confidence = rng.choices(["on_track", "at_risk", "off_track"], weights=[6, 3, 1])[0]
    return _decimal(start + (target - start) * share), confidence


def _middle(kr: KeyResult) -> Decimal:
    return _decimal((float(kr.start_value) + float(kr.target_value)) / 2)


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def settle() -> None:
    """The tables as autovacuum keeps them in production: dead rows cleared, the visibility map set (which
    index-only scans need) and fresh planner statistics — after a bulk load, and before each measurement,
    since the last run's mix left rows behind and a database may run with autovacuum off (CI machines do).
    Inside a transaction (the bench's own tests), where VACUUM cannot run, the statistics alone."""
    if connection.vendor != "postgresql":
        return
    models = [Organisation, Team, User, Membership, Invitation, Charter, NonNegotiable, Boundary, Goal, KeyResult,
              KeyResultProgress, Response, ConsentGap, Comment, ReviewCycle, CycleGoal, Decision, DecisionOutcome,
              Commitment, Renegotiation, CheckIn, KeyResultUpdate, Blocker, Reply, Retrospective, RetroPrompt,
              RetroTheme, RetroCard, RetroVote, NonNegotiableRating, RetroNote, RetroAction, Delivery, Notification]
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(("ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) ") + tables)


def total_rows(spec: Spec) -> dict[str, int]:
    """How many rows of each kind a dataset holds (for the report)."""
    teams = Team.objects.filter(organisation__slug=spec.slug)
    people = User.objects.filter(email__startswith=f"{spec.scale}.", email__endswith=f"@{EMAIL_DOMAIN}")
    return {
        "people": people.count(),
        "teams": teams.count(),
        "charters": Charter.objects.filter(team__in=teams).count(),
        "key_results": KeyResult.objects.filter(goal__charter__team__in=teams).count(),
        "responses": Response.objects.filter(charter__team__in=teams).count(),
        "decisions": Decision.objects.filter(team__in=teams).count(),
        "checkins": CheckIn.objects.filter(team__in=teams).count(),
        "key_result_progress": KeyResultProgress.objects.filter(key_result__goal__charter__team__in=teams).count(),
        "blockers": Blocker.objects.filter(team__in=teams).count(),
        "replies": Reply.objects.filter(check_in__team__in=teams).count(),
        "commitments": Commitment.objects.filter(team__in=teams).count(),
        "review_cycles": ReviewCycle.objects.filter(team__in=teams).count(),
        "comments": Comment.objects.filter(charter__team__in=teams).count(),
        "retrospectives": Retrospective.objects.filter(team__in=teams).count(),
        "retro_cards": RetroCard.objects.filter(retrospective__team__in=teams).count(),
        "notifications": Notification.objects.filter(recipient__in=people).count(),
    }

"""What importing a file would do, row by row, before anything is written: the preview and the confirmation
run the same plan, the confirmation on what it read under lock.

A context is loaded once (`load_*`, a fixed number of queries) and each row is judged against it. Each field
is checked by the form that checks it when typed by hand (`charters.forms.GoalForm`, `KeyResultForm`,
`ProgressForm`; a check-in's fields by their model fields' own form fields), so an import accepts exactly
what the pages accept; those forms may ask the database about a row's owner or organisation goal.

A row's id (`goal_id`, `key_result_id`, `reading_id`, `checkin_id`) finds what an earlier import of it
made: found, the row updates it (or leaves it, when nothing changed); not found, the row adds it. An id
`charter-<number>` is what Charter's own exports write for a row it did not import, so that a file
exported from Charter imports again as it was.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils import formats, timezone

from alignment.models import Membership, Team, User
from alignment.permissions import Capability, people_who_may
from alignment.weeks import TeamWeek, monday_of, week_starting
from charters.forms import GoalForm, KeyResultForm, ProgressForm
from charters.models import (
    Charter,
    Confidence,
    Goal,
    KeyResult,
    KeyResultProgress,
    OrganisationGoal,
    PurposePart,
)
from checkins.erase import WORDS_REMOVED
from checkins.models import CheckIn
from transfer.formats import GOAL_COLUMNS, KEY_RESULT_COLUMNS, ImportKind
from transfer.sheets import Row

OWN_ID = re.compile(r"charter-(\d{1,18})")
ID_LENGTH = Goal._meta.get_field("external_id").max_length


def own_id(pk: int) -> str:
    """The id Charter's exports give a row it did not import."""
    return f"charter-{pk}"


@dataclass
class Step:
    """One thing a row adds, updates or leaves: a goal, a key result, a reading or a check-in."""

    what: str  # "goal", "key result", "reading", "check-in"
    label: str  # its name in the preview
    action: str  # ADD, UPDATE or UNCHANGED
    changes: list[str] = field(default_factory=list)  # what an update changes, in words
    item: object = None  # what the confirmation writes
    expected_version: int | None = None
    external_id: str = ""
    goal_id: str = ""  # a key result's goal (its row's goal_id)

    @property
    def action_label(self) -> str:
        return ACTION_WORDS[self.action]


ADD, UPDATE, UNCHANGED = "add", "update", "unchanged"
ACTION_WORDS = {ADD: "new", UPDATE: "changes", UNCHANGED: "unchanged"}


@dataclass
class RowPlan:
    number: int
    cells: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Plan:
    kind: str
    rows: list[RowPlan]
    lands: str = ""  # where it goes, in words
    refusal: str = ""  # why nothing of the file can be imported, whatever its rows say

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.errors) + bool(self.refusal)

    @property
    def steps(self) -> list[Step]:
        return [step for row in self.rows for step in row.steps]

    @property
    def changes(self) -> list[Step]:
        return [step for step in self.steps if step.action != UNCHANGED]

    @property
    def may_confirm(self) -> bool:
        return not self.errors and bool(self.changes)

    def counts(self) -> dict[str, int]:
        """How many of each ("goal added", "key result unchanged", …), for the outcome and the audit."""
        return dict(Counter(f"{step.what} {step.action}" for step in self.steps))


def summary(counts: dict[str, int]) -> str:
    """"2 goals added, 1 key result updated, 3 unchanged"."""
    parts, unchanged = [], 0
    for key, count in counts.items():
        what, action = key.rsplit(" ", 1)
        if action == UNCHANGED:
            unchanged += count
            continue
        plural = {"goal": "goals", "key result": "key results", "reading": "readings", "check-in": "check-ins"}
        parts.append(f"{count} {what if count == 1 else plural.get(what, what + 's')} "
                     f"{'added' if action == ADD else 'updated'}")
    if unchanged:
        parts.append(f"{unchanged} unchanged")
    return ", ".join(parts) or "nothing"


# What cells say -----------------------------------------------------------------------------------------

def _choice(value: str, choices) -> str:
    """A choice written as its value ("on_track") or its words ("On track"), as the form knows it."""
    wanted = re.sub(r"[\s_\-]+", " ", value.strip().lower())
    for key, label in choices:
        if wanted in (re.sub(r"_", " ", key), str(label).lower()):
            return key
    return value


def _number(value: str) -> str:
    """A number as a spreadsheet may write it: "1 234,5" or "97,5" (a decimal comma) is read as 1234.5, 97.5."""
    text = value.replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return text


def _errors(form, columns: dict[str, str]) -> list[str]:
    """A form's errors in words, each naming the column it came from."""
    return [f"{columns.get(name, name) if name != '__all__' else 'row'}: {message}"
            for name, messages in form.errors.items() for message in messages]


def _shown(instance, name: str) -> str:
    value = getattr(instance, name)
    if value is None or value == "":
        return "—"
    if isinstance(value, User):
        return value.name
    if isinstance(value, Decimal):  # as it is stored, 99.9 → 99.90
        return str(value.quantize(Decimal(1).scaleb(-instance._meta.get_field(name).decimal_places)))
    display = getattr(instance, f"get_{name}_display", None)
    return str(display()) if display and not isinstance(value, Decimal) else str(value)


def _changed(instance, before: dict, fields) -> list[str]:
    """What the row changes on an existing item, in words ("target: 40.00 → 50.00")."""
    changes = []
    for name in fields:
        if getattr(instance, name + "_id" if name in ("owner", "contributes_to") else name) != before[name]:
            label = instance._meta.get_field(name).verbose_name
            old = before.get("_shown_" + name, "—")
            changes.append(f"{label}: {old} → {_shown(instance, name)}")
    return changes


def _snapshot(instance, fields) -> dict:
    snap = {}
    for name in fields:
        snap[name] = getattr(instance, name + "_id" if name in ("owner", "contributes_to") else name)
        snap["_shown_" + name] = _shown(instance, name)
    return snap


def _an_id(value: str, column: str, errors: list[str]) -> str:
    if len(value) > ID_LENGTH:
        errors.append(f"{column}: an id is at most {ID_LENGTH} characters.")
    return value[:ID_LENGTH]


# Goals and key results ----------------------------------------------------------------------------------

@dataclass
class GoalsContext:
    team: Team
    charter: Charter | None  # where rows are matched: the working copy, else the version in force, else none
    lands: str
    goals: dict[str, Goal]  # by external id
    key_results: dict[str, KeyResult]  # by external id, with `goal`
    people: dict[str, User]  # the team's people, by lower-case address
    organisation_goals: dict[str, OrganisationGoal]  # by objective, case aside

    @property
    def needs_working_copy(self) -> bool:
        return self.charter is None or not self.charter.is_editable


def load_goals(team: Team) -> GoalsContext:
    """Where goals would go and what is there already: 5 queries (4 without a charter)."""
    charter = (Charter.objects.filter(team=team).working().first()  # query: the working copy
               or Charter.objects.active_for(team))  # query: else the version in force
    goals, key_results = {}, {}
    if charter is not None:
        for goal in Goal.objects.filter(charter=charter).prefetch_related(  # queries: its goals, their key results
                Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "pk"), to_attr="krs")):
            if goal.external_id:
                goals[goal.external_id] = goal
            for key_result in goal.krs:
                key_result.goal = goal
                if key_result.external_id:
                    key_results.setdefault(key_result.external_id, key_result)
    if charter is None:
        lands = "into a new draft of the team's first charter, which you then propose to the team"
    elif charter.is_draft:
        lands = f"into the draft of version {charter.number}, which you then propose to the team"
    elif charter.is_proposed:
        lands = (f"into version {charter.number}, which is proposed: whoever has consented to it is asked to "
                 "confirm it again")
    else:
        lands = (f"into a new amendment of version {charter.number} (a draft with its text), which you then "
                 "propose to the team")
    people = {m.user.email.lower(): m.user for m in Membership.objects.filter(team=team).select_related("user")}
    organisation_goals = {g.objective.casefold(): g for g in  # query: the organisation's goals
                          OrganisationGoal.objects.filter(organisation_id=team.organisation_id).order_by("-pk")}
    return GoalsContext(team=team, charter=charter, lands=lands, goals=goals, key_results=key_results,
                        people=people, organisation_goals=organisation_goals)


_GOAL_FORM_FIELDS = {"objective": "objective", "purpose_part": "purpose_part", "tradeoff": "tradeoff",
                     "owner": "owner", "contributes_to": "contributes_to"}
_KR_FORM_FIELDS = {"metric": "metric", "unit": "unit", "start_value": "start", "target_value": "target",
                   "current_value": "current", "confidence": "confidence"}


def plan_goals(rows: list[Row], context: GoalsContext) -> Plan:
    plan = Plan(kind=ImportKind.GOALS, rows=[], lands=context.lands)
    goal_rows: dict[str, RowPlan] = {}
    goal_steps: dict[str, Step] = {}
    key_result_rows: dict[str, int] = {}
    for row in rows:
        row_plan = RowPlan(number=row.number, cells=row.cells, errors=list(row.errors))
        plan.rows.append(row_plan)
        goal_id = _an_id(row["goal_id"], "goal_id", row_plan.errors)
        if not goal_id:
            row_plan.errors.append("goal_id: empty. Every row names its goal.")
            continue
        if goal_id not in goal_rows:
            goal_rows[goal_id] = row_plan
            step = _goal_step(row, goal_id, context, row_plan.errors)
            if step is not None:
                goal_steps[goal_id] = step
                row_plan.steps.append(step)
        else:
            first = goal_rows[goal_id]
            differing = [name for name in GOAL_COLUMNS if row[name] and row[name] != first.cells.get(name, "")]
            if differing:
                row_plan.errors.append(f"{', '.join(differing)}: goal {goal_id} reads differently on row "
                                       f"{first.number}. Describe a goal on its first row; later rows may leave "
                                       "its columns empty.")
        key_result_id = _an_id(row["key_result_id"], "key_result_id", row_plan.errors)
        if not key_result_id:
            if any(row[name] for name in KEY_RESULT_COLUMNS):
                row_plan.errors.append("key_result_id: empty, but the row describes a key result. Give it an id.")
            continue
        if key_result_id in key_result_rows:
            row_plan.errors.append(f"key_result_id: {key_result_id} is on row {key_result_rows[key_result_id]} "
                                   "already. Each key result has one row.")
            continue
        key_result_rows[key_result_id] = row.number
        step = _key_result_step(row, goal_id, key_result_id, context, row_plan.errors)
        if step is not None:
            row_plan.steps.append(step)
    return plan


def _goal_step(row: Row, goal_id: str, context: GoalsContext, errors: list[str]) -> Step | None:
    existing = context.goals.get(goal_id)
    instance = existing if existing is not None else Goal(charter=context.charter if not context.needs_working_copy
                                                          else None)
    before = _snapshot(instance, Goal.EDITABLE_FIELDS) if existing is not None else None
    data = {name: getattr(instance, name + "_id" if name in ("owner", "contributes_to") else name) or ""
            for name in Goal.EDITABLE_FIELDS}
    cells = row.cells
    for name in ("objective", "tradeoff"):
        if name in cells:
            data[name] = cells[name]
    if "purpose_part" in cells:
        data["purpose_part"] = _choice(cells["purpose_part"], [
            *PurposePart.choices, ("serves", "serves"), ("outcome", "outcome"), ("refuses", "refuses")])
    if "owner" in cells:
        owner = context.people.get(cells["owner"].lower()) if cells["owner"] else None
        if cells["owner"] and owner is None:
            errors.append(f"owner: nobody in {context.team.name} has the address {cells['owner']}.")
        data["owner"] = owner.pk if owner else ""
    if "contributes_to" in cells:
        linked = context.organisation_goals.get(cells["contributes_to"].casefold()) if cells["contributes_to"] else None
        if cells["contributes_to"] and linked is None:
            errors.append(f"contributes_to: {context.team.organisation.name} has no goal “{cells['contributes_to']}”.")
        data["contributes_to"] = linked.pk if linked else ""
    if existing is not None:
        data["version"] = existing.version
    form = GoalForm(data, instance=instance, team=context.team,
                    charter=context.charter if not context.needs_working_copy else None)
    if not form.is_valid():
        errors.extend(_errors(form, _GOAL_FORM_FIELDS))
        return None
    label = f"Goal {goal_id}: “{instance.objective}”"
    if existing is None:
        return Step("goal", label, ADD, item=instance, external_id=goal_id)
    changes = _changed(instance, before, Goal.EDITABLE_FIELDS)
    return Step("goal", label, UPDATE if changes else UNCHANGED, changes, item=instance,
                expected_version=existing.version, external_id=goal_id)


def _key_result_step(row: Row, goal_id: str, key_result_id: str, context: GoalsContext,
                     errors: list[str]) -> Step | None:
    existing = context.key_results.get(key_result_id)
    if existing is not None and existing.goal.external_id != goal_id:
        errors.append(f"key_result_id: {key_result_id} is a key result of goal "
                      f"{existing.goal.external_id or existing.goal.objective} in the charter. A key result stays "
                      "with its goal: give this one an id of its own.")
        return None
    instance = existing if existing is not None else KeyResult()
    before = _snapshot(instance, KeyResult.EDITABLE_FIELDS) if existing is not None else None
    data = {name: getattr(instance, name) if getattr(instance, name) is not None else ""
            for name in KeyResult.EDITABLE_FIELDS}
    for name, column in _KR_FORM_FIELDS.items():
        if column not in row.cells:
            continue
        value = row.cells[column]
        if name == "confidence":
            value = _choice(value, Confidence.choices)
        elif name.endswith("_value"):
            value = _number(value)
        data[name] = value
    if existing is not None:
        data["version"] = existing.version
    form = KeyResultForm(data, instance=instance, team=context.team)
    if not form.is_valid():
        errors.extend(_errors(form, _KR_FORM_FIELDS))
        return None
    label = f"Key result {key_result_id}: “{instance.metric}”"
    if existing is None:
        return Step("key result", label, ADD, item=instance, external_id=key_result_id, goal_id=goal_id)
    changes = _changed(instance, before, KeyResult.EDITABLE_FIELDS)
    return Step("key result", label, UPDATE if changes else UNCHANGED, changes, item=instance,
                expected_version=existing.version, external_id=key_result_id, goal_id=goal_id)


# Key-result history --------------------------------------------------------------------------------------

@dataclass
class HistoryContext:
    team: Team
    now: datetime
    in_force: Charter | None
    working: Charter | None
    key_results: dict[str, KeyResult]  # of the version in force, by external id and by `charter-<lineage>`
    in_working_copy: set[str]  # ids of key results only the working copy has
    readings: dict[tuple[int, str], KeyResultProgress]  # by (lineage, external id)
    own_readings: dict[int, KeyResultProgress]  # by id, for `charter-<id>`


def load_history(team: Team, rows: list[Row], *, now: datetime | None = None) -> HistoryContext:
    """The version in force, its key results and the readings the rows may name: 5 queries (2 with no charter)."""
    now = now or timezone.now()
    charters = list(Charter.objects.filter(team=team).in_force_or_working())  # query: in force and working copy
    in_force = next((c for c in charters if c.is_active), None)
    working = next((c for c in charters if c.is_editable), None)
    key_results, in_working_copy = {}, set()
    if charters:
        for key_result in KeyResult.objects.filter(goal__charter__in=charters).select_related("goal"):  # query
            if in_force is not None and key_result.goal.charter_id == in_force.pk:
                # By its imported id, and by the id Charter's export gives a key result it did not import.
                key_results[own_id(key_result.lineage_key)] = key_result
                if key_result.external_id:
                    key_results[key_result.external_id] = key_result
            elif key_result.external_id:
                in_working_copy.add(key_result.external_id)
    lineages = {key_result.lineage_key for key_result in key_results.values()}
    ids = {row["reading_id"] for row in rows if row["reading_id"]}
    readings, own_readings = {}, {}
    if lineages:
        found = KeyResultProgress.objects.filter(lineage_id__in=lineages)
        derived = {_derived_reading_id(row) for row in rows}
        for reading in found.filter(external_id__in=ids | derived):  # query: readings imported before
            readings[(reading.lineage_id, reading.external_id)] = reading
        own = {int(match[1]) for value in ids if (match := OWN_ID.fullmatch(value))}
        if own:
            own_readings = {r.pk: r for r in found.filter(pk__in=own)}  # query: readings Charter's export named
    return HistoryContext(team=team, now=now, in_force=in_force, working=working, key_results=key_results,
                          in_working_copy=in_working_copy - set(key_results), readings=readings,
                          own_readings=own_readings)


DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def _moment(value: str) -> datetime | date | None:
    for pattern in DATE_FORMATS:
        try:
            moment = datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        return moment.date() if pattern == "%Y-%m-%d" else moment
    return None


def _derived_reading_id(row: Row) -> str:
    """A reading's id when the file gives none: the key result's id and the moment as written."""
    moment = _moment(row["recorded_on"])
    written = moment.isoformat() if isinstance(moment, date) and not isinstance(moment, datetime) else (
        moment.isoformat(timespec="minutes") if moment else row["recorded_on"])
    return f"{row['key_result_id']}@{written}"[:ID_LENGTH]


def plan_history(rows: list[Row], context: HistoryContext) -> Plan:
    plan = Plan(kind=ImportKind.KEY_RESULT_HISTORY, rows=[])
    if context.in_force is not None:
        plan.lands = f"beside version {context.in_force.number}, the charter in force, as readings recorded directly"
    elif context.working is not None:
        plan.refusal = context.working.refusal_to_record_progress()
    else:
        plan.refusal = "The team has no charter yet: key-result history is recorded beside a ratified charter."
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        row_plan = RowPlan(number=row.number, cells=row.cells, errors=list(row.errors))
        plan.rows.append(row_plan)
        key_result_id = row["key_result_id"]
        key_result = context.key_results.get(key_result_id)
        if not key_result_id:
            row_plan.errors.append("key_result_id: empty. Every row names its key result.")
        elif key_result is None and key_result_id in context.in_working_copy and context.working is not None:
            row_plan.errors.append(f"key_result_id: {key_result_id} is only in version {context.working.number}, "
                                   "not in force yet. Import its history once the charter is ratified.")
        elif key_result is None and context.in_force is not None:
            row_plan.errors.append(f"key_result_id: the charter in force has no key result {key_result_id}. "
                                   "Import goals and key results first.")
        moment = _moment(row["recorded_on"])
        if moment is None:
            row_plan.errors.append("recorded_on: write the date as 2026-11-16 (year-month-day), with a time if "
                                   "you like (2026-11-16 09:30).")
            recorded_at = None
        else:
            local = datetime.combine(moment, time(12)) if not isinstance(moment, datetime) else moment
            recorded_at = timezone.make_aware(local, context.team.zone)
            if recorded_at > context.now:
                row_plan.errors.append("recorded_on: in the future. History is what was.")
        form = ProgressForm({"value": _number(row["value"]), "confidence": _choice(row["confidence"],
                                                                                    Confidence.choices),
                             "note": row["note"]})
        if not form.is_valid():
            row_plan.errors.extend(_errors(form, {}))
        reading_id = _an_id(row["reading_id"], "reading_id", row_plan.errors) or _derived_reading_id(row)
        if row_plan.errors or key_result is None:
            continue
        lineage = key_result.lineage_key
        if (lineage, reading_id) in seen:
            row_plan.errors.append(f"reading_id: {reading_id} is on row {seen[(lineage, reading_id)]} already.")
            continue
        seen[(lineage, reading_id)] = row.number
        value = form.cleaned_data["value"].quantize(Decimal("0.01"))
        label = f"Reading of {key_result_id} on {formats.date_format(recorded_at.astimezone(context.team.zone))}"
        match = OWN_ID.fullmatch(reading_id)
        existing = (context.own_readings.get(int(match[1])) if match
                    else context.readings.get((lineage, reading_id)))
        if match and (existing is None or existing.lineage_id != lineage):
            row_plan.errors.append(f"reading_id: {key_result_id} has no reading {reading_id}.")
            continue
        if existing is None:
            row_plan.steps.append(Step("reading", label, ADD, item=KeyResultProgress(
                key_result=key_result, value=value, confidence=form.cleaned_data["confidence"],
                note=form.cleaned_data["note"], recorded_at=recorded_at), external_id=reading_id))
            continue
        # To the second: what Charter's export writes of a reading recorded in the app.
        same = (existing.value == value and existing.confidence == form.cleaned_data["confidence"]
                and existing.note == form.cleaned_data["note"]
                and existing.recorded_at.replace(microsecond=0) == recorded_at.replace(microsecond=0))
        if not same:
            row_plan.errors.append(
                f"reading_id: {reading_id} is in the history already as {existing.value} "
                f"({existing.get_confidence_display()}) on "
                f"{formats.date_format(existing.recorded_at.astimezone(context.team.zone))}. Readings are history "
                "and are not rewritten: give a new reading an id of its own.")
            continue
        row_plan.steps.append(Step("reading", label, UNCHANGED, item=existing, external_id=reading_id))
    return plan


# Check-in history ----------------------------------------------------------------------------------------

CHECKIN_FIELDS = {"progress": "what_moved", "highlights": "highlights", "load": "load",
                  "boundary_question": "unclear_who_decides"}


@dataclass
class CheckInsContext:
    team: Team
    now: datetime
    people: dict[str, User]  # who checks in with the team, by lower-case address
    by_external_id: dict[str, CheckIn]
    by_pk: dict[int, CheckIn]
    by_author_week: dict[tuple[int, date], CheckIn]


def _week(value: str, team: Team) -> TeamWeek | None:
    moment = _moment(value)
    if moment is None:
        return None
    day = moment.date() if isinstance(moment, datetime) else moment
    return week_starting(team, monday_of(day))


def _week_words(week: TeamWeek) -> str:
    """"week of 16 Nov 2026", inside a sentence."""
    return week.label[:1].lower() + week.label[1:]


def load_checkins(team: Team, rows: list[Row], *, now: datetime | None = None) -> CheckInsContext:
    """Who checks in with the team and the check-ins the rows may name: 2 queries."""
    now = now or timezone.now()
    people = {user.email.lower(): user for user in people_who_may(team, Capability.CHECK_IN)}  # query: the people
    ids = {row["checkin_id"] for row in rows if row["checkin_id"]}
    own = {int(match[1]) for value in ids if (match := OWN_ID.fullmatch(value))}
    authors = {people[row["email"].lower()].pk for row in rows if row["email"].lower() in people}
    weeks = {week.monday for row in rows if (week := _week(row["week"], team)) is not None}
    derived = {f"{author}@{monday.isoformat()}" for author in authors for monday in weeks}
    found = list(CheckIn.objects.filter(team=team).filter(  # query: the check-ins the rows may name
        Q(external_id__in=ids | derived) | Q(pk__in=own) | Q(author__in=authors, week__in=weeks)))
    return CheckInsContext(
        team=team, now=now, people=people,
        by_external_id={c.external_id: c for c in found if c.external_id},
        by_pk={c.pk: c for c in found}, by_author_week={(c.author_id, c.week): c for c in found},
    )


def plan_checkins(rows: list[Row], context: CheckInsContext) -> Plan:
    team = context.team
    plan = Plan(kind=ImportKind.CHECKINS, rows=[],
                lands=f"into {team.name}'s check-in history, as check-ins submitted on time")
    seen_ids: dict[str, int] = {}
    seen_weeks: dict[tuple[int, date], int] = {}
    for row in rows:
        row_plan = RowPlan(number=row.number, cells=row.cells, errors=list(row.errors))
        plan.rows.append(row_plan)
        person = context.people.get(row["email"].lower())
        if not row["email"]:
            row_plan.errors.append("email: empty. Every row names whose check-in it is.")
        elif person is None:
            row_plan.errors.append(f"email: {row['email']} is not someone who checks in with {team.name}.")
        week = _week(row["week"], team)
        if week is None:
            row_plan.errors.append("week: write a day of the week as 2026-11-16 (year-month-day).")
        elif week.ends_at > context.now:
            row_plan.errors.append(f"week: the {_week_words(week)} has not ended. Its check-in is "
                                   f"{person.name + '’s' if person else 'theirs'} to write.")
        values = {}
        for name, column in CHECKIN_FIELDS.items():
            model_field = CheckIn._meta.get_field(name)
            value = row[column]
            if name == "load":
                value = _choice(value, CheckIn.Load.choices)
            form_field = model_field.formfield(required=False)
            try:
                values[name] = form_field.clean(value) or ""
            except ValidationError as error:
                row_plan.errors.extend(f"{column}: {message}" for message in error.messages)
        checkin_id = _an_id(row["checkin_id"], "checkin_id", row_plan.errors)
        if row_plan.errors:
            continue
        checkin_id = checkin_id or f"{person.pk}@{week.monday.isoformat()}"
        if checkin_id in seen_ids or (person.pk, week.monday) in seen_weeks:
            first = seen_ids.get(checkin_id) or seen_weeks[(person.pk, week.monday)]
            row_plan.errors.append(f"This check-in is on row {first} already.")
            continue
        seen_ids[checkin_id] = seen_weeks[(person.pk, week.monday)] = row.number
        match = OWN_ID.fullmatch(checkin_id)
        existing = context.by_pk.get(int(match[1])) if match else context.by_external_id.get(checkin_id)
        label = f"Check-in of {person.name}, {_week_words(week)}"
        if match and existing is None:
            row_plan.errors.append(f"checkin_id: {team.name} has no check-in {checkin_id}.")
            continue
        if existing is not None and (existing.author_id, existing.week) != (person.pk, week.monday):
            row_plan.errors.append(f"checkin_id: {checkin_id} is another check-in (another person or week).")
            continue
        if existing is None:
            taken = context.by_author_week.get((person.pk, week.monday))
            if taken is not None:
                row_plan.errors.append(f"{person.name} has a check-in for the {_week_words(week)} already, "
                                       "written in Charter or imported under another id. It is not replaced.")
                continue
            row_plan.steps.append(Step("check-in", label, ADD, item=CheckIn(
                team=team, author=person, week=week.monday, state=CheckIn.State.SUBMITTED,
                submitted_at=week.due_at(team.checkin_weekday, team.checkin_time), is_late=False,
                external_id=checkin_id, **values), external_id=checkin_id))
            continue
        if any(getattr(existing, name) == WORDS_REMOVED for name in CHECKIN_FIELDS):
            row_plan.steps.append(Step("check-in", label, UNCHANGED, ["its words were removed and stay removed"],
                                       item=existing, external_id=checkin_id))
            continue
        changes = [f"{CheckIn._meta.get_field(name).verbose_name}: changed" for name, value in values.items()
                   if getattr(existing, name) != value]
        for name, value in values.items():
            setattr(existing, name, value)
        row_plan.steps.append(Step("check-in", label, UPDATE if changes else UNCHANGED, changes, item=existing,
                                   external_id=checkin_id))
    return plan

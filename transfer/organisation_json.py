"""The whole organisation as one JSON document, for its admins: what they read in the app, nothing more.

An admin reads every team's summaries, never a person's check-in (`alignment.permissions.ADMIN_CAPABILITIES`),
so the document holds: the organisation (its purpose and settings), its admins, its tags, its goals with their
key results and readings; each team with its people and roles, its charter versions that the organisation
reads (`Charter.objects.readable(in_team=False)`: ratified ones, never a draft or a proposal, nor anyone's
consent), their key results' history, its decision log and its review cycles. Not in it: check-ins,
commitments, retrospectives, requests between teams, notifications, what a team is still drafting; each
team's people take those out themselves (the team's Export page), within the check-ins' privacy rules.

A fixed number of queries whatever the size of the organisation (15), each reading one kind of row for
every team at once; nothing of another organisation is asked for.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import F, Prefetch

from alignment.models import Membership, Organisation, Team
from charters.models import (
    Boundary,
    Charter,
    Goal,
    KeyResult,
    KeyResultProgress,
    NonNegotiable,
    OrganisationGoal,
    OrganisationKeyResult,
    OrganisationKeyResultReading,
    OrganisationTag,
)
from charters.tags import with_tag_list
from decisions.models import Decision
from reviews.models import ReviewCycle

FORMAT = "charter.organisation-export"
VERSION = 1


def _person(user) -> dict | None:
    return None if user is None else {"email": user.email, "name": user.name}


def build(organisation: Organisation, *, now: datetime) -> dict:
    teams = list(Team.objects.filter(organisation=organisation).order_by("name", "pk"))  # query: its teams
    memberships = defaultdict(list)
    for m in Membership.objects.filter(team__organisation=organisation).select_related("user").order_by(
            "user__email", "pk"):  # query: everyone in its teams, with their roles
        memberships[m.team_id].append({**_person(m.user), "roles": [role.value for role in m.roles],
                                       "joined": m.joined_at})
    admins = [_person(user) for user in organisation.admins.order_by("email")]  # query: its admins
    tags = [{"name": tag.name} for tag in OrganisationTag.objects.filter(organisation=organisation)]  # query: tags

    goals = list(OrganisationGoal.objects.filter(organisation=organisation).select_related("owner").prefetch_related(
        # queries: its goals with owners, their key results, the key results' readings with who recorded them
        Prefetch("key_results", queryset=OrganisationKeyResult.objects.order_by("position", "pk")),
        Prefetch("key_results__readings", queryset=OrganisationKeyResultReading.objects
                 .select_related("recorded_by").order_by("recorded_at", "pk"))))
    organisation_goals = [{
        "objective": g.objective, "purpose_part": g.purpose_part, "owner": _person(g.owner),
        "created": g.created_at, "closed": g.closed_at,
        "key_results": [{
            "metric": kr.metric, "unit": kr.unit, "start": kr.start_value, "target": kr.target_value,
            "current": kr.current_value, "confidence": kr.confidence,
            "readings": [{"value": r.value, "confidence": r.confidence, "note": r.note, "recorded": r.recorded_at,
                          "recorded_by": _person(r.recorded_by)} for r in kr.readings.all()],
        } for kr in g.key_results.all()],
    } for g in goals]

    readable = Charter.objects.filter(team__organisation=organisation).readable(in_team=False)
    charters = list(readable.order_by("team_id", "number"))  # query: the versions the organisation reads
    items = defaultdict(lambda: defaultdict(list))
    for item in NonNegotiable.objects.filter(charter__in=readable):  # query: their non-negotiables
        items[item.charter_id]["non_negotiables"].append(
            {"title": item.title, "standard": item.standard, "why": item.why})
    for item in with_tag_list(Boundary.objects.filter(charter__in=readable)):  # query: boundaries with tags
        items[item.charter_id]["boundaries"].append({"area": item.area, "label": item.label, "set_by": item.set_by,
                                                     "guardrails": item.guardrails, "tags": item.tag_names})
    key_results = defaultdict(list)
    for kr in KeyResult.objects.filter(goal__charter__in=readable):  # query: their key results
        key_results[kr.goal_id].append({
            "id": kr.external_id, "lineage": kr.lineage_key, "metric": kr.metric, "unit": kr.unit,
            "start": kr.start_value, "target": kr.target_value, "current": kr.current_value,
            "confidence": kr.confidence})
    for goal in Goal.objects.filter(charter__in=readable).select_related(  # query: their goals
            "owner", "contributes_to"):
        items[goal.charter_id]["goals"].append({
            "id": goal.external_id, "objective": goal.objective, "purpose_part": goal.purpose_part,
            "tradeoff": goal.tradeoff, "owner": _person(goal.owner),
            "contributes_to": goal.contributes_to.objective if goal.contributes_to else None,
            "key_results": key_results[goal.pk]})
    versions = defaultdict(list)
    for charter in charters:
        versions[charter.team_id].append({
            "version": charter.number, "state": charter.state, "ratified": charter.ratified_at,
            "superseded": charter.superseded_at, "review_by": charter.review_on,
            "purpose": {"statement": charter.purpose_statement, "serves": charter.purpose_serves,
                        "outcome": charter.purpose_outcome, "refuses": charter.purpose_refuses},
            "people": charter.people, "process": charter.process, "amendment_note": charter.amendment_note,
            "non_negotiables": items[charter.pk]["non_negotiables"], "boundaries": items[charter.pk]["boundaries"],
            "goals": items[charter.pk]["goals"]})

    readings = defaultdict(list)
    for r in (KeyResultProgress.objects.filter(key_result__goal__charter__in=readable)  # query: their history
              .select_related("recorded_by").annotate(team_ref=F("key_result__goal__charter__team_id"),
                                                      key_result_ref=F("key_result__external_id"))
              .order_by("recorded_at", "pk")):
        readings[r.team_ref].append({
            "key_result": r.key_result_ref, "lineage": r.lineage_id, "value": r.value, "confidence": r.confidence,
            "note": r.note, "recorded": r.recorded_at, "recorded_by": _person(r.recorded_by), "source": r.source,
            "id": r.external_id})

    decisions = defaultdict(list)
    for d in (Decision.objects.filter(team__organisation=organisation)  # query: every team's decision log
              .select_related("logged_by", "decided_by", "goal", "key_result").order_by("logged_at", "pk")):
        decisions[d.team_id].append({
            "proposal": d.title, "description": d.description, "effect_on_purpose": d.purpose_effect,
            "effect_on_metrics": d.metric_effect, "verdict": d.verdict, "final_decision": d.outcome,
            "reason": d.outcome_reason, "goal": d.goal.objective if d.goal else None,
            "key_result_dented": d.key_result.metric if d.key_result else None,
            "how_much": d.investment_amount, "for_how_long": d.investment_until, "review_by": d.review_on,
            "logged": d.logged_at, "logged_by": _person(d.logged_by), "decided": d.decided_at,
            "decided_by": _person(d.decided_by)})
    cycles = defaultdict(list)
    charter_numbers = {c.pk: c.number for c in charters}
    for cycle in ReviewCycle.objects.filter(team__organisation=organisation).order_by("number"):  # query: cycles
        cycles[cycle.team_id].append({
            "number": cycle.number, "starts": cycle.start_date, "ends": cycle.end_date, "state": cycle.state,
            "planned_to_end": cycle.planned_end_date, "closed": cycle.closed_at, "summary": cycle.summary,
            "charter_version": charter_numbers.get(cycle.charter_id)})

    return {
        "format": FORMAT, "version": VERSION, "made": now,
        "organisation": {"name": organisation.name, "slug": organisation.slug,
                         "purpose": {"serves": organisation.purpose_serves, "outcome": organisation.purpose,
                                     "refuses": organisation.purpose_refuses}},
        "admins": admins, "tags": tags, "goals": organisation_goals,
        "teams": [{
            "name": team.name, "slug": team.slug, "time_zone": team.time_zone,
            "archived": team.archived_at, "people": memberships[team.pk],
            "charter_versions": versions[team.pk], "key_result_history": readings[team.pk],
            "decisions": decisions[team.pk], "review_cycles": cycles[team.pk],
        } for team in teams],
    }

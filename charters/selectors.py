"""Read-only queries for charters: a whole charter in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from charters.models import Boundary, Charter, Comment, Goal, KeyResult, NonNegotiable, Response


@dataclass
class CharterContent:
    """A charter with its lists loaded, so that templates and checks issue no queries."""

    charter: Charter
    non_negotiables: list[NonNegotiable] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)

    @property
    def key_results(self) -> list[KeyResult]:
        return [kr for goal in self.goals for kr in goal.key_results_list]


def load_content(charter: Charter) -> CharterContent:
    """Non-negotiables, boundaries, goals (with owners) and their key results: 4 queries."""
    goals = list(
        Goal.objects.filter(charter=charter)
        .select_related("owner")
        .prefetch_related(Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "pk"),
                                   to_attr="key_results_list"))
    )
    return CharterContent(
        charter=charter,
        non_negotiables=list(NonNegotiable.objects.filter(charter=charter)),
        boundaries=list(Boundary.objects.filter(charter=charter)),
        goals=goals,
    )


def versions_in_force(team) -> tuple[Charter | None, Charter | None]:
    """The active (ratified) version and the working copy (draft or proposed), either may be None: 1 query."""
    charters = list(Charter.objects.filter(team=team, state__in=[*Charter.EDITABLE_STATES, Charter.State.RATIFIED]))
    active = next((c for c in charters if c.state == Charter.State.RATIFIED), None)
    working = next((c for c in charters if c.is_editable), None)
    return active, working


def working_charter(team) -> Charter | None:
    """The draft or proposed charter if there is one, else the active (ratified) one."""
    active, working = versions_in_force(team)
    return working or active


def active_charter(team) -> Charter | None:
    return Charter.objects.filter(team=team, state=Charter.State.RATIFIED).first()


def comment_threads(charter: Charter) -> dict[str, list[Comment]]:
    """Top-level comments per section, each with `.replies_list`: 1 query."""
    comments = list(Comment.objects.filter(charter=charter).select_related("author", "resolved_by"))
    threads: dict[str, list[Comment]] = {}
    by_id = {c.pk: c for c in comments}
    for comment in comments:
        comment.replies_list = []
    for comment in comments:
        if comment.parent_id and comment.parent_id in by_id:
            by_id[comment.parent_id].replies_list.append(comment)
        else:
            threads.setdefault(comment.section, []).append(comment)
    return threads


@dataclass
class ConsentPicture:
    """Who consented, who objected and who has not answered yet."""

    responses: list[Response]
    waiting_for: list  # memberships expected to respond that have not

    @property
    def consents(self) -> list[Response]:
        return [r for r in self.responses if r.kind == Response.Kind.CONSENT]

    @property
    def objections(self) -> list[Response]:
        return [r for r in self.responses if r.kind == Response.Kind.OBJECTION]

    @property
    def open_objections(self) -> list[Response]:
        return [r for r in self.responses if r.is_open_objection]


def consent_picture(charter: Charter, members: list) -> ConsentPicture:
    """Responses (1 query) matched against the team's members already loaded by the caller."""
    responses = list(charter.responses.select_related("member", "answered_by"))
    responded = {r.member_id for r in responses}
    waiting = [m for m in members if (m.is_member or m.is_facilitator) and m.user_id not in responded]
    return ConsentPicture(responses=responses, waiting_for=waiting)

"""Who hears of what happens to a charter: a proposal, an objection and its answer, a ratification.

Each is told through `alignment.notifications` inside the event's transaction, so it appears and its
email is queued only if the event commits, and a retry or a race tells nobody twice (the keys name the
occurrence: a proposal taken back and proposed again is a new one, and so is a changed objection).
The kinds are registered in `charters/apps.py`.
"""

from __future__ import annotations

from django.urls import reverse

from alignment.permissions import Capability
from charters.models import Charter, Response
from notifications import services as notifications

PROPOSED = "charter_proposed"  # for the people whose consent is asked
OBJECTION = "charter_objection"  # for the leaders, who answer it
OBJECTION_ANSWERED = "objection_answered"  # for the objector
RATIFIED = "charter_ratified"  # for everyone in the team

KINDS = (
    (PROPOSED, "Charters proposed for your consent",
     "A leader puts a charter or an amendment to the team: read it, consent or object."),
    (OBJECTION, "Objections raised", "For leaders: someone objects to a proposed charter and awaits your answer."),
    (OBJECTION_ANSWERED, "Answers to your objections", "A leader answered an objection you raised."),
    (RATIFIED, "Charters ratified", "A new version of your team's charter is in force."),
)


def _stamp(moment) -> str:
    return f"{moment.timestamp():.6f}"


def _charter_url(charter: Charter) -> str:
    team = charter.team
    return reverse("charters:version", args=[team.organisation.slug, team.slug, charter.number])


def tell_proposed(charter: Charter, *, actor) -> None:
    team = charter.team
    what = "an amendment to the charter" if charter.number > 1 else "the team's charter"
    closes = f" Responses close on {charter.responses_close_on:%-d %B %Y}." if charter.responses_close_on else ""
    notifications.tell_team(
        team, Capability.RESPOND_TO_CHARTER, besides=actor, kind=PROPOSED,
        key=f"proposed:{charter.pk}:{_stamp(charter.proposed_at)}",
        subject=f"{team.name}: {actor.name} proposes {what} (version {charter.number})",
        body=f"Read it and give your word: consent, or object with a reason.{closes}", url=_charter_url(charter))


def tell_objection(response: Response) -> None:
    charter = response.charter
    notifications.tell_team(
        charter.team, Capability.STEWARD_CHARTER, besides=response.member, kind=OBJECTION,
        key=f"objection:{response.pk}:{_stamp(response.updated_at)}",
        subject=f"{charter.team.name}: {response.member.name} objects to version {charter.number}",
        body=response.reason, url=_charter_url(charter) + "#consent")


def tell_answered(response: Response) -> None:
    charter = response.charter
    notifications.deliver(
        recipient=response.member, kind=OBJECTION_ANSWERED, key=f"answer:{response.pk}:{_stamp(response.answered_at)}",
        subject=f"{charter.team.name}: {response.answered_by.name} answered your objection "
                f"({response.get_answer_display().lower()})",
        body=response.answer_text, url=_charter_url(charter) + "#consent")


def tell_ratified(charter: Charter, *, actor, memberships: list) -> None:
    """`memberships`: the team's, with their people (ratifying loaded them to find consent gaps)."""
    team = charter.team
    notifications.tell_team(
        team, Capability.READ_TEAM, besides=actor, memberships=memberships, kind=RATIFIED, key=f"ratified:{charter.pk}",
        subject=f"{team.name}: version {charter.number} of the charter is ratified",
        body=f"{actor.name if actor else 'The team'} ratified it: it is the charter in force from now on, "
             "the rule for the team's decisions.", url=_charter_url(charter))

"""Who hears of what happens to a charter: a proposal, an objection and its answer, a ratification; and
around the end of a consent round: reminders to whoever's word is missing, a change after someone consented
(with "since you responded"), a round that could not close by itself, comments, an objection resolved.

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
CONSENT_REMINDER = "charter_consent_reminder"  # for those whose word is missing, before the round closes
RECONSENT = "charter_reconsent"  # for a member whose consent was given to an earlier text
ROUND_CLOSED = "charter_round_closed"  # for the leaders: the closing date passed and something blocks ratifying
COMMENTED = "charter_commented"  # for the leaders: someone commented on the working charter
OBJECTION_RESOLVED = "objection_resolved"  # for the leaders: the objector says the amendment resolves it
REMINDERS = frozenset({CONSENT_REMINDER})  # snoozed with reminders, held in quiet hours

KINDS = (
    (PROPOSED, "Charters proposed for your consent",
     "A leader puts a charter or an amendment to the team: read it, consent or object."),
    (OBJECTION, "Objections raised", "For leaders: someone objects to a proposed charter and awaits your answer."),
    (OBJECTION_ANSWERED, "Answers to your objections", "A leader answered an objection you raised."),
    (RATIFIED, "Charters ratified", "A new version of your team's charter is in force."),
    (CONSENT_REMINDER, "Reminders to give your word on a charter",
     "Two days before a consent round closes, on its last day, and when a leader asks: your word is missing."),
    (RECONSENT, "Charters changed after you consented",
     "The charter you consented to changed: see what changed since you responded, and confirm or change your word."),
    (ROUND_CLOSED, "Consent rounds that could not close",
     "For leaders: a charter's closing date passed, but something blocks ratifying it."),
    (COMMENTED, "Comments on the working charter", "For leaders: someone commented on a draft or proposed charter."),
    (OBJECTION_RESOLVED, "Objections resolved by an amendment",
     "For leaders: an objector says your amendment resolves their objection."),
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
        body=(f"{actor.name} ratified it" if actor else
              "Responses closed with every objection answered and everyone's word given, so it was ratified")
        + ": it is the charter in force from now on, the rule for the team's decisions.", url=_charter_url(charter))


def since_responded_url(charter: Charter) -> str:
    """Where a member sees what changed in the text since they responded (their own response's text)."""
    team = charter.team
    return reverse("charters:since_responded", args=[team.organisation.slug, team.slug, charter.number])


def tell_reconsent(charter: Charter, responses: list[Response], *, now=None) -> None:
    """Ask each member whose consent was given to an earlier text to read what changed and confirm their word.

    Once per response: the key names the text they consented to, so further edits tell them nothing more
    until they respond again (and a new change after that asks again).
    """
    team = charter.team
    url = since_responded_url(charter)
    notifications.deliver_many([notifications.Message(
        response.member, RECONSENT, f"reconsent:{response.pk}:{response.revision}",
        subject=f"{team.name}: the charter changed after you consented (version {charter.number})",
        body="You consented to an earlier text of the proposed charter. The changes since you responded are "
             "marked on the page this link opens: read them, then confirm your consent or change your response."
             + _closing(charter), url=url) for response in responses], now=now)


def _closing(charter: Charter) -> str:
    return f"\n\nResponses close on {charter.responses_close_on:%A %-d %B}." if charter.responses_close_on else ""


GAP_WORDS = {  # ConsentGap.Kind → what the person is asked for
    "no_response": "You have not given your word yet: read it, then consent or object with a reason.",
    "earlier_text": "You responded to an earlier text, and it changed since: read what changed, then confirm or "
                    "change your response.",
    "amended_objection": "The leader amended the charter to answer your objection: say whether the amendment "
                         "resolves it.",
}


def reminder_key(charter: Charter, day) -> str:
    """One reminder a day per round, whoever sends it: the scheduler before the closing date, or a leader."""
    return f"consent-reminder:{charter.pk}:{_stamp(charter.proposed_at)}:{day:%Y-%m-%d}"


def tell_consent_reminder(charter: Charter, gaps: list, *, key: str, asked_by=None, now=None) -> list:
    """Remind each person whose word on the text is missing (`selectors.Gap`s), once per `key` (`reminder_key`:
    the round and the team's day). Returns the deliveries made: none for whoever was reminded already."""
    team = charter.team
    url = _charter_url(charter) + "#consent"
    if charter.responses_close_on:
        subject = f"{team.name}: your word on version {charter.number} of the charter is due " \
                  f"{charter.responses_close_on:%A %-d %B}"
    else:
        subject = f"{team.name}: your word on version {charter.number} of the charter is missing"
    who = f"{asked_by.name} asks everyone whose word is missing to give it. " if asked_by else ""
    messages = []
    for gap in gaps:
        link = since_responded_url(charter) if gap.kind == "earlier_text" else url
        messages.append(notifications.Message(gap.member, CONSENT_REMINDER, key, subject=subject,
                                              body=who + GAP_WORDS[gap.kind] + _closing(charter), url=link))
    return notifications.deliver_many(messages, now=now)


def tell_round_blocked(charter: Charter, *, open_objections: list[Response], gaps: list, quorum=None,
                       now=None) -> None:
    """The closing date passed but the charter could not be ratified: tell the leaders what blocks it, once
    per round (the key names the proposal and its closing date). `quorum` (`selectors.Quorum`) when it is
    not met: then no confirmation ratifies it until more people respond."""
    team = charter.team
    lines = [f"Responses closed on {charter.responses_close_on:%A %-d %B}, but version {charter.number} could "
             "not be ratified by itself. What blocks it:"]
    if quorum is not None:
        lines.append(f"- The quorum is not met: {quorum.needed} of {quorum.eligible} people must respond "
                     f"({quorum.percent}%) and {quorum.responded} have. {quorum.missing} more "
                     f"response{'' if quorum.missing == 1 else 's'} needed before anyone can ratify it; remind "
                     "them, or change the quorum.")
    for response in open_objections:
        lines.append(f"- {response.member.name} objects, and awaits your answer.")
    for gap in gaps:
        lines.append(f"- {gap.member.name} {gap.kind.label}.")
    lines.append("\nAnswer the objections, or ratify knowingly while some word is missing: the record will say "
                 "who had not given it.")
    notifications.tell_team(
        team, Capability.STEWARD_CHARTER, kind=ROUND_CLOSED,
        key=f"round-closed:{charter.pk}:{_stamp(charter.proposed_at)}:{charter.responses_close_on:%Y-%m-%d}",
        subject=f"{team.name}: version {charter.number} of the charter was not ratified on its closing date",
        body="\n".join(lines), url=_charter_url(charter) + "#consent", now=now)


def tell_commented(comment) -> None:
    """Tell the leaders (but the author) that someone commented on a draft or proposed charter, once."""
    charter = comment.charter
    team = charter.team
    what = "replied on" if comment.parent_id else "commented on"
    notifications.tell_team(
        team, Capability.STEWARD_CHARTER, besides=comment.author, kind=COMMENTED, key=f"comment:{comment.pk}",
        subject=f"{team.name}: {comment.author.name} {what} {comment.get_section_display()} "
                f"(version {charter.number})",
        body=comment.body, url=_charter_url(charter) + f"#comment-{comment.pk}")


def tell_objection_resolved(response: Response) -> None:
    """Tell the leaders that the objector says the amendment resolves their objection (now a consent)."""
    charter = response.charter
    notifications.tell_team(
        charter.team, Capability.STEWARD_CHARTER, besides=response.member, kind=OBJECTION_RESOLVED,
        key=f"resolved:{response.pk}:{_stamp(response.updated_at)}",
        subject=f"{charter.team.name}: {response.member.name} says your amendment resolves their objection",
        body=f"Their objection was: {response.reason}\n\nIt now counts as consent to version {charter.number}.",
        url=_charter_url(charter) + "#consent")

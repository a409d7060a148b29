"""Who hears of what happens to a request between teams; every notice links to the ask's page.

- the receiving team's leaders, when an ask arrives or is withdrawn (`ASK_RECEIVED`), and when the asker
  adds consultation input (`ASK_COMMENT`);
- the asker, when the receiving team answers, or the final call on its decision is made (`ASK_ANSWERED`), and
  when someone of the receiving team adds to the thread (`ASK_COMMENT`);
- the receiving team's leaders again the day before a consultation is due (`ASK_DUE`, `asks/reminders.py`).

Each is told inside the event's transaction through `notifications.services`, keyed by the occurrence, so
it appears (and its e-mail is queued) only if the event commits, and a retry or a race tells nobody twice.
The kinds are registered in `asks/apps.py`.
"""

from __future__ import annotations

from alignment.permissions import Capability
from asks.models import Ask, AskComment
from notifications import services as notifications

ASK_RECEIVED = "ask_received"
ASK_ANSWERED = "ask_answered"
ASK_COMMENT = "ask_comment"
ASK_DUE = "ask_consult_due"

KINDS = (
    (ASK_RECEIVED, "Requests to your team",
     "For leaders: another team asks yours for something, or withdraws what it asked.", notifications.LEADER, False),
    (ASK_ANSWERED, "Answers to your requests",
     "The team you asked answered, with its words.", notifications.ANYONE, False),
    (ASK_COMMENT, "Consultation on requests",
     "Input added to a request you made, or to one made to your team.", notifications.ANYONE, False),
    (ASK_DUE, "Consultations coming due",
     "For leaders: the day before a request your team consults on is due.", notifications.LEADER, True),
)


def _who(ask: Ask) -> str:
    return ask.asked_by.name if ask.asked_by else "Someone"


def tell_received(ask: Ask) -> None:
    team = ask.receiving_team
    notifications.tell_team(
        team, Capability.RECORD_OUTCOME, kind=ASK_RECEIVED, key=f"ask:{ask.pk}:received",
        subject=f"{team.name}: {_who(ask)} of {ask.asking_team.name} asks “{ask.title}”",
        body=f"{ask.route_in_words}\n\n{ask.body}".strip(), url=ask.get_absolute_url())


def tell_withdrawn(ask: Ask) -> None:
    team = ask.receiving_team
    notifications.tell_team(
        team, Capability.RECORD_OUTCOME, kind=ASK_RECEIVED, key=f"ask:{ask.pk}:withdrawn",
        subject=f"{team.name}: {_who(ask)} withdrew the request “{ask.title}”",
        body="Nothing more is asked of the team.", url=ask.get_absolute_url())


def tell_answered(ask: Ask) -> None:
    """The asker hears the outcome in the answer's words, once per answer (the key names the ask's version)."""
    if ask.asked_by is None:
        return
    notifications.deliver(
        recipient=ask.asked_by, kind=ASK_ANSWERED, key=f"ask:{ask.pk}:answered:{ask.version}",
        subject=f"{ask.receiving_team.name}: {ask.get_state_display().lower()} — “{ask.title}”",
        body=ask.answer, url=ask.get_absolute_url())


def tell_commented(comment: AskComment, *, memberships_of_receiving: list) -> None:
    """The asker's input goes to the receiving team's leaders; the receiving side's words go to the asker."""
    ask = comment.ask
    subject = f"{ask.receiving_team.name}: {comment.author.name} on “{ask.title}”"
    url = comment.get_absolute_url()
    key = f"ask-comment:{comment.pk}"
    from_receiving_team = any(m.user_id == comment.author_id for m in memberships_of_receiving)
    if from_receiving_team:
        if ask.asked_by is not None and ask.asked_by_id != comment.author_id:
            notifications.deliver(recipient=ask.asked_by, kind=ASK_COMMENT, key=key, subject=subject,
                                  body=comment.body, url=url)
        return
    notifications.tell_team(ask.receiving_team, Capability.RECORD_OUTCOME, besides=comment.author,
                            memberships=memberships_of_receiving, kind=ASK_COMMENT, key=key, subject=subject,
                            body=comment.body, url=url)


def due_key(ask: Ask) -> str:
    return f"ask:{ask.pk}:due-{ask.due_on.isoformat()}"


def due_message(ask: Ask, recipient) -> notifications.Message:
    return notifications.Message(
        recipient, ASK_DUE, due_key(ask),
        subject=f"{ask.receiving_team.name}: decide “{ask.title}” by {ask.due_on:%A %-d %B}",
        body=(f"{_who(ask)} of {ask.asking_team.name} asked, and your team decides after consulting them. "
              "Read their input, then record the team's answer."),
        url=ask.get_absolute_url())

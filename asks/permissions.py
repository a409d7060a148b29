"""Who may ask, read, answer, comment on and withdraw requests between teams: asked by views, selectors and templates.

- anyone in a team of an organisation may ask another team of it, from one of their own teams at work
  (never a team they are in: that is the team's own business, not a request);
- both teams' people read the ask; everyone else in the organisation, and strangers, get 404;
- the receiving team's leaders answer it (`Capability.RECORD_OUTCOME`: they make the team's final calls).
  A *fixed* boundary's owner is named in free text, so its leaders pass the ask on and record the owner's
  answer; a *team decides* ask is answered by the final call on its decision, in the decision log;
- whoever reads an open ask adds input to its thread (the consultation); the asker withdraws it;
- nothing changes on an ask while either team is archived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from alignment.models import Membership
from alignment.permissions import Capability, TeamAccess, capabilities_of
from asks.models import Ask

NOT_FROM_YOUR_OWN = "You are in {team}: raise it inside the team. Requests are for other teams."
NO_TEAM_TO_ASK_FROM = "Requests are made from a team: join one of {organisation}'s teams first."
ONLY_LEADERS_ANSWER = "Only {team}'s leaders answer requests to it."


def asking_teams(user, organisation, *, memberships: list[Membership]) -> list:
    """The person's teams at work in `organisation`, from which they may ask (no query: memberships loaded)."""
    return sorted((m.team for m in memberships
                   if m.team.organisation_id == organisation.pk and not m.team.is_archived),
                  key=lambda team: team.name)


def require_may_ask(access: TeamAccess) -> list:
    """The teams the reader may ask `access.team` from; 403 in words when none (404 came before, outside it)."""
    team = access.team
    if access.in_team:
        raise PermissionDenied(NOT_FROM_YOUR_OWN.format(team=team.name))
    teams = asking_teams(access.user, team.organisation, memberships=list(access.memberships_of_user or ()))
    if not teams:
        raise PermissionDenied(NO_TEAM_TO_ASK_FROM.format(organisation=team.organisation.name))
    return teams


@dataclass(frozen=True)
class AskAccess:
    """An ask and the reader's memberships of its two teams (None where they are not in it)."""

    ask: Ask
    user: Any
    asking: Membership | None
    receiving: Membership | None

    @property
    def _either_archived(self) -> bool:
        return self.ask.asking_team.is_archived or self.ask.receiving_team.is_archived

    @property
    def may_read(self) -> bool:
        return self.asking is not None or self.receiving is not None

    @property
    def is_asker(self) -> bool:
        return self.ask.asked_by_id == self.user.pk

    @property
    def may_answer(self) -> bool:
        """A leader of the receiving team, on an open ask that is not the decision log's."""
        return (self.ask.is_open and not self.ask.goes_to_decision_log and not self._either_archived
                and self.holds_answering_role)

    @property
    def holds_answering_role(self) -> bool:
        return Capability.RECORD_OUTCOME in capabilities_of(self.receiving)

    @property
    def may_comment(self) -> bool:
        return self.may_read and self.ask.is_open and not self._either_archived

    @property
    def may_withdraw(self) -> bool:
        return self.is_asker and self.asking is not None and self.ask.is_open and not self._either_archived

    @property
    def may_read_decision(self) -> bool:
        """The decision log is the receiving team's own: its people follow the link, the asker reads the verdict."""
        return self.receiving is not None and self.ask.decision_id is not None

    def require_answer(self) -> AskAccess:
        """403 for a reader who does not answer requests to the team (the view refuses a closed ask in words)."""
        if not self.holds_answering_role:
            raise PermissionDenied(ONLY_LEADERS_ANSWER.format(team=self.ask.receiving_team.name))
        return self


def ask_access(user, ask: Ask, *, memberships: list[Membership]) -> AskAccess:
    """The reader's access to `ask` (teams loaded) from their memberships (no query); 404 unless they read it."""
    by_team = {m.team_id: m for m in memberships}
    access = AskAccess(ask=ask, user=user, asking=by_team.get(ask.asking_team_id),
                       receiving=by_team.get(ask.receiving_team_id))
    if not access.may_read:
        raise Http404("No such request")
    return access


def answers_asks(access: TeamAccess) -> bool:
    """Whether the person answers requests to this team (My week lists them what waits)."""
    return access.can(Capability.RECORD_OUTCOME)


def reads_asks(access: TeamAccess) -> bool:
    """The team's requests, sent and received, are its people's to read."""
    return access.can(Capability.READ_TEAM)

"""Who may import what and export what: the core's capabilities and the check-ins' own rules, asked, never re-derived.

- Importing writes what the reader could write by hand: goals and key results into the charter's working
  copy (`STEWARD_CHARTER`), key-result history beside the version in force (`RECORD_PROGRESS`), and
  check-in history in the names of the team's people (`MANAGE_TEAM`: the leaders' alone, since it writes
  other people's check-ins). The import page is the team's stewards'.
- Exporting gives what the reader can read on the pages: the decision log (`READ_SUMMARY`, so an
  organisation admin outside the team too), key-result history (the trends page) and commitments
  (`READ_TEAM`), and the check-ins `checkins.permissions.may_read_checkin` lets them read, one by one.
- The whole organisation's export is its admins' (`alignment.permissions.require_organisation_admin`).
"""

from __future__ import annotations

from dataclasses import dataclass

from alignment.permissions import Capability, TeamAccess
from checkins import permissions as checkin_permissions
from transfer.formats import ImportKind

IMPORT_PAGE = Capability.STEWARD_CHARTER
IMPORT_NEEDS: dict[str, Capability] = {
    ImportKind.GOALS: Capability.STEWARD_CHARTER,
    ImportKind.KEY_RESULT_HISTORY: Capability.RECORD_PROGRESS,
    ImportKind.CHECKINS: Capability.MANAGE_TEAM,
}
EXPORT_PAGE = Capability.READ_SUMMARY
DECISIONS = Capability.READ_SUMMARY
KEY_RESULT_HISTORY = Capability.READ_TEAM
COMMITMENTS = Capability.READ_TEAM
CHECKINS = Capability.READ_TEAM


def import_kinds(access: TeamAccess) -> list[tuple[str, str]]:
    """The kinds of file this reader may import, as (value, label) choices."""
    return [(kind.value, kind.label) for kind in ImportKind if access.can(IMPORT_NEEDS[kind])]


def require_import(access: TeamAccess, kind: str) -> None:
    access.require(IMPORT_NEEDS[ImportKind(kind)])


def may_export_checkin(access: TeamAccess, checkin) -> bool:
    """One check-in goes into the reader's export when they may read it on its page."""
    return checkin_permissions.may_read_checkin(access, checkin)


@dataclass(frozen=True)
class Exports:
    """What the export page offers this reader."""

    decisions: bool
    key_result_history: bool
    commitments: bool
    checkins: bool
    every_checkin: bool  # every submitted check-in of the team, not only their own
    may_import: bool

    @property
    def team_only(self) -> bool:
        """Something besides the decision log: what only the team's people read."""
        return self.key_result_history or self.commitments or self.checkins


def exports_for(access: TeamAccess) -> Exports:
    return Exports(
        decisions=access.can(DECISIONS), key_result_history=access.can(KEY_RESULT_HISTORY),
        commitments=access.can(COMMITMENTS), checkins=access.can(CHECKINS),
        every_checkin=access.can(CHECKINS) and checkin_permissions.may_read_checkins(access),
        may_import=access.can(IMPORT_PAGE),
    )

"""What the import page and the core's pages show of imports and exports."""

from __future__ import annotations

from dataclasses import dataclass

from transfer import permissions, plans
from transfer.models import SpreadsheetImport

RECENT_IMPORTS = 10


@dataclass(frozen=True)
class RecentImport:
    file_name: str
    kind: str
    by: str
    at: object
    what_it_did: str


def recent_imports(team) -> list[RecentImport]:
    """The team's latest confirmed imports, newest first (1 query)."""
    found = (SpreadsheetImport.objects.filter(team=team, applied_at__isnull=False).select_related("uploaded_by")
             .defer("rows").order_by("-applied_at", "-pk")[:RECENT_IMPORTS])
    return [RecentImport(file_name=item.file_name, kind=item.get_kind_display(), by=item.uploaded_by.name,
                         at=item.applied_at, what_it_did=plans.summary(item.outcome)) for item in found]


def team_panel(request, access) -> permissions.Exports | None:
    """The team page's "Import and export" card: what the reader may take out and bring in (no query)."""
    exports = permissions.exports_for(access)
    return exports if exports.decisions else None

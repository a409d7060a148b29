from django.contrib import admin

from transfer.models import OrganisationExport, SpreadsheetImport


@admin.register(SpreadsheetImport)
class SpreadsheetImportAdmin(admin.ModelAdmin):
    """What was imported where, and what it did; never the rows (they may hold people's words)."""

    list_display = ["file_name", "kind", "team", "uploaded_by", "uploaded_at", "applied_at"]
    list_filter = ["kind"]
    search_fields = ["file_name", "team__name"]
    fields = ["team", "kind", "file_name", "uploaded_by", "uploaded_at", "applied_at", "outcome"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OrganisationExport)
class OrganisationExportAdmin(admin.ModelAdmin):
    """Who asked for which organisation's export and where it stands; the file itself is not shown."""

    list_display = ["organisation", "requested_by", "state", "created_at", "ready_at", "expires_at", "downloaded_at"]
    list_filter = ["state"]
    search_fields = ["organisation__name", "requested_by__email"]
    fields = ["organisation", "requested_by", "state", "created_at", "ready_at", "expires_at", "archive_size",
              "build_attempts", "downloaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

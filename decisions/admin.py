from django.contrib import admin

from decisions.models import Decision, DecisionOutcome


class DecisionOutcomeInline(admin.TabularInline):
    """The history of the final call, read-only: it is a record, changed only by a new call."""

    model = DecisionOutcome
    fields = ["decided_at", "outcome", "decided_by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "verdict", "outcome", "logged_at", "review_on"]
    list_filter = ["verdict", "outcome", "team__organisation"]
    search_fields = ["title", "description", "outcome_reason"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "charter", "goal", "key_result", "logged_by", "decided_by"]
    readonly_fields = ["verdict", "version", "idempotency_key", "reviewed_at", "reviewed_by"]
    inlines = [DecisionOutcomeInline]

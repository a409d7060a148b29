from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from charters.models import Boundary, Charter, Comment, Decision, Goal, KeyResult, NonNegotiable, Response


class NonNegotiableInline(admin.StackedInline):
    model = NonNegotiable
    fields = ["position", "title", "standard", "why"]
    extra = 0


class BoundaryInline(admin.TabularInline):
    model = Boundary
    fields = ["position", "area", "label", "set_by"]
    extra = 0


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["position", "objective", "purpose_part", "owner", "cycle"]
    raw_id_fields = ["owner", "cycle"]
    extra = 0
    show_change_link = True


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ["team", "number", "state", "purpose_statement", "ratified_at"]
    list_filter = ["state", "team__organisation"]
    search_fields = ["team__name", "purpose_statement", "purpose_serves", "purpose_outcome", "purpose_refuses"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "based_on", "created_by", "ratified_by"]
    readonly_fields = ["proposed_at", "edited_at", "ratified_at", "superseded_at"]
    fieldsets = [
        (None, {"fields": ["team", "number", "state", "based_on", "amendment_note"]}),
        (_("Purpose"), {"fields": ["purpose_statement", "purpose_serves", "purpose_outcome", "purpose_refuses"]}),
        (_("People and process"), {"fields": ["people", "process"]}),
        (_("History"), {"fields": ["created_by", "proposed_at", "edited_at", "ratified_at", "ratified_by",
                                   "superseded_at"]}),
    ]
    inlines = [NonNegotiableInline, BoundaryInline, GoalInline]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    fields = ["position", "metric", "unit", "start_value", "target_value", "current_value", "confidence"]
    extra = 0


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["objective", "charter", "purpose_part", "owner", "cycle"]
    list_filter = ["purpose_part", "charter__team__organisation"]
    search_fields = ["objective", "tradeoff", "charter__team__name"]
    list_select_related = ["charter__team", "owner", "cycle"]
    raw_id_fields = ["charter", "owner", "cycle", "origin"]
    inlines = [KeyResultInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["charter", "section", "author", "created_at", "resolved_at"]
    list_filter = ["section"]
    search_fields = ["body", "author__email"]
    list_select_related = ["charter__team", "author"]
    raw_id_fields = ["charter", "parent", "author", "resolved_by"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["charter", "member", "kind", "answer", "updated_at"]
    list_filter = ["kind", "answer"]
    search_fields = ["member__email", "reason", "answer_text"]
    list_select_related = ["charter__team", "member"]
    raw_id_fields = ["charter", "member", "answered_by"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "verdict", "outcome", "logged_at"]
    list_filter = ["verdict", "outcome", "team__organisation"]
    search_fields = ["title", "description", "outcome_reason"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "charter", "goal", "key_result", "logged_by", "decided_by"]
    readonly_fields = ["verdict"]

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from charters.models import (
    Boundary,
    Charter,
    Comment,
    Goal,
    KeyResult,
    KeyResultProgress,
    NonNegotiable,
    Response,
    Section,
)


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
    fields = ["position", "objective", "purpose_part", "owner"]
    raw_id_fields = ["owner"]
    extra = 0
    show_change_link = True


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ["team", "number", "state", "purpose_statement", "ratified_at"]
    list_filter = ["state", "team__organisation"]
    search_fields = ["team__name", *Charter.TEXT_SECTIONS[Section.PURPOSE]]
    list_select_related = ["team"]
    raw_id_fields = ["team", "based_on", "created_by", "ratified_by"]
    readonly_fields = ["revision", "proposed_at", "edited_at", "ratified_at", "superseded_at"]
    fieldsets = [
        (None, {"fields": ["team", "number", "state", "based_on", "amendment_note"]}),
        (_("Purpose"), {"fields": Charter.TEXT_SECTIONS[Section.PURPOSE]}),
        (_("People and process"), {"fields": [*Charter.TEXT_SECTIONS[Section.PEOPLE],
                                              *Charter.TEXT_SECTIONS[Section.PROCESS]]}),
        (_("History"), {"fields": ["revision", "created_by", "proposed_at", "edited_at", "ratified_at", "ratified_by",
                                   "superseded_at"]}),
    ]
    inlines = [NonNegotiableInline, BoundaryInline, GoalInline]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    fields = ["position", "metric", "unit", "start_value", "target_value", "current_value", "confidence"]
    extra = 0


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["objective", "charter", "purpose_part", "owner"]
    list_filter = ["purpose_part", "charter__team__organisation"]
    search_fields = ["objective", "tradeoff", "charter__team__name"]
    list_select_related = ["charter__team", "owner"]
    raw_id_fields = ["charter", "owner", "origin"]
    inlines = [KeyResultInline]


@admin.register(KeyResultProgress)
class KeyResultProgressAdmin(admin.ModelAdmin):
    list_display = ["key_result", "value", "confidence", "source", "recorded_by", "recorded_at"]
    list_filter = ["confidence", "source", "key_result__goal__charter__team__organisation"]
    search_fields = ["key_result__metric", "note", "recorded_by__email", "key_result__goal__charter__team__name"]
    list_select_related = ["key_result", "recorded_by"]
    raw_id_fields = ["lineage", "key_result", "recorded_by"]
    date_hierarchy = "recorded_at"
    fieldsets = [
        (None, {"fields": ["key_result", "lineage", "value", "confidence", "note"]}),
        (_("Recorded"), {"fields": ["recorded_by", "recorded_at", "source", "source_ref"]}),
    ]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["charter", "section", "author", "created_at", "resolved_at"]
    list_filter = ["section"]
    search_fields = ["body", "author__email"]
    list_select_related = ["charter__team", "author"]
    raw_id_fields = ["charter", "parent", "author", "resolved_by"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["charter", "member", "kind", "answer", "revision", "updated_at"]
    list_filter = ["kind", "answer"]
    search_fields = ["member__email", "reason", "answer_text"]
    list_select_related = ["charter__team", "member"]
    raw_id_fields = ["charter", "member", "answered_by"]


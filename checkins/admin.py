from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation


class BlockerInline(admin.TabularInline):
    model = Blocker
    fields = ["what", "who_could_help", "goal", "opened_at", "resolved_at", "resolved_by", "resolution"]
    raw_id_fields = ["who_could_help", "goal", "resolved_by"]
    extra = 0


class KeyResultUpdateInline(admin.TabularInline):
    model = KeyResultUpdate
    fields = ["key_result", "value", "confidence", "recorded_value", "recorded_confidence"]
    raw_id_fields = ["key_result"]
    extra = 0


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["author", "team", "week", "state", "is_late", "load", "submitted_at"]
    list_filter = ["state", "is_late", "load", "week"]
    search_fields = ["author__email", "author__display_name", "team__name", "progress"]
    list_select_related = ["author", "team"]
    raw_id_fields = ["team", "author", "strained_non_negotiable"]
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["team", "author", "week", "state", "submitted_at", "is_late"]}),
        (_("The week"), {"fields": ["progress", "highlights", "load"]}),
        (_("Charter pulse"), {"fields": ["strained_non_negotiable", "strain_note", "boundary_question"]}),
        (_("Record"), {"fields": ["version", "created_at", "updated_at"]}),
    ]
    inlines = [BlockerInline, KeyResultUpdateInline]


@admin.register(Blocker)
class BlockerAdmin(admin.ModelAdmin):
    list_display = ["what", "check_in", "who_could_help", "opened_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["what", "resolution"]
    list_select_related = ["check_in__author", "check_in__team", "who_could_help"]
    raw_id_fields = ["check_in", "who_could_help", "goal", "resolved_by"]


class RenegotiationInline(admin.StackedInline):
    model = Renegotiation
    fields = ["kind", "reason", "asked_by", "asked_at", "proposed_due_on", "proposed_standard", "proposed_owner",
              "state", "decided_by", "decided_at", "comment"]
    raw_id_fields = ["asked_by", "proposed_owner", "decided_by"]
    readonly_fields = ["asked_at", "decided_at"]
    extra = 0


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "team", "due_on", "state"]
    list_filter = ["state", "due_on"]
    search_fields = ["title", "standard", "owner__email", "owner__display_name", "team__name"]
    list_select_related = ["owner", "team"]
    raw_id_fields = ["team", "owner", "goal", "created_by"]
    readonly_fields = ["version", "created_at"]
    fieldsets = [
        (None, {"fields": ["team", "owner", "title", "standard", "due_on", "goal", "state"]}),
        (_("Overload"), {"fields": ["overload_acknowledged_at", "overload_note"]}),
        (_("Record"), {"fields": ["created_by", "created_at", "version"]}),
    ]
    inlines = [RenegotiationInline]

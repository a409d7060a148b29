from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.models import (
    CycleCommitment,
    CycleGoal,
    CycleKeyResult,
    NonNegotiableRating,
    PromptTemplate,
    PromptTemplateItem,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    ReviewCycle,
)


class CycleGoalInline(admin.TabularInline):
    model = CycleGoal
    raw_id_fields = ["goal"]
    extra = 0


class CycleKeyResultInline(admin.TabularInline):
    model = CycleKeyResult
    raw_id_fields = ["key_result"]
    extra = 0


class CycleCommitmentInline(admin.TabularInline):
    model = CycleCommitment
    raw_id_fields = ["commitment", "from_action"]
    extra = 0


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    list_display = ["team", "number", "start_date", "end_date", "state", "charter"]
    list_filter = ["state", "team__organisation"]
    search_fields = ["team__name"]
    list_select_related = ["team", "charter"]
    raw_id_fields = ["team", "charter", "closed_by"]
    inlines = [CycleGoalInline, CycleKeyResultInline, CycleCommitmentInline]


class RetroPromptInline(admin.TabularInline):
    model = RetroPrompt
    fields = ["position", "kind", "text", "non_negotiable"]
    raw_id_fields = ["non_negotiable"]
    extra = 0


class RetroActionInline(admin.TabularInline):
    model = RetroAction
    fk_name = "retrospective"
    fields = ["kind", "title", "owner", "due_on", "review", "commitment", "amendment_charter"]
    raw_id_fields = ["owner", "commitment", "amendment_charter"]
    extra = 0


@admin.register(Retrospective)
class RetrospectiveAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "phase", "is_anonymous", "facilitator", "created_at", "closed_at"]
    list_filter = ["phase", "is_anonymous", "team__organisation"]
    search_fields = ["team__name"]
    list_select_related = ["team", "cycle", "facilitator"]
    raw_id_fields = ["team", "cycle", "previous", "facilitator", "phase_changed_by", "discussing"]
    readonly_fields = ["version", "changed_at"]
    fieldsets = [
        (None, {"fields": ["team", "cycle", "previous", "facilitator", "phase", "phase_changed_by"]}),
        (_("Settings"), {"fields": ["is_anonymous", "hide_text_while_collecting", "votes_per_person"]}),
        (_("Discussion"), {"fields": ["discussing", "timer_ends_at"]}),
        (_("When"), {"fields": ["created_at", "started_at", "closed_at", "version", "changed_at"]}),
    ]
    inlines = [RetroPromptInline, RetroActionInline]


@admin.register(RetroCard)
class RetroCardAdmin(admin.ModelAdmin):
    """Cards without their authors: in an anonymous session nobody, staff included, reads who wrote one.

    The author is shown only for cards of sessions that were not anonymous; it is never a filter, a
    search field or an editable field, and cards are listed by their random key, not by when they came.
    """

    list_display = ["short_text", "retrospective", "prompt", "theme", "shown_author"]
    list_filter = ["retrospective__team__organisation"]
    search_fields = ["text"]
    list_select_related = ["retrospective__team", "retrospective__cycle", "prompt", "theme"]
    fields = ["retrospective", "prompt", "theme", "text", "shown_author"]
    readonly_fields = ["retrospective", "prompt", "shown_author"]
    raw_id_fields = ["theme"]
    ordering = ["key"]

    @admin.display(description=_("card"))
    def short_text(self, card: RetroCard) -> str:
        return card.text[:80]

    @admin.display(description=_("author"))
    def shown_author(self, card: RetroCard) -> str:
        if card.retrospective.is_anonymous:
            return _("(anonymous)")
        return card.author.name if card.author_id else "—"

    def get_queryset(self, request):
        # The author's row is joined only for the column above, never for anonymous cards' sake.
        return super().get_queryset(request).select_related("author")


@admin.register(RetroTheme)
class RetroThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "retrospective"]
    search_fields = ["name"]
    list_select_related = ["retrospective__team", "retrospective__cycle"]
    raw_id_fields = ["retrospective"]


@admin.register(RetroNote)
class RetroNoteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "theme", "created_at"]
    list_select_related = ["theme"]
    raw_id_fields = ["retrospective", "theme", "author"]


@admin.register(NonNegotiableRating)
class NonNegotiableRatingAdmin(admin.ModelAdmin):
    list_display = ["non_negotiable", "rating", "retrospective", "rated_at"]
    list_filter = ["rating"]
    list_select_related = ["non_negotiable", "retrospective__team", "retrospective__cycle"]
    raw_id_fields = ["retrospective", "non_negotiable", "participant"]


@admin.register(RetroAction)
class RetroActionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner", "due_on", "review", "retrospective"]
    list_filter = ["kind", "review"]
    search_fields = ["title"]
    list_select_related = ["owner", "retrospective__team", "retrospective__cycle"]
    raw_id_fields = ["retrospective", "theme", "owner", "commitment", "amendment_charter", "created_by",
                     "reviewed_by"]


class PromptTemplateItemInline(admin.TabularInline):
    model = PromptTemplateItem
    extra = 0


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "updated_at"]
    search_fields = ["name", "team__name"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "created_by"]
    inlines = [PromptTemplateItemInline]

"""The reviews app in Django's admin: cycles, retrospectives and what they produced, never who wrote what.

Who wrote a card, a note or a vote, and how each person rated a non-negotiable, is what an
anonymous session hides and what the app itself never shows one by one; so the admin never
shows it either, for any session: no column, filter, search, ordering, raw-id field or form
field on it, and no lookup through it in a URL (`?author=7` is answered 400).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
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
    RetroVote,
    ReviewCycle,
    ReviewTrigger,
)

# The people behind what was said or felt in a session: kept for their own use, never shown here.
WHO_SAID_WHAT = frozenset({
    RetroCard._meta.get_field("author"),
    RetroNote._meta.get_field("author"),
    RetroVote._meta.get_field("voter"),
    NonNegotiableRating._meta.get_field("participant"),
})


def reaches_who_said_what(model, lookup: str) -> bool:
    """Whether a URL lookup such as `author__email` or `cards__author_id` goes through `WHO_SAID_WHAT`."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)  # `author_id` names the `author` field too
        except FieldDoesNotExist:
            return False  # a transform or lookup (`exact`, `isnull`): the path has ended
        if field in WHO_SAID_WHAT:
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class KeepsWhoSaidWhatOut(admin.ModelAdmin):
    """Refuses any lookup through who wrote a card or note, voted or rated; Django answers it with 400.

    Django allows a lookup on a model's own foreign key (`?author=7`, `?author__id__exact=7`) and
    on anything in `list_filter` unless told otherwise.
    """

    def lookup_allowed(self, lookup, value, request):
        if reaches_who_said_what(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


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
class ReviewCycleAdmin(KeepsWhoSaidWhatOut):
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
class RetrospectiveAdmin(KeepsWhoSaidWhatOut):
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

    def get_readonly_fields(self, request, obj: Retrospective | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Asked of the session as it is stored, on showing the form and again on saving it.
        if obj is not None and obj.refusal_to_set_anonymity(not obj.is_anonymous):
            readonly.append("is_anonymous")
        return readonly


@admin.register(RetroCard)
class RetroCardAdmin(KeepsWhoSaidWhatOut):
    """Cards without their authors, in any session: listed by their random key, not by when they came.

    Staff may correct a card's words or its theme.
    """

    list_display = ["short_text", "retrospective", "prompt", "theme"]
    list_filter = ["retrospective__team__organisation"]
    search_fields = ["text"]
    list_select_related = ["retrospective__team", "retrospective__cycle", "prompt", "theme"]
    fields = ["retrospective", "prompt", "theme", "text"]
    readonly_fields = ["retrospective", "prompt"]
    raw_id_fields = ["theme"]
    ordering = ["key"]

    @admin.display(description=_("card"))
    def short_text(self, card: RetroCard) -> str:
        return card.text[:80]

    def has_add_permission(self, request) -> bool:
        return False  # cards are written in the session, by someone


@admin.register(RetroTheme)
class RetroThemeAdmin(KeepsWhoSaidWhatOut):
    list_display = ["name", "retrospective"]
    search_fields = ["name"]
    list_select_related = ["retrospective__team", "retrospective__cycle"]
    raw_id_fields = ["retrospective"]


@admin.register(RetroNote)
class RetroNoteAdmin(KeepsWhoSaidWhatOut):
    list_display = ["__str__", "theme", "created_at"]
    list_select_related = ["theme"]
    fields = ["retrospective", "theme", "text", "created_at"]
    raw_id_fields = ["retrospective", "theme"]

    def has_add_permission(self, request) -> bool:
        return False  # notes are taken in the session, by someone


@admin.register(NonNegotiableRating)
class NonNegotiableRatingAdmin(KeepsWhoSaidWhatOut):
    list_display = ["non_negotiable", "rating", "retrospective", "rated_at"]
    list_filter = ["rating"]
    list_select_related = ["non_negotiable", "retrospective__team", "retrospective__cycle"]
    fields = ["retrospective", "non_negotiable", "rating", "rated_at"]
    raw_id_fields = ["retrospective", "non_negotiable"]

    def has_add_permission(self, request) -> bool:
        return False  # a rating is someone's, given in the session


@admin.register(RetroAction)
class RetroActionAdmin(KeepsWhoSaidWhatOut):
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
class PromptTemplateAdmin(KeepsWhoSaidWhatOut):
    list_display = ["name", "team", "updated_at"]
    search_fields = ["name", "team__name"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "created_by"]
    inlines = [PromptTemplateItemInline]


@admin.register(ReviewTrigger)
class ReviewTriggerAdmin(admin.ModelAdmin):
    """Review prompts; the evidence's words are the team's check-ins', so it is read, never edited, here."""

    list_display = ["headline", "team", "kind", "state", "fired_at"]
    list_filter = ["kind", "state", "team__organisation"]
    search_fields = ["team__name", "headline"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "charter", "amendment", "closed_by"]
    readonly_fields = ["evidence", "fired_at", "subject"]


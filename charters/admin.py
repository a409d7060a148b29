"""The charters app in Django's admin: drafts editable as in the app, ratified versions only to read.

A ratified version never changes (its rendered prose is cached under its identity, and cycles,
check-ins and retrospectives refer to it), and a superseded one is history. So once a version
is no longer editable (`Charter.is_editable`), the admin shows it and its non-negotiables,
boundaries, goals and key results read-only, refuses to delete any of them on their own, and
tells staff to amend the charter in the app. Deleting a whole team still takes its charters with it.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from charters import services
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


def _version_of(obj: Charter | Goal | None) -> Charter | None:
    return obj.charter if isinstance(obj, Goal) else obj


def _may_change(obj: Charter | Goal | None) -> bool:
    """Whether the admin may change (or delete) `obj`: a new one, or one of a version still editable."""
    version = _version_of(obj)
    return version is None or version.is_editable


def _amend_in_the_app(obj: Charter | Goal) -> str:
    return (f"{_version_of(obj).refusal_to_edit()} Staff amend it in the app too, so that the team sees "
            "the change and consents to it: an edit here would not even reach the version's page.")


class ReadOnlyOnceRatified:
    """An admin of a charter version or of what it lists: read-only, and never deleted on its own,
    once the version can no longer change. The page says why and where to change the charter instead.

    A version still at work changed here gets a new revision, as an edit in the app does
    (`services.text_changed_elsewhere`): its page draws the new text at once, and whoever consented to the
    earlier text is asked again."""

    refused_deletion: str
    # What a version's admin changes without changing its text: no new revision, nobody asked to consent again.
    beside_the_text = frozenset({"amendment_note", "created_by"})

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and (set(form.changed_data) - self.beside_the_text
                       or any(formset.has_changed() for formset in formsets)):
            changed = [_version_of(form.instance)]
            moved_from = form.initial.get("charter")  # a goal moved from another draft changes that one too
            if moved_from is not None and moved_from != changed[0].pk:
                changed += Charter.objects.filter(pk=moved_from)
            for version in changed:
                services.text_changed_elsewhere(charter=version)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _may_change(obj)

    def get_deleted_objects(self, objs, request):
        # The delete page and the "delete selected" action; a team's deletion still cascades.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not all(_may_change(obj) for obj in objs):
            perms_needed.add(self.refused_deletion)
        return deleted, counts, perms_needed, protected

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not _may_change(obj):
            context.update(read_only_note=_amend_in_the_app(obj), show_delete=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class ItemOfAVersion:
    """An inline of a version's items: only to read, with nothing to add or delete, once the version is fixed.

    `obj` is the page's object (the charter, or the goal of key results), as Django passes it to inlines.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and _may_change(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _may_change(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _may_change(obj)


class NonNegotiableInline(ItemOfAVersion, admin.StackedInline):
    model = NonNegotiable
    fields = ["position", "title", "standard", "why"]
    extra = 0


class BoundaryInline(ItemOfAVersion, admin.TabularInline):
    model = Boundary
    fields = ["position", "area", "label", "set_by"]
    extra = 0


class GoalInline(ItemOfAVersion, admin.TabularInline):
    model = Goal
    fields = ["position", "objective", "purpose_part", "owner"]
    raw_id_fields = ["owner"]
    extra = 0
    show_change_link = True


@admin.register(Charter)
class CharterAdmin(ReadOnlyOnceRatified, admin.ModelAdmin):
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
    refused_deletion = _("ratified or superseded charter versions: amend the charter in the app instead")

    def get_readonly_fields(self, request, obj: Charter | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # A version is proposed, ratified and superseded by the app, which opens cycles and tells people.
            readonly.append("state")
        return readonly


class KeyResultInline(ItemOfAVersion, admin.TabularInline):
    model = KeyResult
    fields = ["position", "metric", "unit", "start_value", "target_value", "current_value", "confidence"]
    extra = 0


@admin.register(Goal)
class GoalAdmin(ReadOnlyOnceRatified, admin.ModelAdmin):
    list_display = ["objective", "charter", "purpose_part", "owner"]
    list_filter = ["purpose_part", "charter__team__organisation"]
    search_fields = ["objective", "tradeoff", "charter__team__name"]
    list_select_related = ["charter__team", "owner"]
    raw_id_fields = ["charter", "owner", "origin"]
    inlines = [KeyResultInline]
    refused_deletion = _("goals of ratified or superseded charter versions: amend the charter in the app instead")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "charter":
            kwargs["queryset"] = Charter.objects.working()  # a goal is added to, or moved into, a draft only
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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

    # A reading corrected or removed here: its lineage's marks (which is the latest, the confidence before each,
    # read by the map's "confidence falling") worked out again, as recording one in the app keeps them.
    def save_model(self, request, obj, form, change) -> None:
        moved_from = form.initial.get("lineage") if change else None
        services.readings_changed_elsewhere(lineages={obj.lineage_id, *filter(None, [moved_from])},
                                            change=lambda: super(KeyResultProgressAdmin, self).save_model(
                                                request, obj, form, change))

    def delete_model(self, request, obj) -> None:
        services.readings_changed_elsewhere(lineages=[obj.lineage_id],
                                            change=lambda: super(KeyResultProgressAdmin, self).delete_model(
                                                request, obj))

    def delete_queryset(self, request, queryset) -> None:
        services.readings_changed_elsewhere(lineages=queryset.values_list("lineage_id", flat=True),
                                            change=lambda: super(KeyResultProgressAdmin, self).delete_queryset(
                                                request, queryset))


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


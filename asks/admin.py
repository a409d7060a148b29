from django.contrib import admin

from asks.models import Ask, AskComment


class AskCommentInline(admin.TabularInline):
    model = AskComment
    extra = 0
    fields = ["author", "body", "created_at"]
    readonly_fields = ["author", "created_at"]


@admin.register(Ask)
class AskAdmin(admin.ModelAdmin):
    list_display = ["title", "asking_team", "receiving_team", "route", "state", "due_on", "created_at"]
    list_filter = ["route", "state"]
    search_fields = ["title", "asking_team__name", "receiving_team__name"]
    raw_id_fields = ["asking_team", "receiving_team", "asked_by", "answered_by", "boundary", "decision"]
    readonly_fields = ["version", "created_at"]
    fieldsets = [
        (None, {"fields": ["asking_team", "receiving_team", "asked_by", "kind", "title", "body"]}),
        ("Routing", {"fields": ["boundary", "area", "set_by", "route", "due_on", "decision"]}),
        ("Answer", {"fields": ["state", "answer", "answered_by", "answered_at", "version", "created_at"]}),
    ]
    inlines = [AskCommentInline]

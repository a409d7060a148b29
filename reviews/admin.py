from django.contrib import admin

from reviews.models import CycleGoal, ReviewCycle


class CycleGoalInline(admin.TabularInline):
    model = CycleGoal
    raw_id_fields = ["goal"]
    extra = 0


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    list_display = ["team", "number", "start_date", "end_date", "state", "charter"]
    list_filter = ["state", "team__organisation"]
    search_fields = ["team__name"]
    list_select_related = ["team", "charter"]
    raw_id_fields = ["team", "charter"]
    inlines = [CycleGoalInline]

from django.urls import path

from checkins import views

app_name = "checkins"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    path(team + "check-ins/this-week/", views.this_week, name="this_week"),
    path(team + "check-ins/this-week/draft/", views.save_draft, name="save_draft"),
    path(team + "check-ins/this-week/submit/", views.submit, name="submit"),
    path(team + "check-ins/week/", views.week, name="week"),
    path(team + "check-ins/blockers/<int:blocker_id>/resolve/", views.resolve_blocker, name="resolve_blocker"),
]

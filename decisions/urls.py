from django.urls import path

from decisions import views

app_name = "decisions"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    path(team + "decisions/", views.decision_list, name="list"),
    path(team + "decisions/new/", views.decision_create, name="create"),
    path(team + "decisions/<int:decision_id>/", views.decision_detail, name="detail"),
]

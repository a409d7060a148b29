from django.urls import path

from checkins import views

app_name = "checkins"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    path(team + "check-ins/this-week/", views.this_week, name="this_week"),
    path(team + "check-ins/this-week/draft/", views.save_draft, name="save_draft"),
    path(team + "check-ins/this-week/submit/", views.submit, name="submit"),
    path(team + "check-ins/week/", views.week, name="week"),
    path(team + "check-ins/trends/", views.trends, name="trends"),
    path(team + "check-ins/people/<int:person_id>/", views.person, name="person"),
    path(team + "check-ins/<int:checkin_id>/", views.checkin, name="checkin"),
    path(team + "check-ins/<int:checkin_id>/reply/", views.reply, name="reply"),
    path(team + "check-ins/<int:checkin_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path(team + "check-ins/blockers/<int:blocker_id>/resolve/", views.resolve_blocker, name="resolve_blocker"),
    path(team + "commitments/", views.commitments, name="commitments"),
    path(team + "commitments/new/", views.create_commitment, name="create_commitment"),
    path(team + "commitments/ask/", views.ask_commitment, name="ask_commitment"),
    path(team + "commitments/<int:commitment_id>/", views.commitment, name="commitment"),
    path(team + "commitments/<int:commitment_id>/renegotiate/", views.renegotiate, name="renegotiate"),
    path(team + "commitments/<int:commitment_id>/done/", views.mark_done, name="mark_done"),
    path(team + "commitments/<int:commitment_id>/answer/", views.answer_request, name="answer_request"),
    path(team + "renegotiations/<int:renegotiation_id>/decide/", views.decide_renegotiation,
         name="decide_renegotiation"),
]

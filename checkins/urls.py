from django.urls import path, re_path

from alignment.panels import Tab
from alignment.permissions import Capability
from checkins import inbound, views

app_name = "checkins"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

# Writing one's own check-in, and reading the team's: tabs for whoever may.
this_week = Tab("This week", needs=Capability.CHECK_IN)
team_week = Tab("Team week", needs=Capability.READ_SUMMARY)
trends = Tab("Trends", needs=Capability.READ_TEAM)
commitments = Tab("Commitments", needs=Capability.READ_TEAM)

urlpatterns = [
    this_week.path(team + "check-ins/this-week/", views.this_week, name="this_week"),
    this_week.path(team + "check-ins/this-week/draft/", views.save_draft, name="save_draft"),
    this_week.path(team + "check-ins/this-week/submit/", views.submit, name="submit"),
    team_week.path(team + "check-ins/week/", views.week, name="week"),
    trends.path(team + "check-ins/trends/", views.trends, name="trends"),
    team_week.path(team + "check-ins/people/<int:person_id>/", views.person, name="person"),
    team_week.path(team + "check-ins/<int:checkin_id>/", views.checkin, name="checkin"),
    team_week.path(team + "check-ins/<int:checkin_id>/reply/", views.reply, name="reply"),
    team_week.path(team + "check-ins/<int:checkin_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path(team + "check-ins/blockers/<int:blocker_id>/resolve/", views.resolve_blocker, name="resolve_blocker"),
    commitments.path(team + "commitments/", views.commitments, name="commitments"),
    commitments.path(team + "commitments/new/", views.create_commitment, name="create_commitment"),
    commitments.path(team + "commitments/ask/", views.ask_commitment, name="ask_commitment"),
    commitments.path(team + "commitments/<int:commitment_id>/", views.commitment, name="commitment"),
    commitments.path(team + "commitments/<int:commitment_id>/renegotiate/", views.renegotiate, name="renegotiate"),
    commitments.path(team + "commitments/<int:commitment_id>/done/", views.mark_done, name="mark_done"),
    commitments.path(team + "commitments/<int:commitment_id>/answer/", views.answer_request, name="answer_request"),
    path(team + "renegotiations/<int:renegotiation_id>/decide/", views.decide_renegotiation,
         name="decide_renegotiation"),
    # Replies to check-in reminders, posted by the mail provider (Mailgun's raw MIME wants a URL ending in mime).
    re_path(r"^inbound/email/(?:mime)?$", inbound.receive, name="inbound_email"),
]

tabs = [this_week, team_week, trends, commitments]

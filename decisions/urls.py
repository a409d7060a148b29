from alignment.panels import Tab
from alignment.permissions import Capability
from decisions import views

app_name = "decisions"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

# The log is the team's own: the rest of the organisation does not see the tab.
decision_log = Tab("Decision log", needs=Capability.READ_SUMMARY)

urlpatterns = [
    decision_log.path(team + "decisions/", views.decision_list, name="list"),
    decision_log.path(team + "decisions/new/", views.decision_create, name="create"),
    decision_log.path(team + "decisions/<int:decision_id>/", views.decision_detail, name="detail"),
    decision_log.path(team + "decisions/<int:decision_id>/reviewed/", views.decision_reviewed, name="reviewed"),
]

tabs = [decision_log]

from alignment.panels import Tab
from alignment.permissions import Capability
from asks import views

app_name = "asks"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"
ask = team + "requests/<int:ask_id>/"

# The team's requests, sent and received, are its people's to read.
requests_tab = Tab("Requests", needs=Capability.READ_TEAM)

urlpatterns = [
    requests_tab.path(team + "requests/", views.ask_list, name="list"),
    requests_tab.path(team + "requests/new/", views.ask_create, name="create"),
    requests_tab.path(ask, views.ask_detail, name="detail"),
    requests_tab.path(ask + "answer/", views.ask_answer, name="answer"),
    requests_tab.path(ask + "comment/", views.ask_comment, name="comment"),
    requests_tab.path(ask + "withdraw/", views.ask_withdraw, name="withdraw"),
]

tabs = [requests_tab]

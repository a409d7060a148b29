from django.urls import path

from chat import views

app_name = "chat"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    # The team's chat, from its settings page (`alignment.panels.register_team_settings_section`).
    path(team + "settings/chat/", views.team_chat, name="team"),
    path(team + "settings/chat/disconnect/", views.disconnect, name="disconnect"),
    # A person's chat accounts: the link `/charter link` answers with, and their list (a profile link).
    path("chat/link/<str:token>/", views.link, name="link"),
    path("chat/accounts/", views.accounts, name="accounts"),
    path("chat/accounts/<int:account_id>/unlink/", views.unlink, name="unlink"),
    # What Slack and Mattermost post: each request proved before anything is done.
    path("chat/slack/commands/", views.slack_commands, name="slack_commands"),
    path("chat/slack/interactions/", views.slack_interactions, name="slack_interactions"),
    path("chat/mattermost/commands/", views.mattermost_commands, name="mattermost_commands"),
    path("chat/mattermost/actions/", views.mattermost_actions, name="mattermost_actions"),
    path("chat/mattermost/dialogs/", views.mattermost_dialogs, name="mattermost_dialogs"),
]

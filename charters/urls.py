from django.urls import path

from alignment.panels import Tab
from charters import views

app_name = "charters"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"
version = team + "charter/v<int:number>/"

# The team's tabs: each links to its first URL and is marked current on all of its URLs.
charter = Tab("Charter")
versions = Tab("Versions")

urlpatterns = [
    charter.path(team + "charter/", views.charter_detail, name="detail"),
    path(team + "charter/start/", views.charter_start, name="start"),
    path(team + "charter/amend/", views.charter_amend, name="amend"),
    versions.path(team + "charter/history/", views.history, name="history"),
    versions.path(team + "charter/compare/", views.diff, name="diff"),
    charter.path(version, views.charter_version, name="version"),
    path(version + "print/", views.version_print, name="print"),
    path(version + "charter.md", views.version_markdown, name="markdown"),
    path(version + "propose/", views.charter_propose, name="propose"),
    path(version + "ratify/", views.charter_ratify, name="ratify"),
    *(
        path(version + f"{action}/", views.charter_transition, {"action": action}, name=action)
        for action in ("withdraw", "discard")
    ),
    path(version + "edit/<str:section>/", views.section_edit, name="section_edit"),
    path(version + "items/<str:kind>/new/", views.item_edit, name="item_add"),
    path(version + "items/goal/<int:goal_id>/key-results/new/", views.item_edit, {"kind": "key_result"},
         name="key_result_add"),
    path(version + "items/<str:kind>/<int:item_id>/", views.item_edit, name="item_edit"),
    path(version + "items/<str:kind>/<int:item_id>/<str:action>/", views.item_action, name="item_action"),
    path(version + "comments/", views.comment_create, name="comment_create"),
    path(version + "comments/<int:comment_id>/resolve/", views.comment_resolve, name="comment_resolve"),
    path(version + "key-results/<int:key_result_id>/progress/", views.record_progress, name="progress"),
    path(version + "respond/", views.respond, name="respond"),
    path(version + "responses/<int:response_id>/answer/", views.answer_objection, name="answer"),
    path(version + "responses/<int:response_id>/resolution/", views.resolve_objection, name="resolution"),
    path(version + "remind/", views.remind_missing_word, name="remind"),
    path(version + "since-you-responded/", views.since_responded, name="since_responded"),
]

# The organisation's goals: everyone in the organisation reads them, its admins set them.
org_goals = "o/<slug:org_slug>/goals/"
org_goal = org_goals + "<int:goal_id>/"

urlpatterns += [
    path(org_goals, views.organisation_goals, name="org_goals"),
    path(org_goals + "new/", views.organisation_goal_edit, name="org_goal_add"),
    path(org_goal, views.organisation_goal, name="org_goal"),
    path(org_goal + "edit/", views.organisation_goal_edit, name="org_goal_edit"),
    path(org_goal + "<str:action>/", views.organisation_goal_action, name="org_goal_action"),
    path(org_goal + "key-results/new/", views.organisation_key_result_edit, name="org_key_result_add"),
    path(org_goal + "key-results/<int:key_result_id>/", views.organisation_key_result_edit,
         name="org_key_result_edit"),
    path(org_goal + "key-results/<int:key_result_id>/reading/", views.organisation_reading, name="org_reading"),
]

# The organisation's tags: everyone in it reads the list; its admins keep it, its teams' leaders add to it.
org_tags = "o/<slug:org_slug>/tags/"

urlpatterns += [
    path(org_tags, views.organisation_tags_view, name="tags"),
    path(org_tags + "<int:tag_id>/", views.organisation_tag, name="tag"),
    path(org_tags + "<int:tag_id>/remove/", views.organisation_tag_remove, name="tag_remove"),
]

tabs = [charter, versions]

"""The reviews app's pages: a cycle and its closing, the team's retrospectives, and one session live.

The "Retrospectives" tab of the team's sub-navigation is declared here beside the URLs where it is
the current page (`retrospectives.path`); `reviews/apps.py` registers `tabs` with the core.
"""

from django.urls import path

from alignment.panels import Tab
from alignment.permissions import Capability
from reviews import views
from reviews.retro import views as retro

app_name = "reviews"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"
session = team + "retrospectives/<int:retro_id>/"

# The team's retrospectives, and how its non-negotiables held cycle after cycle.
retrospectives = Tab("Retrospectives", needs=Capability.READ_TEAM)

urlpatterns = [
    path(team + "cycles/<int:number>/", views.cycle, name="cycle"),
    path(team + "cycles/<int:number>/close/", views.close_cycle, name="close_cycle"),
    path(team + "charter-review/<int:trigger_id>/", views.trigger, name="trigger"),
    path(team + "charter-review/<int:trigger_id>/amend/", views.trigger_amend, name="trigger_amend"),
    path(team + "charter-review/<int:trigger_id>/dismiss/", views.trigger_dismiss, name="trigger_dismiss"),
    path(team + "charter-review/date/", views.review_date, name="review_date"),
    retrospectives.path(team + "retrospectives/", retro.retrospectives, name="retrospectives"),
    retrospectives.path(team + "retrospectives/start/", retro.start, name="retro_start"),
    retrospectives.path(session, retro.retrospective, name="retrospective"),
    path(session + "live/", retro.live, name="retro_live"),
    path(session + "settings/", retro.update_settings, name="retro_settings"),
    path(session + "prompts/", retro.add_prompt, name="retro_prompt_add"),
    path(session + "prompts/<int:prompt_id>/remove/", retro.remove_prompt, name="retro_prompt_remove"),
    path(session + "prompts/<int:prompt_id>/move/", retro.move_prompt, name="retro_prompt_move"),
    path(session + "prompts/save-template/", retro.save_template, name="retro_template_save"),
    path(session + "advance/", retro.advance, name="retro_advance"),
    path(session + "last-actions/<int:action_id>/review/", retro.review_action, name="retro_review_action"),
    path(session + "cards/", retro.add_card, name="retro_card_add"),
    retrospectives.path(session + "cards/<str:card_key>/edit/", retro.edit_card, name="retro_card_edit"),
    path(session + "cards/<str:card_key>/delete/", retro.delete_card, name="retro_card_delete"),
    path(session + "cards/<str:card_key>/move/", retro.move_card, name="retro_card_move"),
    path(session + "ratings/", retro.rate, name="retro_rate"),
    path(session + "themes/", retro.group, name="retro_group"),
    path(session + "themes/<int:theme_id>/rename/", retro.rename_theme, name="retro_theme_rename"),
    path(session + "themes/<int:theme_id>/notes/", retro.add_note, name="retro_note_add"),
    path(session + "votes/", retro.vote, name="retro_vote"),
    path(session + "timer/", retro.timer, name="retro_timer"),
    path(session + "actions/", retro.add_action, name="retro_action_add"),
    retrospectives.path(session + "summary/", retro.summary, name="retro_summary"),
    path(session + "summary.md", retro.export_markdown, name="retro_export_markdown"),
    path(session + "summary.csv", retro.export_csv, name="retro_export_csv"),
]

tabs = [retrospectives]

from django.urls import path

from reviews import retro_views, views

app_name = "reviews"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"
retro = team + "retrospectives/<int:retro_id>/"

urlpatterns = [
    path(team + "cycles/<int:number>/", views.cycle, name="cycle"),
    path(team + "cycles/<int:number>/close/", views.close_cycle, name="close_cycle"),
    path(team + "retrospectives/", retro_views.retrospectives, name="retrospectives"),
    path(team + "retrospectives/start/", retro_views.start, name="retro_start"),
    path(retro, retro_views.retrospective, name="retrospective"),
    path(retro + "live/", retro_views.live, name="retro_live"),
    path(retro + "settings/", retro_views.update_settings, name="retro_settings"),
    path(retro + "prompts/", retro_views.add_prompt, name="retro_prompt_add"),
    path(retro + "prompts/<int:prompt_id>/remove/", retro_views.remove_prompt, name="retro_prompt_remove"),
    path(retro + "prompts/<int:prompt_id>/move/", retro_views.move_prompt, name="retro_prompt_move"),
    path(retro + "prompts/save-template/", retro_views.save_template, name="retro_template_save"),
    path(retro + "advance/", retro_views.advance, name="retro_advance"),
    path(retro + "last-actions/<int:action_id>/review/", retro_views.review_action, name="retro_review_action"),
    path(retro + "cards/", retro_views.add_card, name="retro_card_add"),
    path(retro + "cards/<str:card_key>/edit/", retro_views.edit_card, name="retro_card_edit"),
    path(retro + "cards/<str:card_key>/delete/", retro_views.delete_card, name="retro_card_delete"),
    path(retro + "cards/<str:card_key>/move/", retro_views.move_card, name="retro_card_move"),
    path(retro + "ratings/", retro_views.rate, name="retro_rate"),
    path(retro + "themes/", retro_views.group, name="retro_group"),
    path(retro + "themes/<int:theme_id>/rename/", retro_views.rename_theme, name="retro_theme_rename"),
    path(retro + "themes/<int:theme_id>/notes/", retro_views.add_note, name="retro_note_add"),
    path(retro + "votes/", retro_views.vote, name="retro_vote"),
    path(retro + "timer/", retro_views.timer, name="retro_timer"),
    path(retro + "actions/", retro_views.add_action, name="retro_action_add"),
    path(retro + "summary/", retro_views.summary, name="retro_summary"),
    path(retro + "summary.md", retro_views.export_markdown, name="retro_export_markdown"),
    path(retro + "summary.csv", retro_views.export_csv, name="retro_export_csv"),
]

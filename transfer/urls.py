from django.urls import path

from transfer import views

app_name = "transfer"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    # A team's leaders import from a spreadsheet: upload, preview (nothing written), confirm.
    path(team + "import/", views.import_page, name="import"),
    path(team + "import/example/<slug:kind>.csv", views.import_example, name="import_example"),
    path(team + "import/<int:import_id>/", views.import_preview, name="import_preview"),
    path(team + "import/<int:import_id>/confirm/", views.import_confirm, name="import_confirm"),
    # What a team's people (and the organisation's admins, its decision log) take out as CSV.
    path(team + "export/", views.export_page, name="export"),
    path(team + "export/decisions.csv", views.export_decisions, name="export_decisions"),
    path(team + "export/key-result-history.csv", views.export_key_result_history, name="export_key_result_history"),
    path(team + "export/commitments.csv", views.export_commitments, name="export_commitments"),
    path(team + "export/checkins.csv", views.export_checkins, name="export_checkins"),
    # The whole organisation as JSON, for its admins: asked here, built by a task, the link e-mailed.
    path("o/<slug:org_slug>/export/", views.organisation_export, name="organisation_export"),
    path("o/<slug:org_slug>/export/<int:export_id>/download/", views.organisation_export_download,
         name="organisation_export_download"),
]

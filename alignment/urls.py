"""The core's pages: sign-up and sign-in, the home page, organisations, teams, members and invitations.

Its URL names are not namespaced (`home`, `team`, `team_settings`): every app links to them.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment import views
from alignment.forms import PasswordResetRequestForm
from alignment.panels import Tab

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

team_tab = Tab("Team")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/profile/", views.profile, name="profile"),
    # Download my data: ask on the profile page; the e-mailed link downloads it, for whoever asked alone.
    path("accounts/data/", views.data_export_request, name="data_export_request"),
    path("accounts/data/<str:export_token>/", views.data_export_download, name="data_export_download"),
    # Delete my account: scheduled on the profile page (password again), cancelled there until the day.
    path("accounts/delete/", views.account_delete, name="account_delete"),
    path("accounts/delete/cancel/", views.account_delete_cancel, name="account_delete_cancel"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("o/<slug:org_slug>/", views.organisation_detail, name="organisation"),
    path("o/<slug:org_slug>/teams/new/", views.team_create, name="team_create"),
    # The organisation's admins run it from here.
    path("o/<slug:org_slug>/settings/", views.organisation_settings, name="organisation_settings"),
    path("o/<slug:org_slug>/people/", views.organisation_people, name="organisation_people"),
    path("o/<slug:org_slug>/people/<int:user_id>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("o/<slug:org_slug>/people/<int:user_id>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("o/<slug:org_slug>/people/<int:user_id>/delete-account/", views.person_delete_account,
         name="person_delete_account"),
    path("o/<slug:org_slug>/people/<int:user_id>/export/", views.person_data_export, name="person_data_export"),
    path("o/<slug:org_slug>/audit/", views.organisation_audit, name="organisation_audit"),
    path("o/<slug:org_slug>/audit.csv", views.organisation_audit_csv, name="organisation_audit_csv"),
    path("o/<slug:org_slug>/admins/add/", views.admin_add, name="admin_add"),
    path("o/<slug:org_slug>/admins/<int:user_id>/remove/", views.admin_remove, name="admin_remove"),
    path("o/<slug:org_slug>/memberships/<int:membership_id>/move/", views.member_move, name="member_move"),
    path("o/<slug:org_slug>/memberships/<int:membership_id>/lead/", views.membership_make_leader,
         name="membership_make_leader"),
    team_tab.path(team, views.team_detail, name="team"),
    path(team + "settings/", views.team_settings, name="team_settings"),
    path(team + "archive/", views.team_archive, name="team_archive"),
    path(team + "restore/", views.team_restore, name="team_restore"),
    path(team + "invitations/", views.invitation_create, name="invitation_create"),
    path(team + "invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path(team + "members/<int:membership_id>/roles/", views.member_roles, name="member_roles"),
    path(team + "members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

tabs = [team_tab]

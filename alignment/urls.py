"""The core's pages: sign-up and sign-in, the home page, organisations, teams, members and invitations.

Its URL names are not namespaced (`home`, `team`, `team_settings`): every app links to them.
"""

from allauth.account import views as allauth_account
from allauth.socialaccount import views as socialaccount_views
from allauth.socialaccount.providers.openid_connect import urls as openid_connect_urls
from allauth.socialaccount.providers.saml import urls as saml_urls
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
    # What allauth's flows link to by its own names, mounted one by one so that nothing else of it is reachable:
    # its sign-in is ours, its sign-up, profile, password change and reset are the site's pages above and below.
    path("accounts/login/", views.LoginView.as_view(), name="account_login"),
    path("accounts/signup/", views.signup, name="account_signup"),
    path("accounts/profile/", views.profile, name="account_email"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("accounts/inactive/", allauth_account.account_inactive, name="account_inactive"),
    path("accounts/reauthenticate/", allauth_account.reauthenticate, name="account_reauthenticate"),
    # Two-factor sign-in (TOTP, recovery codes, passkeys), single sign-on's pages, and a person's sessions.
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/sso/login/cancelled/", socialaccount_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("accounts/sso/login/error/", socialaccount_views.login_error, name="socialaccount_login_error"),
    path("accounts/sso/signup/", socialaccount_views.signup, name="socialaccount_signup"),
    # allauth's, but the "Continue" page's policy lets its form go on to the provider (`views.sso_continue`).
    path("accounts/oidc/<str:provider_id>/login/", views.sso_continue, name="openid_connect_login"),
    path("accounts/", include(openid_connect_urls)),
    path("accounts/saml/<str:organization_slug>/login/", views.saml_continue, name="saml_login"),
    path("accounts/", include(saml_urls)),
    path("accounts/sessions/", views.SessionsView.as_view(), name="usersessions_list"),
    path("scim/v2/", include("alignment.scim")),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="account_change_password"),
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
         name="account_reset_password"),
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
    path("o/<slug:org_slug>/sign-in/", views.organisation_sign_in, name="organisation_sign_in"),
    path("o/<slug:org_slug>/sign-in/remove/", views.organisation_sign_in_remove, name="organisation_sign_in_remove"),
    path("o/<slug:org_slug>/sign-in/provisioning-token/", views.organisation_provisioning_token,
         name="organisation_provisioning_token"),
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

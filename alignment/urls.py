from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment import calendar_views, health, notification_views, views, webhook_views
from alignment.forms import PasswordResetRequestForm

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("o/<slug:org_slug>/", views.organisation_detail, name="organisation"),
    path("o/<slug:org_slug>/teams/new/", views.team_create, name="team_create"),
    path(team, views.team_detail, name="team"),
    path(team + "settings/", views.team_settings, name="team_settings"),
    path(team + "archive/", views.team_archive, name="team_archive"),
    path(team + "restore/", views.team_restore, name="team_restore"),
    path(team + "invitations/", views.invitation_create, name="invitation_create"),
    path(team + "invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path(team + "members/<int:membership_id>/roles/", views.member_roles, name="member_roles"),
    path(team + "members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(team + "webhooks/", webhook_views.team_webhooks, name="team_webhooks"),
    path(team + "webhooks/<int:webhook_id>/events/", webhook_views.team_webhook_events, name="team_webhook_events"),
    path(team + "webhooks/<int:webhook_id>/enable/", webhook_views.team_webhook_enable, name="team_webhook_enable"),
    path(team + "webhooks/<int:webhook_id>/remove/", webhook_views.team_webhook_remove, name="team_webhook_remove"),
    path(team + "webhooks/<int:webhook_id>/test/", webhook_views.team_webhook_test, name="team_webhook_test"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("notifications/", notification_views.notification_list, name="notification_list"),
    path("notifications/bell/", notification_views.notification_bell, name="notification_bell"),
    path("notifications/<int:notification_id>/", notification_views.notification_open, name="notification_open"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notification_read_all"),
    path("notifications/preferences/", notification_views.notification_preferences,
         name="notification_preferences"),
    path("notifications/snooze/", notification_views.notification_snooze, name="notification_snooze"),
    path("notifications/unsubscribe/<str:unsubscribe_token>/", notification_views.notification_unsubscribe,
         name="notification_unsubscribe"),
    path("notifications/calendar/", calendar_views.calendar_feed_page, name="calendar_feed"),
    path("notifications/calendar/address/", calendar_views.calendar_feed_issue, name="calendar_feed_issue"),
    path("notifications/calendar/stop/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    # The secret address calendar apps fetch, without a login.
    path("calendar/<str:calendar_token>.ics", calendar_views.calendar_feed_ics, name="calendar_feed_ics"),
    path("", include("charters.urls")),
    path("", include("decisions.urls")),
    path("", include("checkins.urls")),
    path("", include("reviews.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_BARE_PAGE:  # the benchmark's baseline page (`manage.py bench`), never on by default
    urlpatterns.append(path("bench/", include("bench.urls")))

from django.urls import path

from notifications import views

app_name = "notifications"

team = "o/<slug:org_slug>/t/<slug:team_slug>/"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.notification_bell, name="bell"),
    path("notifications/<int:notification_id>/", views.notification_open, name="open"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/preferences/", views.notification_preferences, name="preferences"),
    path("notifications/snooze/", views.notification_snooze, name="snooze"),
    path("notifications/unsubscribe/<str:unsubscribe_token>/", views.notification_unsubscribe, name="unsubscribe"),
    path("notifications/calendar/", views.calendar_feed_page, name="calendar"),
    path("notifications/calendar/address/", views.calendar_feed_issue, name="calendar_issue"),
    path("notifications/calendar/stop/", views.calendar_feed_revoke, name="calendar_revoke"),
    # The secret address calendar apps fetch, without a login.
    path("calendar/<str:calendar_token>.ics", views.calendar_feed_ics, name="calendar_ics"),
    path(team + "webhooks/", views.team_webhooks, name="webhooks"),
    path(team + "webhooks/<int:webhook_id>/events/", views.team_webhook_events, name="webhook_events"),
    path(team + "webhooks/<int:webhook_id>/enable/", views.team_webhook_enable, name="webhook_enable"),
    path(team + "webhooks/<int:webhook_id>/remove/", views.team_webhook_remove, name="webhook_remove"),
    path(team + "webhooks/<int:webhook_id>/test/", views.team_webhook_test, name="webhook_test"),
    path(team + "webhooks/<int:webhook_id>/roll-secret/", views.team_webhook_roll, name="webhook_roll"),
]

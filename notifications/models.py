"""Notifications: who was told what (once), what is waiting to be read, and what each person wants.

These models were the core's (`alignment`) until the notifications app was split out of it. They keep
their tables (`alignment_delivery`, …): the move changed Django's state only (notifications 0001 and
alignment 0008, both `SeparateDatabaseAndState`), so an existing database keeps every row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["CalendarFeed", "Delivery", "Notification", "NotificationPreference", "TeamWebhook", "WebhookDelivery"]


class Delivery(models.Model):
    """One claim per (recipient, kind, key): the row that makes every notification happen at most once.

    It is also the e-mail's outbox entry, written in the transaction that decided to tell the person:
    until `emailed_at` is set, a sweep (`notifications.services.send_unsent_emails`) finds it and
    queues it again, so an e-mail whose task was lost with a worker or a broker still goes out.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        HELD = "held", _("Held for quiet hours")
        FAILED = "failed", _("Failed")

    # No index of its own: the unique (recipient, kind, key) below starts with it.
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries",
                                  db_index=False)
    kind = models.CharField(_("kind"), max_length=60)
    key = models.CharField(_("key"), max_length=200, help_text=_("The period or event this is about."))
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    # What the email says, kept so that a held email can be sent after the quiet hours.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The e-mail's sending: how often it was tried, and until when the latest try holds it (a worker
    # that died mid-send lets go when this passes); after a failure, the earliest time of the next try.
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_lease_until = models.DateTimeField(_("e-mail held until"), null=True, blank=True)

    class Meta:
        db_table = "alignment_delivery"  # kept from when this model was the core's: no data moved
        ordering = ["-claimed_at"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key"], name="delivery_once_per_recipient_kind_key"),
        ]
        indexes = [
            # "has this kind gone out for this key?" (schedulers look up a batch of keys per kind)
            models.Index(fields=["kind", "key"], name="delivery_kind_key"),
            # release_held_emails: the held deliveries, oldest first
            models.Index(fields=["claimed_at"], condition=Q(status="held"), name="delivery_held"),
            # send_unsent_emails: the few e-mails decided but not yet sent, oldest first
            models.Index(fields=["claimed_at"], condition=Q(status__in=["claimed", "failed"], emailed_at__isnull=True),
                         name="delivery_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient_id} ({self.status})"


class Notification(models.Model):
    """An entry in a person's notification centre."""

    # No index of its own: the centre's index below starts with it.
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", db_index=False)
    kind = models.CharField(_("kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, help_text=_("A site-relative address."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        db_table = "alignment_notification"  # kept from when this model was the core's: no data moved
        ordering = ["-created_at", "-pk"]
        indexes = [
            # A page of the centre, newest first, read off the index however long the person's history.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_centre"),
            # The bell's unread count on every page, the newest unread one ("mark all as read" goes up to
            # it) and marking them read: only the few unread are indexed, so none of these reads the history.
            models.Index(fields=["recipient", "-id"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:open", args=[self.pk])

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind; no row means the kind's defaults."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=60)
    email = models.BooleanField(_("by email"), default=True)
    in_app = models.BooleanField(_("in the app"), default=True)

    class Meta:
        db_table = "alignment_notificationpreference"  # kept from when this model was the core's: no data moved
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: email {self.email}, in app {self.in_app}"



class CalendarFeed(models.Model):
    """A person's secret calendar address; regenerating replaces the token, which revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    # Only a SHA-256 of the token is kept: a leaked database does not leak calendars.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)

    class Meta:
        db_table = "alignment_calendarfeed"  # kept from when this model was the core's: no data moved

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"


class TeamWebhook(models.Model):
    """An address a team's events are posted to: a chat's incoming webhook, or an integration's signed JSON endpoint.

    A JSON webhook signs each post with its secret (`notifications.webhooks.signature`), kept sealed
    (`alignment.sealed`) because it is needed to sign. After "Roll secret" the previous one still signs
    until `previous_secret_until`, so a receiver can change over without missing a post.
    """

    class Format(models.TextChoices):
        CHAT = "chat", _("Chat (Slack-compatible)")
        JSON = "json", _("JSON (signed)")

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="webhooks")
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.CHAT)
    url = models.URLField(_("webhook address"), max_length=500,
                          help_text=_("The address is a secret: after saving, only its host and last characters "
                                      "are shown."))
    events = models.JSONField(_("events"), default=list, blank=True,
                              help_text=_("The keys of the events posted to this address."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    consecutive_failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    # A JSON webhook's signing secret, sealed; the one it replaced signs too until `previous_secret_until`.
    secret_sealed = models.TextField(blank=True, editable=False)
    previous_secret_sealed = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(_("previous secret accepted until"), null=True, blank=True,
                                                 editable=False)

    class Meta:
        db_table = "alignment_teamwebhook"  # kept from when this model was the core's: no data moved
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(format__in=["chat", "json"]), name="webhook_format_valid"),
            # A JSON webhook cannot post unsigned; a chat webhook has nothing to sign with.
            models.CheckConstraint(condition=Q(format="json", secret_sealed__gt="") | Q(format="chat", secret_sealed=""),
                                   name="webhook_secret_only_for_json"),
        ]

    def __str__(self) -> str:
        return f"webhook {self.pk} of team {self.team_id}"

    def get_absolute_url(self) -> str:
        return reverse("notifications:webhooks", args=[self.team.organisation.slug, self.team.slug])

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def is_signed(self) -> bool:
        return self.format == self.Format.JSON


class WebhookDelivery(models.Model):
    """One event posted to one webhook: queued once, retried with backoff, its outcome logged."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(TeamWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=60)
    key = models.CharField(_("key"), max_length=200, help_text=_("The occurrence this is about."))
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("last response status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        db_table = "alignment_webhookdelivery"  # kept from when this model was the core's: no data moved
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event", "key"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [
            # the settings page's log: a webhook's latest deliveries
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_log"),
            # beat's sweep (alignment.webhooks.due_delivery_ids): only the few still waiting are indexed
            models.Index(fields=["next_attempt_at", "created_at"], name="webhook_delivery_waiting",
                         condition=Q(status__in=["queued", "retrying"])),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.key} → webhook {self.webhook_id} ({self.status})"

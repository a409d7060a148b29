"""Notifications: who was told what (once), what is waiting to be read, and what each person wants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Delivery", "Notification", "NotificationPreference"]


class Delivery(models.Model):
    """One claim per (recipient, kind, key): the row that makes every notification happen at most once."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        HELD = "held", _("Held for quiet hours")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
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

    class Meta:
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
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient_id} ({self.status})"


class Notification(models.Model):
    """An entry in a person's notification centre."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, help_text=_("A site-relative address."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # the bell's unread count, and the centre's list (unread first, newest first)
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notification_open", args=[self.pk])

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
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: email {self.email}, in app {self.in_app}"


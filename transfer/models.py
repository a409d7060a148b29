"""An uploaded file waiting for its confirmation, and an organisation's export being prepared."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment.models import BuiltInBackground
from transfer.formats import ImportKind


class SpreadsheetImport(models.Model):
    """A file a leader uploaded: its rows, kept until they confirm the preview (then emptied) or leave it.

    The rows are kept rather than the file, so the preview and the confirmation read the same cells. Writing
    them claims the row once (`applied_at`, compare-and-set), so a second confirmation writes nothing. The
    rows may hold people's words (check-ins): they are emptied once written, and previews nobody confirmed
    are deleted a day later (`services.IMPORT_PREVIEW_KEPT`).
    """

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("what"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    rows = models.JSONField(default=list, blank=True, help_text=_("The file's rows: [[row number, {column: text}, "
                                                                  "[problems]], …]; emptied once written."))
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)
    outcome = models.JSONField(_("what it did"), default=dict, blank=True,
                               help_text=_("How many items it added, updated and left unchanged."))

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="spreadsheet_import_kind_valid"),
        ]
        indexes = [
            # The import page: the team's latest imports, newest first.
            models.Index(fields=["team", "-uploaded_at"], name="spreadsheet_import_latest"),
            # Deleting previews nobody confirmed: the old ones not written.
            models.Index(fields=["uploaded_at"], condition=Q(applied_at__isnull=True),
                         name="spreadsheet_import_unapplied"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:import_preview", args=[self.team.organisation.slug, self.team.slug, self.pk])

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class OrganisationExport(BuiltInBackground, models.Model):
    """An admin's request for the whole organisation as JSON, built by a task; its link is e-mailed to them.

    As "Download my data" (`alignment.DataExport`): the file is kept in the database (any web node serves
    it), gzipped; the build claims the row for a lease, so two runs build once and a dead worker lets go;
    the link works for `DATA_EXPORT_VALID_DAYS`, for the admin who asked alone while they still run the
    organisation; the e-mail is a notification (`notifications.deliver`), told once.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    organisation = models.ForeignKey("alignment.Organisation", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("asked by"), help_text=_("The link is for them alone."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    archive = models.BinaryField(null=True, blank=True, editable=False)  # the JSON, gzipped
    archive_size = models.PositiveIntegerField(_("size (bytes, gzipped)"), default=0, editable=False)
    build_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    build_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One export being prepared at a time, per organisation and admin.
            models.UniqueConstraint(fields=["organisation", "requested_by"], condition=Q(state="pending"),
                                    name="organisation_export_one_pending_per_asker"),
            models.CheckConstraint(condition=Q(state__in=["pending", "ready", "failed"]),
                                   name="organisation_export_state_valid"),
            models.CheckConstraint(condition=~Q(state="ready") | Q(ready_at__isnull=False, expires_at__isnull=False),
                                   name="organisation_export_ready_has_expiry"),
        ]
        indexes = [
            # The export page: the latest export this admin asked for in the organisation.
            models.Index(fields=["organisation", "requested_by", "-created_at"], name="organisation_export_latest"),
            # Deleting the files whose link has expired.
            models.Index(fields=["expires_at"], condition=Q(archive_size__gt=0), name="organisation_export_expires"),
        ]

    def __str__(self) -> str:
        return f"Export of {self.organisation} asked {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:organisation_export", args=[self.organisation.slug])


from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def personal_of(self, person) -> ApiTokenQuerySet:
        """A person's own tokens, newest first (their profile's list)."""
        return self.filter(kind=ApiToken.Kind.PERSONAL, user=person).order_by("-created_at", "-pk")

    def service_of(self, organisation) -> ApiTokenQuerySet:
        """An organisation's service tokens, newest first (its admins' list)."""
        return self.filter(kind=ApiToken.Kind.SERVICE, organisation=organisation).order_by("-created_at", "-pk")

    def usable(self, *, now=None) -> ApiTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A bearer token for the public API: it acts as its person (personal) or reads an organisation (service).

    Only a SHA-256 digest of the token is kept; the token itself is shown once, when it is made. `prefix` (its
    first characters) names it on pages and in the audit trail. `scopes` are "area:read" or "area:write"
    (`api.scopes`).
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        SERVICE = "service", _("Organisation service")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for, e.g. “Metrics sync”."))
    # The person a personal token acts as; the admin who made a service token (it stops when they stop being one).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey("alignment.Organisation", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="api_tokens")
    prefix = models.CharField(_("starts with"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)  # the lookup of every call: unique makes it an index
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="personal") | Q(organisation__isnull=False),
                                   name="api_token_service_has_organisation"),
        ]
        indexes = [
            # a person's tokens on their profile; an organisation's service tokens on its page
            models.Index(fields=["user", "kind", "-created_at"], name="api_token_of_person"),
            models.Index(fields=["organisation", "kind", "-created_at"], name="api_token_of_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_service(self) -> bool:
        return self.kind == self.Kind.SERVICE

    @property
    def is_usable(self) -> bool:
        return self.state() == "active"

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

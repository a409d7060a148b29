"""What the provider says of a person beyond allauth's own claims: their groups, how they signed in."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExtraClaims(models.Model):
    """Claims added to the ID token and the user info of `user`, as the test gave them ({"groups": [...]})."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extra_claims")
    claims = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.user}: {sorted(self.claims)}"

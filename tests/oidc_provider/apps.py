from __future__ import annotations

from django.apps import AppConfig


class OidcProviderConfig(AppConfig):
    name = "oidc_provider"
    default_auto_field = "django.db.models.BigAutoField"

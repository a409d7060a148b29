from django.urls import URLPattern, include, path

from api import calls, views
from api.main import api

app_name = "api"


def _answered(patterns) -> list:
    """Every API route answered through `calls.answered`: the audit trail and conditional GET."""
    return [URLPattern(p.pattern, calls.answered(p.callback), p.default_args, p.name) for p in patterns]


_patterns, _app, _namespace = api.urls  # ninja names them by `urls_namespace`: "api:v1"

urlpatterns = [
    path("api/v1/", include((_answered(_patterns), "v1"))),
    path("profile/api-tokens/", views.personal_tokens, name="tokens"),
    path("profile/api-tokens/<int:token_id>/revoke/", views.revoke_personal_token, name="revoke_token"),
    path("o/<slug:org_slug>/api-tokens/", views.service_tokens, name="service_tokens"),
    path("o/<slug:org_slug>/api-tokens/<int:token_id>/revoke/", views.revoke_service_token,
         name="revoke_service_token"),
]

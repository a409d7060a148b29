"""Every API error as `application/problem+json` (RFC 9457): a type, a title, the status and the reason in words."""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from alignment.errors import ActionRefused

CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Refused",
    412: "Precondition failed",
    422: "Invalid input",
    429: "Too many requests",
}


def problem(request: HttpRequest, status: int, detail: str, *, kind: str | None = None, **extra) -> HttpResponse:
    body = {
        "type": f"{settings.SITE_URL.rstrip('/')}/api/v1/docs#problem-{kind or status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "An error, as RFC 9457 describes it; `errors` lists each invalid field of a 422.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "where": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "required": ["type", "title", "status", "detail", "instance"],
}
READ_ERRORS = (401, 403, 404, 429)
WRITE_ERRORS = (*READ_ERRORS, 409, 422)


def declared(schema):
    """Every operation answers its errors as problem documents: say so in the OpenAPI schema."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {"content": {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            for status in WRITE_ERRORS if method != "get" else READ_ERRORS:
                answers.setdefault(str(status), {**problem, "description": TITLES[status]})
    return schema


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error answers with problem documents."""

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = problem(request, 401, "Send a valid, unexpired, unrevoked token: Authorization: Bearer chr_…",
                           kind="unauthenticated")
        response["WWW-Authenticate"] = 'Bearer realm="Charter API"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        wait = math.ceil(exc.wait) if getattr(exc, "wait", None) else None
        detail = "This token made too many calls." + (f" Try again in {wait} seconds." if wait else "")
        return problem(request, 429, detail, kind="rate-limited")

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return problem(request, exc.status_code, str(exc))

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        errors = [{"where": ".".join(str(part) for part in error.get("loc", ())),
                   "message": error.get("msg", "")} for error in exc.errors]
        return problem(request, 422, "Some values are missing or invalid.", kind="invalid", errors=errors)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(request, 404, "There is nothing here, or this token may not see it.")

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return problem(request, 403, str(exc) or "Your role does not allow this.")

    @api.exception_handler(ActionRefused)
    def refused(request, exc):
        return problem(request, 409, str(exc), kind="refused")

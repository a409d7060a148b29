"""The pages where people make and revoke API tokens: their own (profile), and an organisation's service tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alignment import confirm, permissions
from alignment.errors import ActionRefused
from alignment.permissions import OrganisationCapability
from api import scopes as api_scopes
from api import services
from api.forms import TokenForm
from api.models import ApiToken

SHOWN_ONCE = "api_token_shown_once"  # the session key holding a new token's secret until its page is shown


@login_required
def personal_tokens(request: HttpRequest) -> HttpResponse:
    """Your personal access tokens: each acts as you, within the scopes you give it."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = _make(request, form, kind=ApiToken.Kind.PERSONAL, organisation=None)
        if made:
            return redirect("api:tokens")
    return _page(request, form=form, tokens=ApiToken.objects.personal_of(request.user), organisation=None)


@login_required
def service_tokens(request: HttpRequest, org_slug: str) -> HttpResponse:
    """An organisation's service tokens: they read its teams as its admins do, and write nothing."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.MANAGE_SERVICE_TOKENS)
    form = TokenForm(request.POST or None, service=True)
    if request.method == "POST" and form.is_valid():
        made = _make(request, form, kind=ApiToken.Kind.SERVICE, organisation=organisation)
        if made:
            return redirect("api:service_tokens", organisation.slug)
    return _page(request, form=form, tokens=ApiToken.objects.service_of(organisation).select_related("user"),
                 organisation=organisation)


def _make(request: HttpRequest, form: TokenForm, *, kind: str, organisation) -> bool:
    try:
        token, secret = services.make_token(kind=kind, name=form.cleaned_data["name"], user=request.user,
                                            scopes=form.chosen_scopes(), expires_at=form.expires_at(),
                                            organisation=organisation)
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return False
    # Shown on the next page, once: the page after the redirect takes it out of the session.
    request.session[SHOWN_ONCE] = {"id": token.pk, "secret": secret}
    return True


def _page(request: HttpRequest, *, form: TokenForm, tokens, organisation) -> HttpResponse:
    shown = request.session.pop(SHOWN_ONCE, None) if request.method == "GET" else None
    tokens = list(tokens)
    for token in tokens:
        token.scope_words = api_scopes.describe(token.scopes)
    response = render(request, "api/token_list.html", {
        "form": form, "tokens": tokens, "organisation": organisation, "new_secret": shown and shown["secret"],
        "new_token_id": shown and shown["id"], "docs_url": reverse("api:v1:openapi-view"),
    }, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # a new token's secret is on it
    return response


@login_required
@require_POST
def revoke_personal_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.personal_of(request.user), pk=token_id)
    back = reverse("api:tokens")
    if question := _ask(request, token, back):
        return question
    services.revoke_token(token=token, actor=request.user)
    messages.success(request, f"“{token.name}” is revoked: calls with it are refused from now on.")
    return redirect(back)


@login_required
@require_POST
def revoke_service_token(request: HttpRequest, org_slug: str, token_id: int) -> HttpResponse:
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.MANAGE_SERVICE_TOKENS)
    token = get_object_or_404(ApiToken.objects.service_of(organisation), pk=token_id)
    back = reverse("api:service_tokens", args=[organisation.slug])
    if question := _ask(request, token, back):
        return question
    services.revoke_token(token=token, actor=request.user)
    messages.success(request, f"“{token.name}” is revoked: calls with it are refused from now on.")
    return redirect(back)


def _ask(request: HttpRequest, token: ApiToken, back: str) -> HttpResponse | None:
    return confirm.ask(request, question=f"Revoke “{token.name}”?", yes="Yes, revoke it", back=back,
                       consequences=["Every call made with it is refused from now on.",
                                     "Whatever uses it stops working until it is given a new token."])

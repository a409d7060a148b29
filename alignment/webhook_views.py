"""A team's chat webhooks: list with delivery logs, add, choose events, turn back on, remove, send a test.

Managing them is part of managing the team (`Capability.MANAGE_TEAM`): its leaders, never while the
team is archived. Every action is a plain form post that redirects back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from alignment import permissions, refusals, webhooks
from alignment.errors import ActionRefused
from alignment.models import TeamWebhook
from alignment.permissions import Capability, TeamAccess
from alignment.webhook_forms import WebhookEventsForm, WebhookForm


def _access(request: HttpRequest, org_slug: str, team_slug: str) -> TeamAccess:
    return permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)


def _webhook(access: TeamAccess, webhook_id: int) -> TeamWebhook:
    webhook = get_object_or_404(TeamWebhook, pk=webhook_id, team=access.team)
    webhook.team = access.team  # already loaded
    return webhook


def _page(request: HttpRequest, access: TeamAccess, *, add_form: WebhookForm | None = None,
          bound: WebhookEventsForm | None = None, status: int = 200) -> HttpResponse:
    rows = webhooks.webhook_rows(access.team)
    for row in rows:
        row.form = bound if bound is not None and bound.webhook.pk == row.webhook.pk else \
            WebhookEventsForm(webhook=row.webhook)
    may_add = len(rows) < webhooks.MAX_WEBHOOKS_PER_TEAM
    return render(request, "alignment/team_webhooks.html", {
        "team": access.team, "access": access, "rows": rows, "may_add": may_add,
        "add_form": add_form or WebhookForm(), "max_webhooks": webhooks.MAX_WEBHOOKS_PER_TEAM,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team_webhooks(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The team's webhooks with their recent deliveries; posting the form adds one."""
    access = _access(request, org_slug, team_slug)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = webhooks.add_webhook(team=access.team, actor=request.user, url=form.cleaned_data["url"],
                                           events=form.cleaned_data["events"])
        except ActionRefused as exc:
            form.add_error("url", str(exc))
        else:
            messages.success(request, f"Webhook {webhooks.masked_url(webhook.url)} added. Send it a test message "
                                      "to check that it reaches your channel.")
            return redirect("team_webhooks", org_slug, team_slug)
    return _page(request, access, add_form=form, status=400 if form.errors else 200)


@login_required
@require_POST
def team_webhook_events(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    form = WebhookEventsForm(request.POST, webhook=webhook)
    if form.is_valid():
        webhooks.change_events(webhook=webhook, events=form.cleaned_data["events"])
        messages.success(request, f"Events of {webhooks.masked_url(webhook.url)} saved.")
        return redirect("team_webhooks", org_slug, team_slug)
    return _page(request, access, bound=form, status=400)


@login_required
@require_POST
def team_webhook_enable(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    if webhooks.enable_webhook(webhook=webhook):
        messages.success(request, f"{webhooks.masked_url(webhook.url)} is on again. Send it a test message to "
                                  "check it.")
    else:
        messages.info(request, f"{webhooks.masked_url(webhook.url)} was already on.")
    return redirect("team_webhooks", org_slug, team_slug)


@login_required
@require_POST
def team_webhook_remove(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    webhooks.remove_webhook(webhook=webhook)
    messages.success(request, f"Webhook {webhooks.masked_url(webhook.url)} removed, with its delivery log.")
    return redirect("team_webhooks", org_slug, team_slug)


@login_required
@require_POST
def team_webhook_test(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    return refusals.act(
        request, lambda: webhooks.send_test(webhook=webhook, actor=request.user),
        done=lambda _: f"Test message queued for {webhooks.masked_url(webhook.url)}. Its outcome shows under "
                       "Recent deliveries in a few seconds (reload the page).",
        back=reverse("team_webhooks", args=[org_slug, team_slug]))

"""Pages for accounts, organisations, teams, members and invitations."""

from __future__ import annotations

from copy import copy
from itertools import groupby

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from alignment import permissions, services
from alignment.concurrency import ConcurrentEditError
from alignment.forms import (
    InvitationForm,
    OrganisationForm,
    ProfileForm,
    RolesForm,
    SignupForm,
    TeamForm,
    TeamSettingsForm,
)
from alignment.models import Membership, Role, User
from charters import selectors as charter_selectors
from charters.models import Charter, Goal


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("team__organisation")
        .annotate(member_count=Count("team__memberships"))
        .order_by("team__organisation__name", "team__name")
    )
    groups = [
        (organisation, list(items))
        for organisation, items in groupby(memberships, key=lambda m: m.team.organisation)
    ]
    administered = list(request.user.administered_organisations.all())
    return render(request, "alignment/home.html", {"groups": groups, "administered": administered})


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.name}. Your account is ready.")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("profile")
    return render(request, "alignment/profile_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.create_organisation(actor=request.user, **form.cleaned_data)
        messages.success(request, f"{organisation.name} is ready. Create its first team.")
        return redirect("team_create", organisation.slug)
    return render(request, "alignment/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = permissions.organisation_access(request.user, org_slug)
    teams = list(
        organisation.teams.annotate(
            member_count=Count("memberships"),
            is_mine=Count("memberships", filter=Q(memberships__user=request.user)),
        ).prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(is_leader=True).select_related("user"),
                     to_attr="leaders"),
            # Every team's ratified charter and its goals, readable by anyone in the organisation.
            Prefetch("charters", queryset=Charter.objects.filter(state=Charter.State.RATIFIED)
                     .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position", "pk"))),
                     to_attr="active_charters"),
        )
    )
    return render(
        request,
        "alignment/organisation_detail.html",
        {
            "organisation": organisation,
            "teams": teams,
            "is_admin": permissions.is_organisation_admin(request.user, organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = permissions.organisation_access(request.user, org_slug)
    permissions.require_organisation_admin(request.user, organisation)
    form = TeamForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        team = services.create_team(organisation=organisation, actor=request.user, **form.cleaned_data)
        messages.success(request, f"{team.name} is ready. You are its leader; invite your team.")
        return redirect(team)
    return render(request, "alignment/team_form.html", {"form": form, "organisation": organisation})


def _team_page(request: HttpRequest, access: permissions.TeamAccess, *, partial: str | None = None,
               status: int = 200, **extra) -> HttpResponse:
    """The team page, or one of its sections when htmx asks for it."""
    team = access.team
    members = list(team.memberships.select_related("user").order_by("-is_leader", "user__email"))
    pending = list(team.invitations.pending().select_related("invited_by")) if access.is_leader else []
    active_charter, working_charter = charter_selectors.versions_in_force(team)
    context = {
        "team": team,
        "active_charter": active_charter,
        "working_charter": working_charter,
        "access": access,
        "members": members,
        "pending_invitations": pending,
        "sole_leader": access.is_leader and sum(m.is_leader for m in members) == 1,
        "invitation_form": InvitationForm(),
        "role_choices": Role.choices,
        **extra,
    }
    template = "alignment/team_detail.html"
    if partial and request.htmx:
        template += f"#{partial}"
    return render(request, template, context, status=status)


@login_required
def team_detail(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    return _team_page(request, access)


@login_required
@require_http_methods(["GET", "POST"])
def team_settings(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    team = access.team
    # The form validates into a copy, so the page header keeps showing the saved team.
    form = TeamSettingsForm(request.POST or None, instance=copy(team), initial={"version": team.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in TeamForm.Meta.fields}
        try:
            services.update_team_settings(team=team, expected_version=form.cleaned_data["version"], **changes)
        except ConcurrentEditError as exc:
            conflict = exc.current
            # Keep what was typed, but let a second save go through knowingly; the page
            # shows `conflict`, what the other person saved.
            data = request.POST.copy()
            data["version"] = conflict.version
            form = TeamSettingsForm(data, instance=copy(team))
            form.is_valid()
        else:
            messages.success(request, "Team settings saved.")
            return redirect(team)
    return render(request, "alignment/team_settings.html",
                  {"team": conflict or team, "access": access, "form": form, "conflict": conflict},
                  status=409 if conflict else 400 if form.errors else 200)


@login_required
@require_POST
def invitation_create(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = services.invite(team=access.team, actor=request.user, **form.cleaned_data)
        except services.ActionRefused as exc:
            form.add_error("email", str(exc))
        else:
            link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
            notice = f"Invitation sent to {invitation.email}. You can also share this link: {link}"
            if request.htmx:
                return _team_page(request, access, partial="invitations", invitations_notice=notice)
            messages.success(request, notice)
            return redirect(access.team.get_absolute_url() + "#invitations")
    return _team_page(request, access, partial="invitations", invitation_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, org_slug: str, team_slug: str, invitation_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    invitation = get_object_or_404(access.team.invitations, pk=invitation_id)
    try:
        services.revoke_invitation(invitation=invitation, actor=request.user)
    except services.ActionRefused as exc:
        notice, level = str(exc), messages.WARNING
    else:
        notice, level = f"Invitation to {invitation.email} withdrawn.", messages.SUCCESS
    if request.htmx:
        return _team_page(request, access, partial="invitations", invitations_notice=notice)
    messages.add_message(request, level, notice)
    return redirect(access.team.get_absolute_url() + "#invitations")


@login_required
@require_POST
def member_roles(request: HttpRequest, org_slug: str, team_slug: str, membership_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    membership = get_object_or_404(access.team.memberships.select_related("user"), pk=membership_id)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            services.change_roles(membership=membership, roles=form.cleaned_data["roles"], actor=request.user)
        except services.ActionRefused as exc:
            form.add_error("roles", str(exc))
    if form.is_valid():
        notice, error = f"{membership.user.name} is now: {membership.role_labels}.", None
    else:
        notice, error = None, " ".join(form.errors.get("roles", []))
    if request.htmx:
        return _team_page(request, access, partial="members", members_notice=notice, members_error=error,
                          status=200 if notice else 400)
    if notice:
        messages.success(request, notice)
    else:
        messages.error(request, error)
    return redirect(access.team.get_absolute_url() + "#members")


@login_required
@require_POST
def member_remove(request: HttpRequest, org_slug: str, team_slug: str, membership_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    membership = get_object_or_404(access.team.memberships.select_related("user"), pk=membership_id)
    leaving = membership.pk == access.membership.pk
    if not leaving:
        access.require(Role.LEADER)
    try:
        services.remove_member(membership=membership, actor=request.user)
    except services.ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(access.team.get_absolute_url() + "#members")
    if leaving:
        messages.success(request, f"You left {access.team.name}.")
        return redirect("home")
    messages.success(request, f"{membership.user.name} was removed from {access.team.name}.")
    return redirect(access.team.get_absolute_url() + "#members")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_invitation(token)
    refusal = services.refusal_for(invitation)
    if refusal:
        return render(request, "alignment/invitation_accept.html",
                      {"invitation": invitation, "refusal": refusal}, status=410 if invitation else 404)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.accept_invitation(token=token, user=request.user)
        except services.ActionRefused as exc:
            return render(request, "alignment/invitation_accept.html",
                          {"invitation": invitation, "refusal": str(exc)}, status=410)
        messages.success(request, f"Welcome to {membership.team.name}. You joined as {membership.role_labels}.")
        return redirect(membership.team)
    existing_account = (
        not request.user.is_authenticated
        and User.objects.filter(email__iexact=invitation.email).exists()
    )
    return render(request, "alignment/invitation_accept.html",
                  {"invitation": invitation, "existing_account": existing_account})

"""Pages for accounts, organisations, teams, members and invitations."""

from __future__ import annotations

import functools
from copy import copy
from urllib.parse import quote, urlsplit

from allauth.account import views as allauth_views
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.usersessions import views as usersessions_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import (
    audit,
    confirm,
    data_export,
    erasure,
    fragments,
    lockout,
    panels,
    permissions,
    saml,
    scim,
    selectors,
    services,
    sso,
)
from alignment.concurrency import conflict
from alignment.drawn_alike import PartsAlike
from alignment.drawn_once import drawn_once
from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.forms import (
    REVIEW_TRIGGER_FIELDS,
    AdminForm,
    AuditFilterForm,
    DeleteAccountForm,
    FrontDoorLoginForm,
    IdentityProviderForm,
    InvitationForm,
    MoveForm,
    NewTeamForm,
    OrganisationForm,
    OrganisationSettingsForm,
    ProfileForm,
    RolesForm,
    SignupForm,
    TeamSearchForm,
    TeamSettingsForm,
    ThrottledLoginForm,
)
from alignment.models import AuditKind, IdentityProvider, Membership, Organisation, User
from alignment.next_page import next_page
from alignment.one_query import reading_ahead
from alignment.permissions import Capability, OrganisationCapability
from alignment.row_urls import RowUrls
from alignment.templatetags.fragments import TOKEN_PLACEHOLDER


class LoginView(allauth_views.LoginView):
    """allauth's sign-in page (its two-factor step follows a right password). A slowed try answers 429; an address
    whose organisation signs in elsewhere goes on to its identity provider; an admin's break-glass password
    sign-in, while single sign-on is required, is kept in the audit trail."""

    def form_valid(self, form):
        if form.single_sign_on is not None:
            return redirect(sso_start_url(form.single_sign_on, next_page(self.request)))
        response = super().form_valid(form)
        if provider := getattr(form, "break_glass", None):
            audit.record(AuditKind.BREAK_GLASS_SIGN_IN, organisation=provider.organisation, actor=form.user,
                         summary=f"{form.user.email} signed in with a password while {provider.organisation.name} "
                                 f"requires single sign-on", request=self.request)
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        provider = getattr(form, "single_sign_on", None)
        if provider is not None:
            context["single_sign_on_url"] = sso_start_url(provider, next_page(self.request))
            context["single_sign_on_name"] = provider.name
        context["next"] = next_page(self.request) or ""
        return context


class SessionsView(usersessions_views.ListUserSessionsView):
    """allauth's list of a person's signed-in sessions; signing the others out is kept in the audit trail."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(AuditKind.SESSIONS_ENDED, actor=self.request.user, request=self.request,
                     summary=f"{self.request.user.email} signed out their other sessions")
        return response


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The login page again, saying why the login was refused and for how long (429 Too Many Requests)."""
    form = ThrottledLoginForm(request=request, initial={"login": lockout.attempted_email(request, credentials)})
    context = {
        "form": form,
        "next": next_page(request) or "",
        "locked_out": True,
        "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "account/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def sso_continue(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's "Log in through …" page for an OpenID provider. Its form posts here and is redirected to the
    provider, so this page's Content-Security-Policy lets forms go on to the provider's origin too."""
    provider = sso.provider_by_id(provider_id)
    return _forms_may_go_to(openid_connect_views.login(request, provider_id), provider and provider.issuer_url)


def saml_continue(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """The same page for a SAML provider: its form goes on to the provider's single sign-on URL."""
    provider = sso.provider_by_id(organization_slug)
    return _forms_may_go_to(saml_views.login(request, organization_slug=organization_slug), provider and provider.saml_sso_url)


def _forms_may_go_to(response: HttpResponse, url: str | None) -> HttpResponse:
    if url:
        parts = urlsplit(url)
        policy = dict(getattr(response, "_csp_config", None) or settings.SECURE_CSP)
        policy["form-action"] = [*policy.get("form-action", []), f"{parts.scheme}://{parts.netloc}"]
        response._csp_config = policy
    return response


def sso_start_url(provider, next_url: str | None) -> str:
    """allauth's page that sends the person on to their organisation's provider (it asks them to continue)."""
    if provider.is_saml:
        url = reverse("saml_login", kwargs={"organization_slug": provider.provider_id})
    else:
        url = reverse("openid_connect_login", kwargs={"provider_id": provider.provider_id})
    return f"{url}?process=login" + (f"&next={quote(next_url)}" if next_url else "")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "choose a new password" page; a completed reset also lifts the account's lockout."""

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.forget_failures(form.user.email)
        return response


def home(request: HttpRequest) -> HttpResponse:
    """A signed-in person's teams; for everybody else, what Charter is and how to start."""
    if not request.user.is_authenticated:
        return render(request, "alignment/landing.html", {"form": FrontDoorLoginForm(request=request)})
    return _home(request)


def _home(request: HttpRequest) -> HttpResponse:
    home_page = selectors.home_page(request.user, now=timezone.now())
    return render(request, "alignment/home.html", {
        "groups": home_page.groups, "archived": home_page.archived, "administered": home_page.administered,
        "nav_memberships": home_page.at_work, "week": home_page.week,
    })


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_url = next_page(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid() and (user := form.create_account()):
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
    return _profile_page(request, form=form)


def _profile_page(request: HttpRequest, *, form=None, delete_form=None, status: int = 200) -> HttpResponse:
    return render(request, "alignment/profile_form.html", {
        "form": form or ProfileForm(instance=request.user), "your_data": data_export.your_data(request.user),
        "valid_days": settings.DATA_EXPORT_VALID_DAYS, "deletion": erasure.deletion_status(request.user),
        "delete_form": delete_form or DeleteAccountForm(user=request.user),
        "profile_links": panels.profile_links(),
    }, status=status)


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete my account: with the password typed again, the deletion is scheduled after the grace period."""
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return _profile_page(request, delete_form=form, status=400)
    try:
        when = erasure.schedule_erasure(person=request.user, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Your account will be deleted after {timezone.localtime(when):%-d %B %Y, %H:%M}. "
                                  f"We've e-mailed you at {request.user.email}. Until then you can cancel it here.")
    return redirect(reverse("profile") + "#delete-account")


@login_required
@require_POST
def account_delete_cancel(request: HttpRequest) -> HttpResponse:
    """Call off the scheduled deletion of one's own account."""
    try:
        erasure.cancel_erasure(person=request.user, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The deletion of your account is cancelled. Nothing will be deleted.")
    return redirect(reverse("profile") + "#delete-account")


@login_required
@require_POST
def data_export_request(request: HttpRequest) -> HttpResponse:
    """Download my data: ask for the zip; it is built in the background and its link e-mailed."""
    try:
        data_export.request_export(person=request.user, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Your data is being prepared. We'll e-mail you at {request.user.email} "
                                  f"when it is ready.")
    return redirect(reverse("profile") + "#your-data")


@login_required
@require_GET
def data_export_download(request: HttpRequest, export_token: str) -> HttpResponse:
    """The zip, for whoever asked for it, signed in, while the link lasts; 404 for anyone else or after."""
    export = data_export.find_download(export_token, request.user)
    if export is None:
        raise Http404("This link is not yours, or it has expired.")
    data_export.record_download(export=export, actor=request.user)
    response = HttpResponse(bytes(export.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{data_export.file_name(export)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(actor=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"{organisation.name} is ready. Create its first team.")
            return redirect("team_create", organisation.slug)
    return render(request, "alignment/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The alignment map: the organisation's purpose, then its teams as cards, searched, filtered and paged.

    The same queries with 3 teams or 1,000: the page's teams, their people, and one batch per
    feature panel; filters and the admins' summary are single SQL queries over all teams. Each
    card is drawn once for every reader and kept under its content's version (`_draw_cards`).
    """
    # The person's teams: the header lists them, and for anyone in a team of the organisation they
    # are the access check too, and mark the cards of their own teams.
    mine = permissions.memberships_of(request.user)
    organisation = permissions.organisation_access(request.user, org_slug, memberships=mine)
    form = TeamSearchForm(request.GET)
    form.is_valid()  # a filter no app offers is shown as an error; the valid part still applies
    name, option = form.cleaned_data.get("q", "").strip(), form.cleaned_data.get("filter", "")
    found = selectors.organisation_page(request.user, organisation, name=name, option=option,
                                        page_number=request.GET.get("page"), now=timezone.now(), memberships=mine)
    _draw_cards(found.cards)
    return render(request, "alignment/organisation_detail.html", {
        "organisation": organisation,
        "search_fields": _search_fields(*(request.GET.get(name) for name in TeamSearchForm.base_fields)),
        "page": found.page,
        "teams": found.teams,
        "cards": found.cards,
        "page_links": found.page_links,
        "searching": found.searching,
        "is_admin": found.is_admin,
        "admin_links": panels.organisation_admin_links() if found.is_admin else [],
        "summaries": found.summaries,
        "sections": found.sections,
        "nav_memberships": permissions.for_switcher(mine),
    })


SEARCH_FIELDS = "alignment/organisation_detail.html#search-fields"


@drawn_once(maxsize=256)
def _search_fields(*asked: str | None) -> SafeString:
    """The map's search fields as the address asks (a name, a filter; each None when not asked), with their errors:
    drawn from those values alone and kept in the process under them (the fields and the filters' list were a
    tenth of the map's template)."""
    data = {name: value for name, value in zip(TeamSearchForm.base_fields, asked, strict=True) if value is not None}
    return mark_safe(render_to_string(SEARCH_FIELDS, {"form": TeamSearchForm(data)}))  # noqa: S308 — our template


TEAM_CARD = "alignment/organisation_detail.html#team-card"


def _draw_cards(cards: list[selectors.MapCard]) -> None:
    """Draw the part of each card that every reader of the map reads alike, into `card.html`.

    Drawn from the team alone (the template gets `team` and nothing else: no request, no reader)
    and kept under the values it is drawn from (`team.card_version`, made by the selector), so a
    change to any of them draws it anew and nothing has to forget it. The reader's parts (the
    link to their team, "your team") are drawn around it by the page.
    """
    teams = {card.team.pk: card.team for card in cards}
    kept = fragments.shared_many(
        "organisation-map-card", {pk: team.card_version for pk, team in teams.items() if team.card_version is not None},
        lambda missing: {pk: render_to_string(TEAM_CARD, {"team": teams[pk]}) for pk in missing})
    for card in cards:
        card.html = kept.get(card.team.pk) or render_to_string(TEAM_CARD, {"team": card.team})
        team = card.team
        card.article = _article(team.pk, team.name, team.is_archived, card.url, card.is_mine, card.html)


TEAM_ARTICLE = "alignment/organisation_detail.html#team-article"


@drawn_once(maxsize=2048)
def _article(pk: int, name: str, archived: bool, url: str, is_mine: bool, html: str) -> str:
    """A card as one reader sees it: their link and "your team" around what every reader reads alike. Drawn
    from these plain values alone and kept in the process under them (a page of cards was 240 template nodes)."""
    return render_to_string(TEAM_ARTICLE, {"t": {"pk": pk, "name": name, "is_archived": archived},
                                           "card": {"url": url, "is_mine": is_mine, "html": mark_safe(html)}})  # noqa: S308 — drawn by our templates


def _admin_access(user, org_slug: str) -> Organisation:
    """The organisation, for one of its admins: 404 outside it, 403 for the rest of it."""
    organisation = permissions.organisation_access(user, org_slug)
    permissions.require_organisation_admin(user, organisation)
    return organisation


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    """A new team, led by whoever the admin names (themselves when they name nobody)."""
    organisation = _admin_access(request.user, org_slug)
    form = NewTeamForm(request.POST or None, organisation=organisation,
                       initial={"time_zone": organisation.default_time_zone or request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        typed = dict(form.cleaned_data)
        leader_email = typed.pop("leader_email")
        try:
            team = services.create_team(organisation=organisation, actor=request.user, leader_email=leader_email,
                                        **typed)
        except ActionRefused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _created_message(team, leader_email))
            return redirect(team)
    return render(request, "alignment/team_form.html", {"form": form, "organisation": organisation},
                  status=400 if form.errors else 200)


def _created_message(team, leader_email: str) -> str:
    if not leader_email:
        return f"{team.name} is ready. You are its leader; invite your team."
    leader = team.memberships.select_related("user").first()
    if leader is None:
        return f"{team.name} is ready. {leader_email} is invited to lead it: the e-mail is on its way."
    return f"{team.name} is ready, led by {leader.user.name}."


@login_required
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's name, purpose, zone for new teams and how long closed cycles are kept; its admins."""
    organisation = _admin_access(request.user, org_slug)
    # The form validates into a copy, so the page keeps showing the saved organisation.
    form = OrganisationSettingsForm(request.POST or None, instance=copy(organisation),
                                    initial={"version": organisation.version})
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data
        try:
            services.update_organisation_settings(
                organisation=organisation, expected_version=typed["version"], actor=request.user,
                name=typed["name"], purpose_serves=typed["purpose_serves"], purpose=typed["purpose"],
                purpose_refuses=typed["purpose_refuses"], default_time_zone=typed["default_time_zone"],
                closed_cycle_retention_months=typed["closed_cycle_retention_months"],
                audit_retention_months=typed["audit_retention_months"],
                checkin_words_retention_months=typed["checkin_words_retention_months"],
                mfa_required=typed["mfa_required"],
            )
        except ConcurrentEditError as exc:
            shown = conflict(OrganisationSettingsForm, data=request.POST, current=exc.current,
                             version=exc.current.version)
            return _organisation_settings_page(request, exc.current, form=shown.form, conflict=shown, status=409)
        messages.success(request, "Organisation settings saved.")
        return redirect("organisation_settings", organisation.slug)
    return _organisation_settings_page(request, organisation, form=form, status=400 if form.errors else 200)


def _organisation_settings_page(request, organisation: Organisation, *, status: int = 200, **extra) -> HttpResponse:
    return render(request, "alignment/organisation_settings.html", {
        "organisation": organisation, "admins": list(organisation.admins.order_by("email")), **extra,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_sign_in(request: HttpRequest, org_slug: str) -> HttpResponse:
    """How the organisation's people sign in: its identity provider (OpenID Connect), the domains it claims,
    whether it is required, how its groups map to teams; and the provisioning token its provider uses."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.CONFIGURE_SIGN_IN)
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    form = IdentityProviderForm(request.POST or None, instance=copy(provider) if provider else None,
                                organisation=organisation)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data
        try:
            sso.save_provider(
                organisation=organisation, actor=request.user, domains=typed["email_domains"],
                client_secret=typed["client_secret"],
                **{field: typed[field] for field in ("protocol", "name", "issuer_url", "client_id", "saml_entity_id",
                                                     "saml_sso_url", "saml_certificate", "sso_required",
                                                     "groups_claim", "group_mapping", "default_team")})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Sign-in settings saved.")
            return redirect("organisation_sign_in", organisation.slug)
    return _sign_in_page(request, organisation, provider, form=form, status=400 if form.errors else 200)


def _sign_in_page(request, organisation: Organisation, provider, *, form, status: int = 200, **extra) -> HttpResponse:
    provider_id = provider.provider_id if provider else f"org{organisation.pk}"
    callback = reverse("openid_connect_callback", kwargs={"provider_id": provider_id})
    response = render(request, "alignment/organisation_sign_in.html", {
        "organisation": organisation, "provider": provider, "form": form,
        "callback_url": settings.SITE_URL + callback, "saml_urls": saml.sp_urls(provider_id),
        "scim_url": settings.SITE_URL + reverse("scim:users").removesuffix("Users"),
        "has_scim_token": bool(provider and scim.has_token(provider)),
        **extra,
    }, status=status)
    response["Cache-Control"] = "no-store"  # a provisioning token is shown once
    return response


@login_required
@require_POST
def organisation_provisioning_token(request: HttpRequest, org_slug: str) -> HttpResponse:
    """A new provisioning (SCIM) token for the organisation's identity provider, shown once; the old one stops."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.CONFIGURE_SIGN_IN)
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    if provider is None:
        messages.error(request, "Set up the identity provider first: the token belongs to it.")
        return redirect("organisation_sign_in", organisation.slug)
    if scim.has_token(provider) and (question := confirm.ask(
            request, question="Make a new provisioning token?", yes="Yes, make a new token",
            back=reverse("organisation_sign_in", args=[organisation.slug]),
            consequences=["The token your identity provider uses now stops working at once; paste the new one "
                          "into its provisioning settings."])):
        return question
    token = scim.make_token(provider, request.user)
    form = IdentityProviderForm(instance=copy(provider), organisation=organisation)
    return _sign_in_page(request, organisation, provider, form=form, scim_token=token, has_scim_token=True)


@login_required
@require_POST
def organisation_sign_in_remove(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Stop signing the organisation's people in through its provider (asked first)."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.CONFIGURE_SIGN_IN)
    back = reverse("organisation_sign_in", args=[organisation.slug])
    if question := confirm.ask(
        request, question=f"Stop signing {organisation.name}'s people in through its identity provider?",
        yes="Yes, remove it", back=back,
        consequences=["Its people sign in with a password again; those who never set one reset it by e-mail.",
                      "Its e-mail domains are no longer sent to the provider, and its provisioning token stops "
                      "working.", "The audit trail keeps what was configured."]):
        return question
    if sso.remove_provider(organisation=organisation, actor=request.user):
        messages.success(request, "The identity provider is removed; people sign in with a password.")
    return redirect(back)


@login_required
@require_GET
def organisation_people(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Everyone in the organisation with their teams and roles, and its pending invitations, for its admins."""
    organisation = _admin_access(request.user, org_slug)
    return _people_page(request, organisation)


def _people_page(request: HttpRequest, organisation: Organisation, *, status: int = 200,
                 refusal: tuple[int, str] | None = None) -> HttpResponse:
    """The people directory; `refusal` is (the person's id, why) when an action on their row was refused.

    A refused post is answered at its own address with the directory page it came from (its `next`: the
    same filter and page, so the refusal shows on the person's row), and the page's links lead there.
    """
    where = next_page(request) if request.method == "POST" else None
    if where and where.partition("?")[0] == reverse("organisation_people", args=[organisation.slug]):
        path, _, query = where.partition("?")
        source = QueryDict(query)
    else:
        path, source, where = request.path, request.GET, request.get_full_path()
    page = selectors.people_page(organisation, page=source.get("page"), show=source.get("show", ""),
                                 invitations_page=source.get("invitations"), now=timezone.now())
    slug = organisation.slug
    # Each row's forms' addresses, reversed once for the page.
    removing_admins, moving = RowUrls("admin_remove", slug), RowUrls("member_move", slug)
    exporting, appointing = RowUrls("person_data_export", slug), RowUrls("membership_make_leader", slug)
    for row in page.rows:
        row.remove_admin_url = removing_admins.of(row.person.pk)
        row.export_url = exporting.of(row.person.pk)
        row.refusal = refusal[1] if refusal and refusal[0] == row.person.pk else ""
        for m in row.memberships:
            m.move_url = moving.of(m.pk)
            m.lead_url = appointing.of(m.pk) if permissions.may_be_made_leader(m) else ""
    # Leavers: who was deactivated here (and can be reactivated), and the "Deactivate…" on everyone else's row.
    deactivated, deactivating = services.deactivations(organisation), RowUrls("person_deactivate", slug)
    deleting = RowUrls("person_delete_account", slug)
    for row in page.rows:
        row.deactivated = row.person.pk in deactivated
        row.deactivate_url = deactivating.of(row.person.pk)
        row.delete_account_url = deleting.of(row.person.pk)
    return render(request, "alignment/organisation_people.html", {
        "organisation": organisation, "page": page, "add_admin_url": reverse("admin_add", args=[slug]),
        "in_no_team": selectors.IN_NO_TEAM, "here": where, "directory": path, "query": source,
        # A refusal about nobody in the page's rows (an invalid choice) is shown above the list.
        "refusal": refusal[1] if refusal and refusal[0] not in {row.person.pk for row in page.rows} else "",
        "deactivated": sorted(deactivated.values(), key=lambda d: d.at, reverse=True),
    }, status=status)


@login_required
@require_POST
def admin_add(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = _admin_access(request.user, org_slug)
    form = AdminForm(request.POST, organisation=organisation)
    if not form.is_valid():
        return _people_page(request, organisation, status=400,
                            refusal=(0, " ".join(form.errors.get("person", ["Choose a person."]))))
    person = form.cleaned_data["person"]
    try:
        services.add_admin(organisation=organisation, person=person, actor=request.user)
    except ActionRefused as exc:
        return _people_page(request, organisation, status=409, refusal=(person.pk, str(exc)))
    messages.success(request, f"{person.name} is now an admin of {organisation.name}.")
    return redirect(_people_url(request, organisation))


@login_required
@require_POST
def admin_remove(request: HttpRequest, org_slug: str, user_id: int) -> HttpResponse:
    organisation = _admin_access(request.user, org_slug)
    person = get_object_or_404(organisation.admins, pk=user_id)
    yourself = person.pk == request.user.pk
    name, they = ("You", "you are") if yourself else (person.name, "they are")
    if question := confirm.ask(
            request, question="Stop being an admin?" if yourself else f"Remove {person.name} as an admin?",
            yes="Yes, stop being an admin" if yourself else f"Yes, remove {person.name}",
            back=_people_url(request, organisation),
            consequences=[f"{name} can no longer change {organisation.name}'s settings, admins or teams, nor read "
                          f"the teams {they} not in.", "Their teams and roles stay as they are."]):
        return question
    try:
        services.remove_admin(organisation=organisation, person=person, actor=request.user)
    except ActionRefused as exc:
        return _people_page(request, organisation, status=409, refusal=(person.pk, str(exc)))
    if yourself:
        messages.success(request, f"You are no longer an admin of {organisation.name}.")
        return redirect(organisation)
    messages.success(request, f"{person.name} is no longer an admin of {organisation.name}.")
    return redirect(_people_url(request, organisation))


@login_required
@require_POST
def membership_make_leader(request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
    """An admin makes someone a leader of their team from People, keeping their other roles."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.APPOINT_LEADERS)
    membership = get_object_or_404(Membership.objects.select_related("user", "team"), pk=membership_id,
                                   team__organisation=organisation)
    try:
        services.make_leader(membership=membership, actor=request.user)
    except ActionRefused as exc:
        return _people_page(request, organisation, status=409, refusal=(membership.user_id, str(exc)))
    messages.success(request, f"{membership.user.name} now leads {membership.team.name}.")
    return redirect(_people_url(request, organisation))


@login_required
@require_POST
def person_data_export(request: HttpRequest, org_slug: str, user_id: int) -> HttpResponse:
    """An admin asks for what someone wrote in the organisation's teams; the link is e-mailed to the admin."""
    organisation = _admin_access(request.user, org_slug)
    person = get_object_or_404(User.objects.in_organisation(organisation), pk=user_id)
    try:
        data_export.request_export(person=person, actor=request.user, organisation=organisation)
    except ActionRefused as exc:
        return _people_page(request, organisation, status=409, refusal=(person.pk, str(exc)))
    messages.success(request, f"{person.name}'s data in {organisation.name} is being prepared. We'll e-mail you "
                              f"the link at {request.user.email}.")
    return redirect(_people_url(request, organisation))


@login_required
@require_GET
def organisation_audit(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's audit trail, newest first, a page at a time, filtered by a form that needs no script."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.READ_AUDIT_TRAIL)
    form = AuditFilterForm(request.GET or None)
    page = audit.audit_page(organisation, form.filters() if form.is_bound else audit.Filters(),
                            page=request.GET.get("page"))
    return render(request, "alignment/organisation_audit.html", {
        "organisation": organisation, "form": form, "page": page, "query": request.GET,
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def organisation_audit_csv(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The filtered audit trail as a CSV file, streamed; the export is itself recorded."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.READ_AUDIT_TRAIL)
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else audit.Filters()
    rows = audit.export_csv(organisation=organisation, filters=filters, actor=request.user)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="{organisation.slug}-audit-'
                                       f'{timezone.localdate().isoformat()}.csv"')
    return response


def _people_url(request: HttpRequest, organisation: Organisation) -> str:
    """The directory page the person came from (its filter and page), else its first page."""
    return next_page(request) or reverse("organisation_people", args=[organisation.slug])


@login_required
@require_http_methods(["GET", "POST"])
def member_move(request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
    """An admin moves someone from one team of the organisation to another, keeping their roles; asks first."""
    organisation = _admin_access(request.user, org_slug)
    membership = get_object_or_404(Membership.objects.select_related("user", "team__organisation"),
                                   pk=membership_id, team__organisation=organisation)
    form = MoveForm(request.POST or None, membership=membership)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            to_team, name = form.cleaned_data["to_team"], membership.user.name
            if question := confirm.ask(
                    request, question=f"Move {name} from {membership.team.name} to {to_team.name}?",
                    yes=f"Yes, move {name}", back=request.get_full_path(),
                    consequences=[f"{name} leaves {membership.team.name} and joins {to_team.name} as "
                                  f"{membership.role_labels}.",
                                  f"Their open commitments and blockers in {membership.team.name} go to its leader, "
                                  "who is told. What they wrote there stays."]):
                return question
            try:
                services.move_member(membership=membership, to_team=to_team, actor=request.user)
            except ActionRefused as exc:
                form.add_error("to_team", str(exc))
                status = 409
            else:
                messages.success(request, f"{name} moved to {to_team.name} as {membership.role_labels}.")
                return redirect(reverse("organisation_people", args=[organisation.slug]))
    return render(request, "alignment/member_move.html", {
        "organisation": organisation, "membership": membership, "form": form,
    }, status=status)


def _team_page(request: HttpRequest, access: permissions.TeamAccess, *, partial: str | None = None,
               status: int = 200, **extra) -> HttpResponse:
    """The team page, or one of its sections when htmx asks for it."""
    team = access.team
    # The team's people and invitations and every panel's query, sent together: one wait for all of them.
    with reading_ahead([*selectors.team_page_reads(team, invitations=access.may_manage_team),
                        *panels.team_panel_reads(access)]):
        members = selectors.team_people(team)
        pending = selectors.pending_invitations(team) if access.may_manage_team else []
        shown_panels = panels.team_panels(request, access)
    if access.may_manage_team:
        # Each person's roles as checkboxes (the template writes them: a form widget per person cost a
        # millisecond each) and their removal, drawn once for each shape and written in for each person
        # (`PartsAlike`), when the kept list of people is drawn (the template calls it).
        controls = PartsAlike(functools.partial(_draw_member_controls, team), pk=MEMBER_STAND_IN,
                              name=NAME_STAND_IN)
        for m in members:
            shape = (tuple(role.value for role in m.roles), m.pk != access.membership.pk)
            m.controls = functools.partial(controls, shape, pk=m.pk, name=m.user.name)
    invitation_form = extra.pop("invitation_form", None) or InvitationForm()
    context = {
        "team": team,
        "access": access,
        "members": members,
        # The list of people is drawn once per version of the team's people and kept (`{% shared %}`):
        # what it shows, and for a leader the forms beside it.
        "members_version": _members_version(access, members),
        "pending_invitations": pending,
        "may_leave": access.may_leave(members),
        "invitation_form": invitation_form,
        # An empty invitation form reads alike for everyone; one sent back with errors is its sender's.
        "invitation_fields_version": None if invitation_form.is_bound else (translation.get_language(),),
        "panels": shown_panels,
        **extra,
    }
    template = "alignment/team_detail.html"
    if partial and request.htmx:
        template += f"#{partial}"
    else:  # a section alone does not show the panel
        context["week"] = selectors.team_week(access, now=timezone.now())
    return render(request, template, context, status=status)


MEMBER_CONTROLS = "alignment/team_detail.html#member-controls"
# What a leader's forms beside a person are drawn with, for the person's membership id and name to be written in.
MEMBER_STAND_IN, NAME_STAND_IN = "_stand-in-member_", "_stand-in-name_"


def _draw_member_controls(team, shape: tuple[tuple[str, ...], bool], *, pk: str, name: str) -> str:
    """A leader's forms beside one person, for people with the roles `shape` names (checked) who may or may not be
    removed, drawn with stand-ins for the person (see `_team_page`). Each form's CSRF token is the kept parts'
    placeholder, which the list of people (`{% shared %}`) fills in for its reader."""
    roles, may_be_removed = shape
    where = (team.organisation.slug, team.slug)
    return render_to_string(MEMBER_CONTROLS, {
        "team": team, "role_choices": RolesForm.base_fields["roles"].choices, "csrf_token": TOKEN_PLACEHOLDER,
        "m": {"pk": pk, "user": {"name": name}, "role_values": set(roles), "may_be_removed": may_be_removed,
              "roles_url": RowUrls("member_roles", *where).of(pk), "remove_url": RowUrls("member_remove", *where).of(pk)},
    })


def _members_version(access: permissions.TeamAccess, members: list[Membership]) -> tuple:
    """What the team's list of people is drawn from: each person's name, address and roles, and the
    forms the reader gets (a leader's own row offers no "Remove": they leave instead; it asks "Remove … from"
    the team by its name)."""
    managing = access.may_manage_team
    return (
        access.team.organisation.slug, access.team.slug, access.team.name if managing else None, managing,
        access.membership.pk if managing else None,
        tuple((m.pk, m.user.name, m.user.email, tuple(m.roles)) for m in members),
        translation.get_language(),
    )


@login_required
def team_detail(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The team page; an organisation admin outside the team reads it too, its people read-only."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_SUMMARY)
    return _team_page(request, access)


@login_required
@require_http_methods(["GET", "POST"])
def team_settings(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    if access.may_restore_team and request.method == "GET":
        # An archived team's settings cannot change; its leaders come here to restore it.
        return _settings_page(request, access, team=access.team)
    access.require(Capability.MANAGE_TEAM)
    team = access.team
    # The form validates into a copy, so the page header keeps showing the saved team.
    form = TeamSettingsForm(request.POST or None, instance=copy(team), initial={"version": team.version})
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data
        try:
            services.update_team_settings(
                team=team, expected_version=typed["version"], name=typed["name"], time_zone=typed["time_zone"],
                checkin_weekday=typed["checkin_weekday"], checkin_time=typed["checkin_time"],
                review_cadence_weeks=typed["review_cadence_weeks"],
                checkins_open_to_team=typed["checkins_open_to_team"],
                privacy_minimum=typed["privacy_minimum"], actor=request.user,
                **{name: typed[name] for name in REVIEW_TRIGGER_FIELDS},
            )
        except ConcurrentEditError as exc:
            # Their saved settings beside what was typed; a second save goes through knowingly.
            shown = conflict(TeamSettingsForm, data=request.POST, current=exc.current, version=exc.current.version)
            return _settings_page(request, access, team=exc.current, form=shown.form, conflict=shown, status=409)
        except ActionRefused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, "Team settings saved.")
            return redirect(team)
    return _settings_page(request, access, team=team, form=form, status=400 if form.errors else 200)


def _settings_page(request: HttpRequest, access: permissions.TeamAccess, *, team, status: int = 200,
                   **extra) -> HttpResponse:
    """The settings page, with the sections other apps add to it (the chat webhooks...)."""
    return render(request, "alignment/team_settings.html", {
        "team": team, "access": access, "settings_sections": panels.team_settings_sections(), **extra,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team_archive(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Asks first (a GET, or a post the dialog did not confirm), then archives: its leaders or the organisation's
    admins, from the team's settings or (an admin outside the team) its page."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.ARCHIVE_TEAM)
    team = access.team
    back = reverse("team_settings", args=[org_slug, team_slug]) if access.may_manage_team else team.get_absolute_url()
    if question := confirm.ask(request, question=f"Archive {team.name}?", yes=f"Yes, archive {team.name}",
                               back=back, access=access,
                               consequences=_archive_consequences(team)):
        return question
    try:
        services.archive_team(team=team, actor=request.user)
    except ActionRefused as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, f"{team.name} is archived. Everything in it stays readable; "
                                  "a leader or an organisation admin can restore it.")
    return redirect(team)


def _archive_consequences(team) -> list[str]:
    """What archiving `team` does, in words, for the confirmation page."""
    return [
        f"It leaves the team list and the team switcher of everyone in it, and is marked “Archived” on "
        f"{team.organisation.name}'s page.",
        "Nothing in it can change: no invitations, roles, settings, charter edits, consents or decisions. "
        "Pending invitations cannot be accepted.",
        "Nothing is deleted: its people, charter versions and decisions stay readable.",
        "A leader (from its settings) or an organisation admin (from its page) can restore it at any time.",
    ]


@login_required
@require_POST
def team_restore(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.RESTORE_TEAM)
    try:
        services.restore_team(team=access.team, actor=request.user)
    except ActionRefused as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, f"{access.team.name} is restored and can change again.")
    return redirect(access.team)


@login_required
@require_POST
def invitation_create(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = services.invite(team=access.team, actor=request.user, **form.cleaned_data)
        except ActionRefused as exc:
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
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)
    invitation = get_object_or_404(access.team.invitations, pk=invitation_id)
    if question := confirm.ask(request, question=f"Withdraw the invitation to {invitation.email}?",
                               yes="Yes, withdraw it", back=access.team.get_absolute_url() + "#invitations",
                               access=access, consequences=["Its link stops working; you can invite them again."]):
        return question
    try:
        services.revoke_invitation(invitation=invitation, actor=request.user)
    except ActionRefused as exc:
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
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)
    membership = get_object_or_404(access.team.memberships.select_related("user"), pk=membership_id)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            services.change_roles(membership=membership, roles=form.cleaned_data["roles"], actor=request.user)
        except ActionRefused as exc:
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
    if not access.may_remove(membership):
        access.require(Capability.MANAGE_TEAM)
    if question := confirm.ask(request, access=access, back=access.team.get_absolute_url() + "#members",
                               **_removal_question(access.team, membership, leaving=leaving)):
        return question
    try:
        services.remove_member(membership=membership, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(access.team.get_absolute_url() + "#members")
    if leaving:
        messages.success(request, f"You left {access.team.name}.")
        return redirect("home")
    messages.success(request, f"{membership.user.name} was removed from {access.team.name}.")
    return redirect(access.team.get_absolute_url() + "#members")


def _removal_question(team, membership: Membership, *, leaving: bool) -> dict:
    if leaving:
        return {"question": f"Leave {team.name}?", "yes": f"Yes, leave {team.name}",
                "consequences": ["You stop reading and taking part in its charter, check-ins and reviews.",
                                 "Your open commitments and blockers go to a leader, who is told.",
                                 "A leader can invite you back."]}
    name = membership.user.name
    return {"question": f"Remove {name} from {team.name}?", "yes": f"Yes, remove {name}",
            "consequences": [f"{name} stops reading and taking part in the team's charter, check-ins and reviews.",
                             "Their open commitments and blockers go to a leader, who is told.",
                             "What they wrote stays. A leader can invite them back."]}


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
        except ActionRefused as exc:
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


# Leavers --------------------------------------------------------------------------------------------------

@login_required
@require_POST
def person_deactivate(request: HttpRequest, org_slug: str, user_id: int) -> HttpResponse:
    """An admin deactivates a leaver: asked first, saying what will happen; then they lose access at once."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.DEACTIVATE_PEOPLE)
    person = get_object_or_404(User.objects.in_organisation(organisation), pk=user_id)
    plan = services.leaving(organisation=organisation, person=person, actor=request.user)
    if plan.refusal:
        return _people_page(request, organisation, status=409, refusal=(person.pk, plan.refusal))
    if question := confirm.ask(request, question=f"Deactivate {person.name}?", yes=f"Yes, deactivate {person.name}",
                               back=_people_url(request, organisation), consequences=_leaving_consequences(plan)):
        return question
    try:
        handed = services.deactivate_person(organisation=organisation, person=person, actor=request.user)
    except ActionRefused as exc:
        return _people_page(request, organisation, status=409, refusal=(person.pk, str(exc)))
    messages.success(request, f"{person.name} is deactivated in {organisation.name}: "
                              f"{_counted(handed, 'session')} ended, {_handed_words(handed)} handed over.")
    return redirect(_people_url(request, organisation))


def _counted(counts: dict[str, int], noun: str) -> str:
    n = counts.get(noun, 0)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _handed_words(counts: dict[str, int]) -> str:
    nouns = [noun for noun in counts if noun != "session"]
    return " and ".join(_counted(counts, noun) for noun in nouns) or "nothing"


def _leaving_consequences(plan: services.Leaving) -> list[str]:
    """What deactivating will do, in words, for the confirmation page."""
    name, teams = plan.person.name, ", ".join(m.team.name for m in plan.memberships)
    said = [f"Every session of {name}'s ends at once: their next click lands on the login page."]
    if plan.keeps_account:
        said.append(f"They are also in another organisation, so their account stays open there; here they leave "
                    f"{teams or 'no team'} and cannot come back unless invited.")
    else:
        said.append(f"Their account is switched off: they can no longer sign in. They leave {teams or 'no team'}.")
    if any(plan.carried.values()):
        said.append(f"Their {_handed_words(plan.carried)} still open go to each team's leader, each with a notice.")
    elif plan.memberships:
        said.append("Nothing they carry is left open to hand over.")
    said.append("What they wrote stays, with their name marked “former member”. An admin can reactivate them "
                "from this page if this is a mistake.")
    return said


@login_required
@require_POST
def person_reactivate(request: HttpRequest, org_slug: str, user_id: int) -> HttpResponse:
    """Undo a deactivation: the account and the teams it had come back (what was handed over stays)."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.DEACTIVATE_PEOPLE)
    person = get_object_or_404(User, pk=user_id)
    try:
        back = services.reactivate_person(organisation=organisation, person=person, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        teams = ", ".join(m.team.name for m in back)
        messages.success(request, f"{person.name} is reactivated in {organisation.name}"
                                  + (f", back in {teams}." if teams else "."))
    return redirect(_people_url(request, organisation))


@login_required
@require_POST
def person_delete_account(request: HttpRequest, org_slug: str, user_id: int) -> HttpResponse:
    """An admin schedules the deletion of the account of someone in no other organisation: asked first."""
    organisation = permissions.organisation_capability_access(request.user, org_slug,
                                                              OrganisationCapability.DELETE_ACCOUNTS)
    person = get_object_or_404(User.objects.in_organisation(organisation), pk=user_id)
    if refusal := erasure.refusal_to_schedule(person=person, actor=request.user, organisation=organisation):
        return _people_page(request, organisation, status=409, refusal=(person.pk, refusal))
    days = settings.ACCOUNT_DELETION_GRACE_DAYS
    if question := confirm.ask(
            request, question=f"Delete {person.name}'s account?", yes=f"Yes, delete {person.name}'s account",
            back=_people_url(request, organisation), consequences=[
                f"In {days} day{'s' if days != 1 else ''}, their account is erased: their address, name and "
                f"password, their notifications, drafts and the words of their check-ins. We e-mail them now; "
                f"until then they can cancel it from their profile.",
                "On that day they are deactivated everywhere first: what they still carry goes to their teams' "
                "leaders. If they are then a team's only leader, the deletion waits and you are told.",
                "What the team needs stays, marked “Former member”: comments, decisions, retrospective cards "
                "(anonymous ones stay anonymous) and commitments.",
                "It cannot be undone once it is done. To cut their access now as well, deactivate them."]):
        return question
    try:
        when = erasure.schedule_erasure(person=person, actor=request.user, organisation=organisation)
    except ActionRefused as exc:
        return _people_page(request, organisation, status=409, refusal=(person.pk, str(exc)))
    messages.success(request, f"{person.name}'s account will be deleted after "
                              f"{timezone.localtime(when):%-d %B %Y}. We've told them by e-mail.")
    return redirect(_people_url(request, organisation))

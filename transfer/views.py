"""Import a spreadsheet (upload, preview, confirm), a team's CSV downloads, and the organisation's JSON export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import permissions as core_permissions
from alignment import refusals
from alignment.errors import ActionRefused
from transfer import exports, permissions, plans, selectors, services
from transfer.formats import FORMATS, ImportKind
from transfer.forms import UploadForm
from transfer.models import SpreadsheetImport
from transfer.sheets import Unreadable

# Importing ---------------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Upload a file to preview; the team's latest imports below."""
    access, archived = refusals.form_access(request, org_slug, team_slug, permissions.IMPORT_PAGE)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=permissions.import_kinds(access))
    status = 200
    if request.method == "POST":
        status = 400
        if archived:
            refusals.refuse_as_typed(form, archived)
            status = refusals.ARCHIVED_STATUS
        elif form.is_valid():
            kind = form.cleaned_data["kind"]
            permissions.require_import(access, kind)
            try:
                uploaded = services.upload(team=access.team, actor=request.user, kind=kind,
                                           upload_file=form.cleaned_data["file"])
            except Unreadable as error:
                form.add_error("file", str(error))
            else:
                return redirect(uploaded.get_absolute_url())
    return render(request, "transfer/import.html", {
        "team": access.team, "access": access, "form": form,
        "formats": [FORMATS[kind] for kind, _ in form.fields["kind"].choices],
        "recent": selectors.recent_imports(access.team),
    }, status=status)


@login_required
@require_GET
def import_example(request: HttpRequest, org_slug: str, team_slug: str, kind: str) -> HttpResponse:
    """An example file of one kind, with its columns: a start for a spreadsheet of one's own."""
    core_permissions.team_access(request.user, org_slug, team_slug, permissions.IMPORT_PAGE)
    if kind not in ImportKind.values:
        raise Http404("No such kind of import")
    response = HttpResponse("\ufeff" + FORMATS[kind].example_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="charter-{kind.replace("_", "-")}-example.csv"'
    return response


def _uploaded(request: HttpRequest, access, import_id: int) -> SpreadsheetImport:
    """The file this person uploaded to this team (404 for anyone else's), if they may still import its kind."""
    found = get_object_or_404(SpreadsheetImport.objects.select_related("team__organisation"), pk=import_id,
                              team=access.team, uploaded_by=request.user)
    permissions.require_import(access, found.kind)
    return found


def _preview(request: HttpRequest, access, uploaded: SpreadsheetImport, plan: plans.Plan, *, refusal: str = "",
             status: int = 200) -> HttpResponse:
    return render(request, "transfer/import_preview.html", {
        "team": access.team, "access": access, "uploaded": uploaded, "plan": plan, "refusal": refusal,
    }, status=status)


@login_required
@require_GET
def import_preview(request: HttpRequest, org_slug: str, team_slug: str, import_id: int) -> HttpResponse:
    """What the file would do, row by row, with each row's errors in words: nothing is written here."""
    access = core_permissions.team_access(request.user, org_slug, team_slug, permissions.IMPORT_PAGE)
    uploaded = _uploaded(request, access, import_id)
    if uploaded.is_applied:
        messages.info(request, f"{uploaded.file_name} was imported already.")
        return redirect("transfer:import", org_slug, team_slug)
    return _preview(request, access, uploaded, services.preview(uploaded))


@login_required
@require_POST
def import_confirm(request: HttpRequest, org_slug: str, team_slug: str, import_id: int) -> HttpResponse:
    """Write the previewed file in one transaction, once; a world changed since the preview shows it again."""
    access, archived = refusals.form_access(request, org_slug, team_slug, permissions.IMPORT_PAGE)
    uploaded = _uploaded(request, access, import_id) if not archived else get_object_or_404(
        SpreadsheetImport.objects.select_related("team__organisation"), pk=import_id, team=access.team,
        uploaded_by=request.user)
    if archived:
        return _preview(request, access, uploaded, services.preview(uploaded), refusal=archived,
                        status=refusals.ARCHIVED_STATUS)
    try:
        counts = services.apply_import(spreadsheet_import=uploaded, actor=request.user)
    except services.ImportRefused as refused:
        if refused.plan is None:
            messages.info(request, str(refused))
            return redirect("transfer:import", org_slug, team_slug)
        return _preview(request, access, uploaded, refused.plan, refusal=str(refused), status=409)
    messages.success(request, f"Imported {uploaded.file_name}: {plans.summary(counts)}.")
    if uploaded.kind == ImportKind.GOALS:
        return redirect("charters:detail", org_slug, team_slug)
    return redirect("transfer:import", org_slug, team_slug)


# A team's CSV downloads -----------------------------------------------------------------------------------------

@login_required
@require_GET
def export_page(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The CSV files this reader may take out of the team."""
    access = core_permissions.team_access(request.user, org_slug, team_slug, permissions.EXPORT_PAGE)
    return render(request, "transfer/export.html", {"team": access.team, "access": access,
                                                    "exports": permissions.exports_for(access)})


def _download(access, name: str, rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="{access.team.slug}-{name}-'
                                       f'{timezone.localdate(timezone=access.team.zone).isoformat()}.csv"')
    return response


@login_required
@require_GET
def export_decisions(request: HttpRequest, org_slug: str, team_slug: str) -> StreamingHttpResponse:
    access = core_permissions.team_access(request.user, org_slug, team_slug, permissions.DECISIONS)
    return _download(access, "decisions", exports.decisions_csv(access))


@login_required
@require_GET
def export_key_result_history(request: HttpRequest, org_slug: str, team_slug: str) -> StreamingHttpResponse:
    access = core_permissions.team_access(request.user, org_slug, team_slug, permissions.KEY_RESULT_HISTORY)
    return _download(access, "key-result-history", exports.key_result_history_csv(access))


@login_required
@require_GET
def export_commitments(request: HttpRequest, org_slug: str, team_slug: str) -> StreamingHttpResponse:
    access = core_permissions.team_access(request.user, org_slug, team_slug, permissions.COMMITMENTS)
    return _download(access, "commitments", exports.commitments_csv(access))


@login_required
@require_GET
def export_checkins(request: HttpRequest, org_slug: str, team_slug: str) -> StreamingHttpResponse:
    access = core_permissions.team_access(request.user, org_slug, team_slug, permissions.CHECKINS)
    return _download(access, "checkins", exports.checkins_csv(access))


# The whole organisation ----------------------------------------------------------------------------------------

def _admin_of(request: HttpRequest, org_slug: str):
    organisation = core_permissions.organisation_access(request.user, org_slug)
    core_permissions.require_organisation_admin(request.user, organisation)
    return organisation


@login_required
@require_http_methods(["GET", "POST"])
def organisation_export(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Ask for the whole organisation as JSON; the page says where the latest export stands."""
    organisation = _admin_of(request, org_slug)
    if request.method == "POST":
        try:
            services.request_organisation_export(organisation=organisation, actor=request.user)
        except ActionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "The export is being prepared: we'll e-mail you the link when it is ready.")
        return redirect("transfer:organisation_export", org_slug)
    now = timezone.now()
    export = services.latest_export(organisation, request.user)
    return render(request, "transfer/organisation_export.html", {
        "organisation": organisation, "export": export,
        "ready": export is not None and export.is_downloadable(now),
        "expired": export is not None and export.is_expired(now),
        "stuck": export is not None and services.is_stuck(export, now),
        "download_url": services.download_url(export) if export is not None else "",
    })


@login_required
@require_GET
def organisation_export_download(request: HttpRequest, org_slug: str, export_id: int) -> HttpResponse:
    """The JSON, for the admin who asked alone while the link lasts; 404 for everyone else."""
    organisation = core_permissions.organisation_access(request.user, org_slug)
    export = services.find_download(organisation=organisation, export_id=export_id, user=request.user)
    if export is None:
        raise Http404("No such export")
    services.record_download(export=export, actor=request.user)
    response = HttpResponse(services.unzipped(export), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{services.file_name(export)}"'
    return response

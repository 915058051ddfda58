"""Import and export of the territory as one Excel workbook: places, service points, organisations.

The reading, checking and writing live in `gongzhi.imports`; these views only authorise and render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gongzhi.core.exports import workbook_response
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere
from gongzhi.imports.forms import ImportForm
from gongzhi.imports.models import ImportJob
from gongzhi.imports.tasks import start_import
from gongzhi.imports.workbook import export_workbook, template_workbook
from gongzhi.territory.forms import bootstrapify

RECENT_JOBS = 10
_LIST_FIELDS = (
    "filename",
    "status",
    "stage",
    "total_rows",
    "processed_rows",
    "created",
    "created_at",
    "user_id",
)


def _require(request: HttpRequest, action: str) -> None:
    if not can_anywhere(request.user, action):
        raise PermissionDenied


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a workbook (subdistrict administrators); see this user's recent imports."""
    _require(request, Action.MANAGE)
    form = bootstrapify(ImportForm(request.POST or None, request.FILES or None))
    if request.method == "POST" and form.is_valid():
        job = start_import(user=request.user, filename=form.filename, content=form.content, book=form.book)
        return redirect("territory:import_status", job.pk)
    jobs = ImportJob.objects.filter(user=request.user, importer="").only(*_LIST_FIELDS)[:RECENT_JOBS]
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "jobs": jobs, "status_url": "territory:import_status"}
    return render(request, "territory/import.html", context, status=status)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW)
    return workbook_response(template_workbook(), "territory-template")


@login_required
def export_all(request: HttpRequest) -> HttpResponse:
    """Everything the user may see, in the import layout."""
    _require(request, Action.VIEW)
    return workbook_response(export_workbook(request.user), "territory")


@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress and outcome, for the user who uploaded it only. htmx polls the panel."""
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk, user=request.user, importer="")
    polled = request.htmx and not request.htmx.history_restore_request
    template = "territory/import_status.html#panel" if polled else "territory/import_status.html"
    return render(request, template, {"job": job})

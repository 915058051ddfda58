"""Import and export of the member register as an Excel workbook.

The reading, checking and writing live in `gongzhi.members.imports` (on the machinery of `gongzhi.imports`);
these views only authorise and render. The full export reveals personal data: it is a POST, like every other
reveal, and audited.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from gongzhi.core.exports import workbook_response
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere
from gongzhi.imports.models import ImportJob
from gongzhi.imports.tasks import start_import
from gongzhi.members.imports import IMPORTER_PATH, MemberImportForm, export_workbook, members_workbook
from gongzhi.members.models import Member
from gongzhi.members.selectors import members_visible_to
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


def _member_jobs(request: HttpRequest) -> QuerySet[ImportJob]:
    """This user's imports of the member register: they count members from the moment they start."""
    return ImportJob.objects.filter(user=request.user, importer=IMPORTER_PATH)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a member workbook (anyone who may change a branch somewhere); see this user's recent imports."""
    _require(request, Action.CHANGE)
    form = bootstrapify(MemberImportForm(request.POST or None, request.FILES or None))
    if request.method == "POST" and form.is_valid():
        job = start_import(
            user=request.user,
            filename=form.filename,
            content=form.content,
            book=form.book,
            importer=IMPORTER_PATH,
        )
        return redirect("members:import_status", job.pk)
    context = {
        "form": form,
        "jobs": _member_jobs(request).only(*_LIST_FIELDS)[:RECENT_JOBS],
        "can_reveal": can_anywhere(request.user, Action.REVEAL),
        "status_url": "members:import_status",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "members/import.html", context, status=status)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW)
    return workbook_response(members_workbook(request.user, []), "party-members-template")


def _exported(request: HttpRequest) -> QuerySet[Member]:
    """The current members the user may see, of one organisation when the list was filtered so."""
    members = members_visible_to(request.user).current()
    org_id = request.GET.get("organization", "")
    if org_id.isdigit():
        members = members.filter(branch_id=int(org_id))
    return members


@login_required
@require_http_methods(["GET", "POST"])
def import_export(request: HttpRequest) -> HttpResponse:
    """The register in the import layout: masked on GET; in clear on POST, for those who may reveal it."""
    _require(request, Action.VIEW)
    if request.method == "POST":
        workbook = export_workbook(request.user, _exported(request), full=True)
        return workbook_response(workbook, "party-members-full")
    return workbook_response(export_workbook(request.user, _exported(request)), "party-members")


@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress and outcome, for the user who uploaded it only. htmx polls the panel."""
    job = get_object_or_404(_member_jobs(request).defer("content"), pk=pk)
    polled = request.htmx and not request.htmx.history_restore_request
    template = "members/import_status.html#panel" if polled else "members/import_status.html"
    return render(request, template, {"job": job})

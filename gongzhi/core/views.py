"""The workbench and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from gongzhi.core import audit_display
from gongzhi.core.models import AuditEvent
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere, scope_q, uses_the_portal
from gongzhi.territory.selectors import home_places


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user lands: what needs doing (demands, missed organisational life, dues in
    arrears) and the coverage of the places they work on."""
    from gongzhi.party.coverage import coverage_report

    # Residents, and people with no role yet, use the phone portal for their own demands.
    if uses_the_portal(request.user):
        return redirect("portal:home")
    from gongzhi.demands.selectors import workbench_counts
    from gongzhi.dues.selectors import arrears_alerts_visible_to

    reports = [coverage_report(place) for place in home_places(request.user)[:3]]
    context = {"reports": reports, "dues_alerts": arrears_alerts_visible_to(request.user)}
    if can_anywhere(request.user, Action.VIEW):
        # The residents' demands the user works on, each figure a link to the worklist so filtered.
        context["demands"] = workbench_counts(request.user, timezone.now())
        context["can_handle"] = can_anywhere(request.user, Action.CHANGE)
    return render(request, "core/workbench.html", context)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, limited to events at the places the user may audit."""
    if not can_anywhere(request.user, Action.AUDIT):
        raise PermissionDenied
    events = AuditEvent.objects.filter(scope_q(request.user, Action.AUDIT, "place_path"))
    q = request.GET.get("q", "").strip()
    if q:
        events = events.filter(
            Q(actor_name__icontains=q) | Q(target_repr__icontains=q) | Q(action__icontains=q)
        )
    target_type = request.GET.get("type", "").strip()
    if target_type:
        events = events.filter(target_type=target_type)
    page = paginate(request, events)
    rows = [(e, audit_display.actor(e), audit_display.changes(e)) for e in page]
    context = {"page_obj": page, "rows": rows, "q": q, "type": target_type}
    return render(request, "core/audit_list.html", context)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("core:workbench")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 in the layout of the part of the site it was asked in: residents in the portal (/m/) stay in it."""
    template = "portal/404.html" if request.path.startswith("/m/") else "404.html"
    return render(request, template, {"request_path": request.path}, status=404)

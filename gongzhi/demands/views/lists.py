"""The handler's worklist (with bulk assignment), the list of all demands in view, and their exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere, require_anywhere
from gongzhi.demands import exports, selectors, services
from gongzhi.demands.models import OPEN_STATES, Demand, Status
from gongzhi.demands.page_selectors import filter_demands, handler_candidates, handler_choices, sorted_demands
from gongzhi.demands.views.common import TABLE_COLUMNS, DemandTable, filter_form, filters_html, safe_next
from gongzhi.demands.views.intake import may_report

OPEN_CHOICES = [(s.value, s.label) for s in OPEN_STATES]


def _paged_total(counts: dict[str, int], status: str, overdue: bool) -> int | None:
    """How many demands the pages hold, read off the pills' counts when a pill counts exactly them. None
    (the pager counts them) for a state and overdue at once, which no pill counts."""
    if status and overdue:
        return None
    if status:
        return counts.get(status, 0)
    if overdue:
        return counts["overdue"]
    return sum(n for code, n in counts.items() if code != "overdue")


def _listing(
    request: HttpRequest,
    base: QuerySet[Demand],
    statuses: list[tuple[str, str]],
    default_sort: str,
    *,
    selectable: bool = False,
    text_search: bool = False,
) -> dict[str, Any]:
    """The filtered, sorted page and the pills (counts by state and overdue, under the other filters)."""
    now = timezone.now()
    form = filter_form(request, statuses, default_sort)
    values = form.values()
    status, overdue = values.get("status") or "", bool(values.get("overdue"))
    # The pills count the demands under every filter but the state ones; the page is that set narrowed
    # by them, and its total is one of the pills' counts (see _paged_total).
    others = filter_demands(base, values, now=now, with_state=False, user=request.user)
    counts = selectors.counts_by_status(others, now)
    demands = sorted_demands(
        filter_demands(others, {"status": status, "overdue": overdue}, now=now),
        values.get("sort") or "",
        default_sort,
    )
    page = paginate(request, demands.values_list(*TABLE_COLUMNS), count=_paged_total(counts, status, overdue))
    pills = [(code, label, counts.get(code, 0)) for code, label in statuses]
    return {
        "filters_html": filters_html(form, text_search=text_search),
        "page_obj": page,
        "rows": DemandTable(now=now, selectable=selectable).rows(page),
        "pills": pills,
        "all_count": sum(n for _code, _label, n in pills),
        "overdue_count": counts["overdue"],
        "status": status,
        "overdue": overdue,
        # An empty table says "clear the filters" only when some filter narrowed it.
        "filtered": any(value for name, value in values.items() if name != "sort"),
    }


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    can_assign = can_anywhere(request.user, Action.CHANGE)
    context = _listing(
        request, selectors.open_worklist(request.user), OPEN_CHOICES, "due", selectable=can_assign
    )
    handlers = handler_choices(request.user) if can_assign else []
    context.update({"can_assign": can_assign, "handlers": handlers, "can_create": can_assign})
    # A grid worker reports from the grid (staff who may change enter demands with "New demand").
    context["can_grid_report"] = not can_assign and may_report(request.user)
    return render(request, "demands/worklist.html", context)


@login_required
def demand_list(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    base = selectors.demands_visible_to(request.user)
    context = _listing(request, base, list(Status.choices), "new", text_search=True)
    context["can_create"] = can_anywhere(request.user, Action.CHANGE)
    return render(request, "demands/demand_list.html", context)


def _export(request: HttpRequest, base: QuerySet[Demand], statuses, default_sort: str, fmt: str, name: str):
    if fmt not in exports.FORMATS:
        raise Http404
    values = filter_form(request, statuses, default_sort).values()
    demands = sorted_demands(
        filter_demands(base, values, now=timezone.now(), user=request.user),
        values.get("sort") or "",
        default_sort,
    )
    return exports.demands_export(demands, fmt, name)


@login_required
def worklist_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered worklist as CSV or Excel; contact phones masked as on screen."""
    require_anywhere(request.user, Action.VIEW)
    return _export(request, selectors.open_worklist(request.user), OPEN_CHOICES, "due", fmt, "worklist")


@login_required
def list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    base = selectors.demands_visible_to(request.user)
    return _export(request, base, list(Status.choices), "new", fmt, "demands")


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch the ticked demands to one handler, in one transaction with a savepoint per demand: a demand
    the service refuses is reported with its reason and the others stay dispatched."""
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    back = safe_next(request, reverse("demands:worklist"))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    handler_id = request.POST.get("handler", "")
    handler = handler_candidates(request.user).filter(pk=handler_id).first() if handler_id.isdigit() else None
    if not ids:
        messages.error(request, _("Tick the demands to dispatch."))
        return redirect(back)
    if handler is None:
        messages.error(request, _("Choose a handler among those who can handle demands at your places."))
        return redirect(back)
    demands = list(selectors.worklist(request.user).filter(pk__in=ids).order_by("number"))
    note = request.POST.get("note", "").strip()
    done: list[str] = []
    failed: list[tuple[str, str]] = []
    with transaction.atomic():
        for demand in demands:
            try:
                services.demand_dispatch(by=request.user, demand=demand, handler=handler, note=note)
            except ValidationError as exc:
                failed.append((demand.number, " ".join(exc.messages)))
            except PermissionDenied:
                failed.append((demand.number, _("You may not handle this demand.")))
            else:
                done.append(demand.number)
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)d demand was dispatched to %(handler)s: %(numbers)s",
                "%(n)d demands were dispatched to %(handler)s: %(numbers)s",
                len(done),
            )
            % {"n": len(done), "handler": handler, "numbers": ", ".join(done)},
        )
    for number, reason in failed:
        messages.error(
            request, _("%(number)s was not dispatched: %(reason)s") % {"number": number, "reason": reason}
        )
    missing = len(set(ids)) - len(demands)
    if missing:
        messages.warning(
            request,
            ngettext(
                "%(n)d ticked demand is no longer open to you.",
                "%(n)d ticked demands are no longer open to you.",
                missing,
            )
            % {"n": missing},
        )
    return redirect(back)

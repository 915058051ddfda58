"""Pages for the working-day calendar: the override rows of a year, adding and removing one.

Subdistrict-wide configuration: only users with the `manage` action (and superusers) see these pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import require_anywhere
from gongzhi.territory.forms import bootstrapify
from gongzhi.workdays import services
from gongzhi.workdays.calendar import PACKAGE_YEARS, package_days
from gongzhi.workdays.forms import CalendarDayForm
from gongzhi.workdays.models import CalendarDay

YEARS = range(2000, 2101)


def _year(value: str | None) -> int:
    """The year asked for, or this year for anything unusable."""
    try:
        year = int(value or "")
    except ValueError:
        year = 0
    return year if year in YEARS else timezone.localdate().year


def _list_url(year: int) -> str:
    return f"{reverse('workdays:day_list')}?year={year}"


def _render_list(request: HttpRequest, year: int, form: CalendarDayForm, status: int = 200) -> HttpResponse:
    rows = CalendarDay.objects.filter(date__year=year).select_related("created_by").order_by("date")
    page = paginate(request, rows)
    in_package = year in PACKAGE_YEARS
    overridden = set(rows.values_list("date", flat=True)) if in_package else set()
    context = {
        "year": year,
        "page_obj": page,
        "form": form,
        "package_days": package_days(year),
        "package_years": PACKAGE_YEARS,
        "in_package": in_package,
        "overridden": overridden,
        "remove_confirm": _("Remove this day from the calendar? Time limits will be counted without it."),
    }
    return render(request, "workdays/day_list.html", context, status=status)


@login_required
def day_list(request: HttpRequest) -> HttpResponse:
    """A year's override rows (paged) with the add form, beside what the package knows of that year."""
    require_anywhere(request.user, Action.MANAGE)
    return _render_list(request, _year(request.GET.get("year")), bootstrapify(CalendarDayForm()))


@login_required
@require_POST
def day_add(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    form = bootstrapify(CalendarDayForm(request.POST))
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = services.calendar_day_add(
                by=request.user, day=data["date"], kind=data["kind"], note=data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(day)s was added to the calendar.") % {"day": row})
            return redirect(_list_url(row.date.year))
    year = form.cleaned_data["date"].year if form.cleaned_data.get("date") else _year(request.GET.get("year"))
    return _render_list(request, year, form, status=400)


@login_required
@require_POST
def day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    row = get_object_or_404(CalendarDay, pk=pk)
    services.calendar_day_remove(by=request.user, row=row)
    messages.success(request, _("%(day)s was removed from the calendar.") % {"day": row})
    return redirect(_list_url(row.date.year))

"""Pages for companies: the register, a company's figures by year with a chart, recording a year, export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.collective import services
from gongzhi.collective.exports import companies_workbook
from gongzhi.collective.forms import CompanyForm, CompanyYearForm
from gongzhi.collective.models import COMPANY_PLACE_KINDS, Company
from gongzhi.collective.selectors import (
    companies_at_or_below,
    companies_visible_to,
    company_years,
    get_company_for_user,
    get_year_for_user,
    with_latest_year,
)
from gongzhi.core.exports import workbook_response
from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere
from gongzhi.party.models import OrgKind
from gongzhi.party.selectors import orgs_visible_to
from gongzhi.territory.forms import bootstrapify
from gongzhi.territory.selectors import get_place_for_user, places_visible_to


def staff_only(request: HttpRequest) -> None:
    """The registers are for staff: residents and visitors with no view rights anywhere get 403."""
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied


def _filtered(request: HttpRequest):
    companies = companies_visible_to(request.user)
    place = None
    code = request.GET.get("place", "").strip()
    if code:
        place = get_place_for_user(request.user, code)
        companies = companies & companies_at_or_below(place)
    q = request.GET.get("q", "").strip()
    if q:
        companies = companies.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return companies.order_by("resident_group__path", "code"), place, q


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    companies, place, q = _filtered(request)
    context = {
        "page_obj": paginate(request, with_latest_year(companies)),
        "place": place,
        "q": q,
        "can_create": can_anywhere(request.user, Action.CHANGE),
    }
    return render(request, "collective/company_list.html", context)


@login_required
def company_list_export(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    companies, _place, _q = _filtered(request)
    return workbook_response(companies_workbook(companies), "collective-economy")


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    places = places_visible_to(request.user, Action.CHANGE).filter(kind__in=COMPANY_PLACE_KINDS)
    branches = orgs_visible_to(request.user, Action.CHANGE).filter(
        kind__in=(OrgKind.BRANCH, OrgKind.GENERAL_BRANCH), dissolved_on__isnull=True
    )
    form = bootstrapify(CompanyForm(request.POST or None, places=places.order_by("path"), branches=branches))
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": company.name})
            return redirect("collective:company_detail", company.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("Register a company")}
    return render(request, "collective/form.html", context, status=status)


def _chart_data(years) -> dict[str, str]:
    """The chart's series as `|`-separated numbers for data-* attributes: no inline script."""
    return {
        "years": "|".join(str(y.year) for y in years),
        "revenue": "|".join(f"{y.revenue:.2f}" for y in years),
        "dividend": "|".join(f"{y.dividend_per_share:.2f}" for y in years),
    }


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request)
    company = get_company_for_user(request.user, pk)
    years = list(company_years(company))
    context = {
        "company": company,
        "crumbs": [*company.resident_group.ancestors(), company.resident_group],
        "years": years,
        "chart": _chart_data(years),
        "decisions": company.decisions.select_related("place").order_by("-proposed_on", "-id")[:20],
        "can_change": can(request.user, Action.CHANGE, company.resident_group.path),
    }
    return render(request, "collective/company_detail.html", context)


@login_required
def company_export(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request)
    company = get_company_for_user(request.user, pk)
    return workbook_response(
        companies_workbook(Company.objects.filter(pk=company.pk).select_related("resident_group", "branch")),
        company.code,
    )


@login_required
def year_create(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for_user(request.user, pk, Action.CHANGE)
    form = bootstrapify(CompanyYearForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            record = services.company_year_record(by=request.user, company=company, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The figures for %(year)d were recorded.") % {"year": record.year})
            return redirect("collective:company_detail", company.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "company": company,
        "title": _("Record a year of %(name)s") % {"name": company.name},
    }
    return render(request, "collective/form.html", context, status=status)


@login_required
def year_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_year_for_user(request.user, pk, Action.CHANGE)
    company = record.company
    initial = {
        name: getattr(record, name)
        for name in (
            "year",
            "shareholders",
            "revenue",
            "profit",
            "dividend_per_share",
            "total_dividends",
            "note",
        )
    }
    form = bootstrapify(CompanyYearForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            services.company_year_update(by=request.user, record=record, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The figures for %(year)d were corrected.") % {"year": record.year})
            return redirect("collective:company_detail", company.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "company": company,
        "title": _("Correct %(year)d of %(name)s") % {"year": record.year, "name": company.name},
    }
    return render(request, "collective/form.html", context, status=status)

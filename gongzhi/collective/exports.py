"""Excel export of companies and their figures by year (yuan), in the shared export style."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gongzhi.collective.models import Company, CompanyYear
from gongzhi.core.exports import add_sheet, new_workbook


def companies_workbook(companies: QuerySet[Company]) -> Workbook:
    """Two sheets: the companies, and one row per company and year."""
    companies = list(
        companies.prefetch_related(Prefetch("years", queryset=CompanyYear.objects.order_by("year")))
    )
    wb = new_workbook()
    add_sheet(
        wb,
        _("Companies"),
        [
            _("Code"),
            _("Name"),
            _("Resident group"),
            _("Supervising party branch"),
            _("Chairman"),
            _("Registered on"),
        ],
        (
            [
                c.code,
                c.name,
                c.resident_group.name,
                c.branch.name if c.branch else "",
                c.chairman,
                c.registered_on,
            ]
            for c in companies
        ),
    )
    add_sheet(
        wb,
        _("Figures by year"),
        [
            _("Company"),
            _("Year"),
            _("Shareholders"),
            _("Revenue (yuan)"),
            _("Profit (yuan)"),
            _("Total dividends (yuan)"),
            _("Dividend per share (yuan)"),
            _("Note"),
        ],
        (
            [
                c.name,
                y.year,
                y.shareholders,
                y.revenue,
                y.profit,
                y.total_dividends,
                y.dividend_per_share,
                y.note,
            ]
            for c in companies
            for y in c.years.all()
        ),
    )
    return wb

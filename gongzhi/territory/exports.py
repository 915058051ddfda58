"""Coverage as a spreadsheet: the same figures as the page and the API."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from gongzhi.core.exports import add_sheet, new_workbook, workbook_response
from gongzhi.party.coverage import CoverageReport
from gongzhi.territory.models import PlaceKind


def coverage_workbook(report: CoverageReport) -> HttpResponse:
    wb = new_workbook()
    yes, no = _("Yes"), _("No")
    add_sheet(
        wb,
        _("By community"),
        [_("Community"), _("Residential areas"), _("Covered"), _("Served"), _("Coverage rate")],
        [[t.community.name, t.areas, t.covered, t.served, t.coverage_rate] for t in report.by_community]
        + [
            [
                _("Total"),
                report.total.areas,
                report.total.covered,
                report.total.served,
                report.total.coverage_rate,
            ]
        ],
    )
    add_sheet(
        wb,
        _("By kind"),
        [_("Kind"), _("Residential areas"), _("Covered"), _("Served"), _("Coverage rate")],
        [
            [PlaceKind(k).label, t.areas, t.covered, t.served, t.coverage_rate]
            for k, t in report.by_kind.items()
        ],
    )
    add_sheet(
        wb,
        _("Areas"),
        [_("Code"), _("Name"), _("Kind"), _("Covered"), _("Served")],
        [
            [r.code, r.name, r.kind_label, yes if r.covered else no, yes if r.served else no]
            for r in report.rows
        ],
    )
    return workbook_response(wb, f"coverage-{report.place.code}")

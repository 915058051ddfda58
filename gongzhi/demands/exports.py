"""Exports of demands (CSV and Excel) and of their statistics (Excel). Phones are masked as on screen."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.exports import add_sheet, new_workbook, safe_cell, workbook_response
from gongzhi.demands.models import Demand

FORMATS = ("csv", "xlsx")


def demand_header() -> list[str]:
    return [
        _("Number"),
        _("Status"),
        _("Level"),
        _("Category"),
        _("Place"),
        _("Channel"),
        _("Submitted at"),
        _("Due at this level"),
        _("Station"),
        _("Handler"),
        _("Contact name"),
        _("Contact phone"),
        _("Description"),
        _("Resolved at"),
        _("Resolved at level"),
        _("Reply"),
        _("Rating"),
        _("Rating comment"),
    ]


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def demand_rows(demands: QuerySet[Demand]) -> Iterator[list[Any]]:
    for d in demands.iterator(chunk_size=500):
        yield [
            d.number,
            d.get_status_display(),
            d.get_level_display(),
            d.category.name,
            d.place.name,
            d.get_channel_display(),
            _when(d.created_at),
            _when(d.level_due),
            d.station.name if d.station_id else "",
            str(d.handler) if d.handler_id else "",
            d.contact_name,
            d.contact_phone_masked,
            d.description,
            _when(d.resolved_at),
            d.get_closed_level_display() if d.closed_level else "",
            d.reply,
            d.get_rating_display() if d.rating else "",
            d.rating_comment,
        ]


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    """CSV for any spreadsheet: UTF-8 with a byte-order mark (Excel), cells that look like formulas quoted.
    Written whole inside the request, so that every label is in the reader's language."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


def demands_export(demands: QuerySet[Demand], fmt: str, filename: str) -> HttpResponse:
    if fmt == "csv":
        return csv_response(demand_header(), demand_rows(demands), filename)
    wb = new_workbook()
    add_sheet(wb, _("Demands"), demand_header(), demand_rows(demands))
    return workbook_response(wb, filename)


def own_label(place: Any) -> str:
    """The statistics row of the demands registered at a place itself, not at a place below it."""
    return _("%(place)s (registered at this level)") % {"place": place.name}


def _pct(value: float | None) -> float | str:
    """A rate as a number (the sheet formats it as a percentage), so that it can be calculated with."""
    return "" if value is None else round(value, 4)


def _percent_columns(ws: Any, *columns: str) -> None:
    for column in columns:
        for cell in ws[column][1:]:
            cell.number_format = "0.0%"


def stats_export(figures: dict, filename: str) -> HttpResponse:
    """The figures of the statistics page, one sheet per table."""
    wb = new_workbook()
    period = f"{figures['since']:%Y-%m-%d} – {figures['until']:%Y-%m-%d}"
    summary = add_sheet(
        wb,
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Place"), figures["place"].name],
            [_("Period"), period],
            [_("Demands"), figures["stats"]["total"]],
            [_("Resolved"), figures["stats"]["resolved"]],
            [_("On-time rate"), _pct(figures["on_time_rate"])],
            [_("Local-resolution rate"), _pct(figures["local_rate"])],
            [_("Satisfaction"), _pct(figures["satisfaction_rate"])],
            *[[label, n] for label, n in figures["ratings"]],
        ],
    )
    for row in summary.iter_rows(min_row=2):
        if isinstance(row[1].value, float):
            row[1].number_format = "0.0%"
    add_sheet(wb, _("By category"), [_("Category"), _("Demands")], figures["by_category"])
    by_place = add_sheet(
        wb,
        _("By place"),
        [
            _("Place"),
            _("Demands"),
            _("Resolved"),
            _("On-time rate"),
            _("Local-resolution rate"),
            _("Satisfaction"),
        ],
        [
            [
                own_label(r["place"]) if r["own"] else r["place"].name,
                r["total"],
                r["resolved"],
                _pct(r["on_time_rate"]),
                _pct(r["local_rate"]),
                _pct(r["satisfaction_rate"]),
            ]
            for r in figures["by_place"]
        ],
    )
    _percent_columns(by_place, "D", "E", "F")
    add_sheet(
        wb,
        _("By month"),
        [_("Month"), _("Demands"), _("Resolved"), _("On time"), _("Resolved locally")],
        [
            [m["label"], m["total"], m["resolved"], m["on_time"], m["resolved_locally"]]
            for m in figures["months"]
        ],
    )
    return workbook_response(wb, filename)

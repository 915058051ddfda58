"""Reading an uploaded workbook into rows, and writing the template and the export in the same layout."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from gongzhi.core.exports import add_sheet, new_workbook
from gongzhi.core.roles import Action
from gongzhi.core.scoping import scope_q
from gongzhi.imports.layout import (
    INSTRUCTIONS,
    ORGS,
    PLACES,
    POINTS,
    SHEETS,
    Problem,
    Sheet,
    instruction_rows,
    normalise,
    translations,
)
from gongzhi.party.models import OrgCoverage, PartyOrg
from gongzhi.territory.models import Place, ServiceArea, ServicePoint

# A sheet longer than this is refused rather than read (a runaway or hostile file).
MAX_SHEET_ROWS = 50_000
# Unpacked, an .xlsx is many times its size; past this it is refused before openpyxl reads it (zip bombs).
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
_FORMULA_START = ("=", "+", "-", "@")


class NotAWorkbook(Exception):
    """The upload is not an .xlsx file openpyxl can read."""


@dataclass
class Row:
    number: int  # the Excel row number: the header is row 1
    values: dict[str, Any]


@dataclass
class Book:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _cell(value: Any) -> Any:
    """A cell as the checks want it: text stripped, whole numbers as text, dates kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.strip()
        # The export quotes text that would run as a formula (see core.exports.safe_cell): undo it.
        if value.startswith("'") and value[1:].startswith(_FORMULA_START):
            value = value[1:]
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value  # date, datetime, time


def _header_map(sheet: Sheet, header: tuple[Any, ...], problems: list[Problem]) -> dict[str, int]:
    title = str(sheet)
    aliases = {column.key: translations(column.header) for column in sheet.columns}
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        if text is None or not str(text).strip():
            continue
        key = next((k for k, names in aliases.items() if normalise(text) in names), None)
        if key is None:
            message = _("Unknown column: use the headers of the template.")
            problems.append(Problem(title, 1, str(text).strip(), message))
        elif key in positions:
            problems.append(Problem(title, 1, str(text).strip(), _("This column appears twice.")))
        else:
            positions[key] = index
    for column in sheet.columns:
        if column.key not in positions:
            problems.append(Problem(title, 1, str(column), _("This column is missing.")))
    return positions


def _read_sheet(sheet: Sheet, ws: Any, problems: list[Problem]) -> list[Row]:
    lines = ws.iter_rows(values_only=True)
    positions = _header_map(sheet, tuple(next(lines, ())), problems)
    rows: list[Row] = []
    for number, line in enumerate(lines, start=2):
        if number > MAX_SHEET_ROWS + 1:
            message = _("The sheet has more than %(max)d rows: split it into several files.") % {
                "max": MAX_SHEET_ROWS
            }
            problems.append(Problem(str(sheet), number, "", message))
            break
        values = {key: _cell(line[i]) if i < len(line) else "" for key, i in positions.items()}
        if any(v != "" for v in values.values()):
            rows.append(Row(number, values))
    return rows


def read_book(content: bytes, sheets: tuple[Sheet, ...] = SHEETS) -> Book:
    """Read `sheets` (by default the territory's three) of the workbook. Raises NotAWorkbook when it is no .xlsx."""
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotAWorkbook from exc
    if unpacked > MAX_UNPACKED_BYTES:
        message = _("The workbook is too large once unpacked: split it into several files.")
        return Book(problems=[Problem(message=message)])
    try:
        wb = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors alike: it is not a workbook we can read
        raise NotAWorkbook from exc
    book = Book()
    try:
        by_title = {normalise(ws.title): ws for ws in wb.worksheets}
        for sheet in sheets:
            ws = next((by_title[t] for t in translations(sheet.title) if t in by_title), None)
            if ws is None:
                message = _("The sheet “%(sheet)s” is missing.") % {"sheet": sheet}
                book.problems.append(Problem(str(sheet), None, "", message))
                book.rows[sheet.key] = []
                continue
            book.rows[sheet.key] = _read_sheet(sheet, ws, book.problems)
    except Exception as exc:  # a damaged part found while reading
        raise NotAWorkbook from exc
    finally:
        wb.close()
    return book


def _workbook(places: list[list[Any]], points: list[list[Any]], orgs: list[list[Any]]) -> Workbook:
    wb = new_workbook()
    add_sheet(wb, str(PLACES), PLACES.headers(), places)
    add_sheet(wb, str(POINTS), POINTS.headers(), points)
    ws = add_sheet(wb, str(ORGS), ORGS.headers(), orgs)
    date_column = ORGS.columns.index(ORGS.column("established_on")) + 1
    for (cell,) in ws.iter_rows(min_row=2, min_col=date_column, max_col=date_column):
        cell.number_format = "yyyy-mm-dd"
    header, rows = instruction_rows()
    ws = add_sheet(wb, str(INSTRUCTIONS), header, rows)
    ws.column_dimensions["C"].width = 40
    ws.column_dimensions["D"].width = 40
    return wb


def template_workbook() -> Workbook:
    return _workbook([], [], [])


def _parents_first(orgs: list[PartyOrg]) -> list[PartyOrg]:
    by_id = {o.pk: o for o in orgs}
    ordered: list[PartyOrg] = []
    seen: set[int] = set()
    for org in orgs:
        chain = []
        node: PartyOrg | None = org
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = by_id.get(node.parent_id) if node.parent_id else None
        ordered.extend(reversed(chain))
    return ordered


def export_workbook(user: Any) -> Workbook:
    """Everything `user` may see, in the import layout: importing it into an empty database rebuilds it."""
    today = timezone.localdate()
    view = Action.VIEW
    places = Place.objects.filter(scope_q(user, view, "path"), closed_on__isnull=True).select_related(
        "parent"
    )
    place_rows = [
        [p.code, p.name, p.kind, p.parent.code if p.parent else "", p.address, p.note]
        for p in places.order_by("path")
    ]
    areas = ServiceArea.objects.filter(scope_q(user, view, "area__path"), area__closed_on__isnull=True)
    points = (
        ServicePoint.objects.filter(scope_q(user, view, "place__path"), closed_on__isnull=True)
        .filter(place__closed_on__isnull=True)
        .select_related("place")
        .prefetch_related(Prefetch("areas", queryset=areas.select_related("area").order_by("area__path")))
        .order_by("place__path", "code")
    )
    point_rows = [
        [
            pt.code,
            pt.name,
            pt.kind,
            pt.place.code,
            ", ".join(a.area.code for a in pt.areas.all()),
            pt.address,
            pt.opening_hours,
        ]
        for pt in points
    ]
    coverage = (
        OrgCoverage.objects.active_on(today)
        .filter(scope_q(user, view, "area__path"), area__closed_on__isnull=True)
        .select_related("area")
        .order_by("area__path")
    )
    orgs = (
        PartyOrg.objects.filter(scope_q(user, view, "place__path"), place__closed_on__isnull=True)
        .active_on(today)
        .select_related("place", "parent")
        .prefetch_related(Prefetch("coverage", queryset=coverage, to_attr="active_coverage"))
        .order_by("place__path", "kind", "code")
    )
    org_rows = [
        [
            o.code,
            o.name,
            o.kind,
            o.place.code,
            o.parent.code if o.parent else "",
            ", ".join(dict.fromkeys(c.area.code for c in o.active_coverage)),
            o.established_on or "",
        ]
        for o in _parents_first(list(orgs))
    ]
    return _workbook(place_rows, point_rows, org_rows)

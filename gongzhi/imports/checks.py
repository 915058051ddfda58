"""Checking every row of an uploaded workbook before anything is written.

The checks follow the services' own rules (allowed parents, residential areas, one community, the
user's `change` scope) so that a file which passes them can be written in one go; the services check
again while writing, and anything they still refuse rolls the whole import back.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.imports.layout import AREA_SEPARATORS, ORGS, PLACES, POINTS, Problem, Sheet, resolve_kind
from gongzhi.imports.plan import OrgRow, PlaceRow, Plan, PointRow
from gongzhi.imports.workbook import Book, Row
from gongzhi.party.models import ALLOWED_ORG_PARENTS, OrgKind, PartyOrg
from gongzhi.territory.models import (
    ALLOWED_PARENTS,
    RESIDENTIAL_KINDS,
    Place,
    PlaceKind,
    ServiceArea,
    ServicePoint,
    code_validator,
)

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_LAST_EXCEL_DAY = 2958465  # 9999-12-31


@dataclass
class Node:
    """A place as the import sees it: in the database, or on a row of the Places sheet."""

    code: str
    kind: str | None
    # From the root down: ("db", pk) or ("file", code). The first two name the community.
    lineage: tuple[tuple[str, Any], ...]
    sound: bool = True  # False when a problem on its row leaves its kind or position unknown

    @property
    def community(self) -> tuple[tuple[str, Any], ...]:
        return self.lineage[:2]


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value).strip()


def _split(value: Any) -> list[str]:
    return list(dict.fromkeys(code for code in AREA_SEPARATORS.split(_text(value)) if code))


def _fetch(queryset: QuerySet, field_name: str, values: Iterable[str]) -> Iterator[Model]:
    """Rows whose `field_name` is among `values`, a few hundred at a time (databases cap parameters)."""
    values = sorted({v for v in values if v})
    for i in range(0, len(values), 500):
        yield from queryset.filter(**{f"{field_name}__in": values[i : i + 500]})


def parse_date(value: Any) -> datetime.date | None:
    """A cell as a date: a date cell, text such as 2024-03-01 or 2024年3月1日, or a date shown as a number."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if match := _DATE.fullmatch(str(value)):
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    if str(value).isdecimal() and 0 < int(value) <= _LAST_EXCEL_DAY:  # a date cell shown as a number
        return from_excel(int(value)).date()
    return None


def _lineage(place: Place) -> tuple[tuple[str, Any], ...]:
    return tuple(("db", int(pk)) for pk in place.path.strip("/").split("/") if pk)


class Checker:
    def __init__(self, user: Any, book: Book, tick: Callable[[], None]) -> None:
        self.user, self.book, self.tick = user, book, tick
        self.plan = Plan(problems=list(book.problems))
        self.nodes: dict[str, Node] = {}  # places of the file checked so far
        self.org_kinds: dict[str, str | None] = {}  # organisations of the file checked so far
        self.seen: dict[str, dict[str, int]] = {"places": {}, "points": {}, "orgs": {}}
        self.served_on_row: dict[str, int] = {}
        self.today = timezone.localdate()
        self._load()

    def _load(self) -> None:
        """Everything the rows refer to that is already in the database, in a handful of queries."""
        rows = self.book.rows
        places, points, orgs = rows.get("places", []), rows.get("points", []), rows.get("orgs", [])
        self.place_rows = {}
        for r in reversed(places):
            self.place_rows[_text(r.values.get("code", ""))] = r.number
        self.org_rows = {}
        for r in reversed(orgs):
            self.org_rows[_text(r.values.get("code", ""))] = r.number
        wanted = {_text(r.values.get(k, "")) for r in places for k in ("code", "parent")}
        point_areas = {c for r in points for c in _split(r.values.get("areas", ""))}
        wanted |= point_areas | {_text(r.values.get("place", "")) for r in [*points, *orgs]}
        wanted |= {c for r in orgs for c in _split(r.values.get("areas", ""))}
        self.plan.db_places = {p.code: p for p in _fetch(Place.objects.all(), "code", wanted)}
        codes = {_text(r.values.get("code", "")) for r in points}
        self.db_points = {p.code for p in _fetch(ServicePoint.objects.only("code"), "code", codes)}
        codes = {_text(r.values.get(k, "")) for r in orgs for k in ("code", "parent")}
        self.plan.db_orgs = {
            o.code: o for o in _fetch(PartyOrg.objects.select_related("place"), "code", codes)
        }
        areas = ServiceArea.objects.select_related("area", "point")
        self.served = {a.area.code: a.point.code for a in _fetch(areas, "area__code", point_areas)}

    def run(self) -> Plan:
        if self.plan.problems:  # a sheet or a header is wrong: the rows cannot be read reliably
            return self.plan
        for sheet, check in ((PLACES, self.place), (POINTS, self.point), (ORGS, self.org)):
            for row in self.book.rows.get(sheet.key, []):
                check(row)
                self.tick()
        return self.plan

    # Cells ---------------------------------------------------------------------------------------

    def error(self, sheet: Sheet, row: Row, key: str, message: str) -> None:
        self.plan.problems.append(Problem(str(sheet), row.number, str(sheet.column(key)), message))

    def text(self, sheet: Sheet, row: Row, key: str, *, required: bool = False, max_length: int = 0) -> str:
        value = _text(row.values.get(key, ""))
        if required and not value:
            self.error(sheet, row, key, _("This cell must not be empty."))
        elif max_length and len(value) > max_length:
            message = _("At most %(max)d characters are allowed; this cell has %(count)d.")
            self.error(sheet, row, key, message % {"max": max_length, "count": len(value)})
        return value

    def code(self, sheet: Sheet, row: Row, exists: Callable[[str], bool], taken: str) -> str | None:
        value = self.text(sheet, row, "code", required=True)
        if not value:
            return None
        try:
            code_validator(value)
        except ValidationError:
            message = _(
                "“%(code)s” is not a valid code: use lower-case letters, digits and hyphens (at most 64)."
            )
            self.error(sheet, row, "code", message % {"code": value})
            return None
        seen = self.seen[sheet.key]
        if value in seen:
            message = _("The code “%(code)s” is already used on row %(row)d.")
            self.error(sheet, row, "code", message % {"code": value, "row": seen[value]})
            return None
        seen[value] = row.number
        if exists(value):
            self.error(sheet, row, "code", taken % {"code": value})
        return value

    def kind(self, sheet: Sheet, row: Row) -> str | None:
        value = self.text(sheet, row, "kind", required=True)
        if not value:
            return None
        kind = resolve_kind(sheet.kinds, value)
        if kind is None:
            message = _("Unknown kind “%(value)s”: use a code or a label listed on the Instructions sheet.")
            self.error(sheet, row, "kind", message % {"value": value})
        return kind

    def date(self, sheet: Sheet, row: Row, key: str) -> datetime.date | None:
        value = row.values.get(key, "")
        if value == "":
            return self.today
        day = parse_date(value)
        if day is None:
            message = _("“%(value)s” is not a date: use a date cell or the form YYYY-MM-DD.")
            self.error(sheet, row, key, message % {"value": _text(value)})
        elif day > self.today:
            self.error(sheet, row, key, _("The date %(date)s is in the future.") % {"date": day.isoformat()})
            day = None
        return day

    # References ----------------------------------------------------------------------------------

    def db_place(self, sheet: Sheet, row: Row, key: str, place: Place) -> Node | None:
        if not place.is_open:
            self.error(sheet, row, key, _("The place “%(code)s” is closed.") % {"code": place.code})
            return None
        if not can(self.user, Action.CHANGE, place.path):
            message = _("“%(code)s” is outside your area: you may not add anything there.")
            self.error(sheet, row, key, message % {"code": place.code})
            return None
        return Node(place.code, place.kind, _lineage(place))

    def place_ref(self, sheet: Sheet, row: Row, key: str, code: str) -> Node | None:
        if code in self.nodes:
            return self.nodes[code]
        if code in self.plan.db_places:
            return self.db_place(sheet, row, key, self.plan.db_places[code])
        message = _("Unknown place “%(code)s”: it is neither in the database nor on the Places sheet.")
        self.error(sheet, row, key, message % {"code": code})
        return None

    def areas(self, sheet: Sheet, row: Row, anchor: Node | None, outside: str) -> list[str]:
        codes = []
        for code in _split(row.values.get("areas", "")):
            node = self.place_ref(sheet, row, "areas", code)
            if node is None:
                continue
            if node.kind and node.kind not in RESIDENTIAL_KINDS:
                self.error(sheet, row, "areas", _("“%(code)s” is not a residential area.") % {"code": code})
                continue
            if (
                anchor
                and anchor.sound
                and node.sound
                and node.lineage[: len(anchor.community)] != anchor.community
            ):
                self.error(sheet, row, "areas", outside % {"code": code})
                continue
            codes.append(code)
        return codes

    # Rows ----------------------------------------------------------------------------------------

    def place(self, row: Row) -> None:
        s = PLACES
        taken = _("A place with the code “%(code)s” already exists.")
        code = self.code(s, row, lambda c: c in self.plan.db_places, taken)
        name = self.text(s, row, "name", required=True, max_length=100)
        kind = self.kind(s, row)
        parent_code = self.text(s, row, "parent")
        parent: Node | None = None
        if parent_code:
            parent = self.nodes.get(parent_code)
            if parent is None:
                if parent_code == code:
                    self.error(s, row, "parent", _("A place cannot be its own parent."))
                elif self.place_rows.get(parent_code, 0) > row.number:
                    message = _(
                        "The parent “%(code)s” is on row %(parent_row)d, below this one: list parents first."
                    )
                    self.error(
                        s,
                        row,
                        "parent",
                        message % {"code": parent_code, "parent_row": self.place_rows[parent_code]},
                    )
                elif parent_code in self.plan.db_places:
                    parent = self.db_place(s, row, "parent", self.plan.db_places[parent_code])
                else:
                    message = _(
                        "Unknown parent “%(code)s”: it is neither in the database nor on an earlier row."
                    )
                    self.error(s, row, "parent", message % {"code": parent_code})
            if parent and parent.kind and kind and parent.kind not in ALLOWED_PARENTS[kind]:
                message = _("A %(kind)s cannot be placed under a %(parent_kind)s.")
                labels = {"kind": PlaceKind(kind).label, "parent_kind": PlaceKind(parent.kind).label}
                self.error(s, row, "parent", message % labels)
        elif kind and ALLOWED_PARENTS[kind]:
            self.error(s, row, "parent", _("A place of this kind needs a parent place."))
        elif kind and not self.user.is_superuser:
            self.error(s, row, "parent", _("Only a superuser may add a top-level place."))
        address = self.text(s, row, "address", max_length=200)
        note = self.text(s, row, "note")
        if code:
            lineage = (*parent.lineage, ("file", code)) if parent else (("file", code),)
            sound = bool(kind) and (parent.sound if parent else not parent_code)
            self.nodes[code] = Node(code, kind, lineage, sound)
            self.plan.places.append(PlaceRow(row.number, code, name, kind or "", parent_code, address, note))

    def point(self, row: Row) -> None:
        s = POINTS
        taken = _("A service point with the code “%(code)s” already exists.")
        code = self.code(s, row, lambda c: c in self.db_points, taken)
        name = self.text(s, row, "name", required=True, max_length=100)
        kind = self.kind(s, row)
        place_code = self.text(s, row, "place", required=True)
        place = self.place_ref(s, row, "place", place_code) if place_code else None
        outside = _("“%(code)s” lies outside the community of this service point.")
        areas = self.areas(s, row, place, outside)
        for area in areas:
            if area in self.served_on_row:
                message = _("“%(code)s” is already served by the service point on row %(row)d.")
                self.error(s, row, "areas", message % {"code": area, "row": self.served_on_row[area]})
            elif area in self.served and area not in self.nodes:
                message = _("“%(code)s” is already served by the service point “%(point)s”.")
                self.error(s, row, "areas", message % {"code": area, "point": self.served[area]})
            else:
                self.served_on_row[area] = row.number
        address = self.text(s, row, "address", max_length=200)
        hours = self.text(s, row, "opening_hours", max_length=100)
        if code:
            self.plan.points.append(
                PointRow(row.number, code, name, kind or "", place_code, areas, address, hours)
            )

    def org(self, row: Row) -> None:
        s = ORGS
        taken = _("An organisation with the code “%(code)s” already exists.")
        code = self.code(s, row, lambda c: c in self.plan.db_orgs, taken)
        name = self.text(s, row, "name", required=True, max_length=100)
        kind = self.kind(s, row)
        place_code = self.text(s, row, "place", required=True)
        place = self.place_ref(s, row, "place", place_code) if place_code else None
        parent_code = self.text(s, row, "parent")
        if parent_code:
            self.org_parent(row, code, kind, parent_code)
        elif kind and ALLOWED_ORG_PARENTS[kind]:
            self.error(s, row, "parent", _("An organisation of this kind needs a parent organisation."))
        outside = _("“%(code)s” lies outside the community of this organisation.")
        areas = self.areas(s, row, place, outside)
        established_on = self.date(s, row, "established_on")
        if code:
            self.org_kinds[code] = kind
            self.plan.orgs.append(
                OrgRow(
                    row.number,
                    code,
                    name,
                    kind or "",
                    place_code,
                    parent_code,
                    areas,
                    established_on or self.today,
                )
            )

    def org_parent(self, row: Row, code: str | None, kind: str | None, parent_code: str) -> None:
        s = ORGS
        found, parent_kind = False, None
        if parent_code in self.org_kinds:
            found, parent_kind = True, self.org_kinds[parent_code]
        elif parent_code == code:
            self.error(s, row, "parent", _("An organisation cannot be its own parent."))
        elif self.org_rows.get(parent_code, 0) > row.number:
            message = _("The parent “%(code)s” is on row %(parent_row)d, below this one: list parents first.")
            self.error(
                s, row, "parent", message % {"code": parent_code, "parent_row": self.org_rows[parent_code]}
            )
        elif parent_code in self.plan.db_orgs:
            org = self.plan.db_orgs[parent_code]
            if not org.is_active:
                message = _("The parent organisation “%(code)s” has been dissolved.")
                self.error(s, row, "parent", message % {"code": parent_code})
            elif not can(self.user, Action.CHANGE, org.place.path):
                message = _("“%(code)s” is outside your area: you may not add anything there.")
                self.error(s, row, "parent", message % {"code": parent_code})
            else:
                found, parent_kind = True, org.kind
        else:
            message = _(
                "Unknown parent organisation “%(code)s”: it is neither in the database nor on an earlier row."
            )
            self.error(s, row, "parent", message % {"code": parent_code})
        if found and kind and parent_kind and parent_kind not in ALLOWED_ORG_PARENTS[kind]:
            message = _("A %(kind)s cannot sit under a %(parent_kind)s.")
            self.error(
                s,
                row,
                "parent",
                message % {"kind": OrgKind(kind).label, "parent_kind": OrgKind(parent_kind).label},
            )


def check(user: Any, book: Book, tick: Callable[[], None] | None = None) -> Plan:
    """Check every row of `book` for `user`; the plan is safe to write only if it has no problems."""
    return Checker(user, book, tick or (lambda: None)).run()

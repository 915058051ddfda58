"""The layout of the territory workbook: its sheets, their columns, the kinds, and how a problem is told.

Sheet titles, headers and kind labels are translated; a workbook saved in any of the site's languages
is read back, whatever language the person importing it has chosen.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.party.models import ALLOWED_ORG_PARENTS, OrgKind
from gongzhi.territory.models import ALLOWED_PARENTS, PlaceKind, ServicePointKind


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy translation

    def __str__(self) -> str:
        return str(self.header)


@dataclass(frozen=True)
class Sheet:
    key: str
    title: Any  # a lazy translation
    columns: tuple[Column, ...]
    kinds: type[models.TextChoices] | None = None  # the kinds of a sheet with a Kind column

    def __str__(self) -> str:
        return str(self.title)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def headers(self) -> list[str]:
        return [str(c) for c in self.columns]


CODE = Column("code", gettext_lazy("Code"))
NAME = Column("name", gettext_lazy("Name"))
KIND = Column("kind", gettext_lazy("Kind"))
PLACE = Column("place", gettext_lazy("Place code"))
ADDRESS = Column("address", gettext_lazy("Address"))

PLACES = Sheet(
    "places",
    gettext_lazy("Places"),
    (
        CODE,
        NAME,
        KIND,
        Column("parent", gettext_lazy("Parent code")),
        ADDRESS,
        Column("note", gettext_lazy("Note")),
    ),
    PlaceKind,
)
POINTS = Sheet(
    "points",
    gettext_lazy("Service points"),
    (
        CODE,
        NAME,
        KIND,
        PLACE,
        Column("areas", gettext_lazy("Areas served")),
        ADDRESS,
        Column("opening_hours", gettext_lazy("Opening hours")),
    ),
    ServicePointKind,
)
ORGS = Sheet(
    "orgs",
    gettext_lazy("Organisations"),
    (
        CODE,
        NAME,
        KIND,
        PLACE,
        Column("parent", gettext_lazy("Parent organisation code")),
        Column("areas", gettext_lazy("Areas covered")),
        Column("established_on", gettext_lazy("Established on")),
    ),
    OrgKind,
)
SHEETS = (PLACES, POINTS, ORGS)
INSTRUCTIONS = gettext_lazy("Instructions")

# Codes in a list of areas may be separated by commas (either width), semicolons, 、 or spaces.
AREA_SEPARATORS = re.compile(r"[,，;；、\s]+")


def normalise(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _languages() -> list[str]:
    return list(dict.fromkeys([settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)]))


def translations(text: Any) -> frozenset[str]:
    """`text` (lazy) in every language of the site, normalised: what a header or title may read."""
    found = set()
    for language in _languages():
        with translation.override(language):
            found.add(normalise(text))
    return frozenset(found)


@cache
def kind_lookup(kinds: type[models.TextChoices]) -> dict[str, str]:
    """Normalised code or label (in any language of the site) → kind code."""
    lookup: dict[str, str] = {}
    for value, label in kinds.choices:
        for alias in translations(label):
            lookup.setdefault(alias, value)
    for value in kinds.values:
        lookup[normalise(value)] = value
    return lookup


def resolve_kind(kinds: type[models.TextChoices], text: str) -> str | None:
    return kind_lookup(kinds).get(normalise(text))


@dataclass
class Problem:
    """One thing wrong with the file. Row is the Excel row (the header is row 1); None for the whole file."""

    sheet: str = ""
    row: int | None = None
    column: str = ""
    message: str = ""

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _labels(kinds: type[models.TextChoices], values: tuple[str, ...]) -> str:
    return "、".join(str(kinds(v).label) for v in values)


def instruction_rows() -> tuple[list[str], list[list[str]]]:
    """The header and rows of the Instructions sheet: the rules, then every kind with its label."""
    rules = [
        _("Fill in the sheets Places, Service points and Organisations. Keep their names and headers."),
        _("Row 1 holds the headers. Empty rows are skipped."),
        _("Codes are unique: lower-case letters, digits and hyphens, e.g. wuhe-xincun."),
        _("Kind: the code or the label listed below."),
        _("Parent code: an existing place, or a place on an earlier row. List parents above their children."),
        _("Areas: codes of residential areas of the same community, separated by commas, spaces or 、."),
        _("Each area is served by one service point only."),
        _("Established on: a date (YYYY-MM-DD). Empty means today."),
        _("If any row has a problem nothing is imported: fix the rows listed and upload the file again."),
    ]
    # A rule is long text in the first column: the empty cells beside it let it show in full.
    rows = [[f"{n}. {rule}", "", "", ""] for n, rule in enumerate(rules, start=1)]
    rows.append(["", "", "", ""])
    for value, label in PlaceKind.choices:
        parents = _labels(PlaceKind, ALLOWED_PARENTS[value]) or _("(top level)")
        rows.append([str(PLACES), value, str(label), parents])
    for value, label in ServicePointKind.choices:
        rows.append([str(POINTS), value, str(label), ""])
    for value, label in OrgKind.choices:
        parents = _labels(OrgKind, ALLOWED_ORG_PARENTS[value]) or _("(top level)")
        rows.append([str(ORGS), value, str(label), parents])
    header = [_("Sheet"), _("Kind code"), _("Label"), _("May be placed under")]
    return header, rows

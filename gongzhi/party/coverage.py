"""Coverage of residential areas (全覆盖): by a party organisation, and by a service point.

One query finds every open residential area below a place with two flags; the counts, the per-kind and
per-community tables and the blank spots are derived from it, so page, API and export agree exactly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from gongzhi.party.models import OrgCoverage
from gongzhi.territory.models import RESIDENTIAL_KINDS, Place, PlaceKind, ServiceArea


@dataclass(frozen=True)
class AreaRow:
    id: int
    code: str
    name: str
    kind: str
    path: str
    covered: bool
    served: bool

    @property
    def kind_label(self) -> str:
        return PlaceKind(self.kind).label


@dataclass
class Tally:
    areas: int = 0
    covered: int = 0
    served: int = 0

    def add(self, row: AreaRow) -> None:
        self.areas += 1
        self.covered += row.covered
        self.served += row.served

    @property
    def coverage_rate(self) -> float:
        return round(self.covered / self.areas, 4) if self.areas else 0.0

    @property
    def service_rate(self) -> float:
        return round(self.served / self.areas, 4) if self.areas else 0.0


@dataclass
class CommunityTally(Tally):
    community: Place | None = None


@dataclass
class CoverageReport:
    place: Place
    day: datetime.date
    rows: list[AreaRow]
    total: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    by_community: list[CommunityTally] = field(default_factory=list)

    @property
    def blank_spots(self) -> list[AreaRow]:
        """Areas no party organisation is responsible for (空白/盲点)."""
        return [r for r in self.rows if not r.covered]

    @property
    def unserved(self) -> list[AreaRow]:
        """Areas no service point serves."""
        return [r for r in self.rows if not r.served]


def area_rows(place: Place, day: datetime.date) -> list[AreaRow]:
    covering = OrgCoverage.objects.active_on(day).filter(area=OuterRef("pk"))
    serving = ServiceArea.objects.filter(area=OuterRef("pk"), point__closed_on__isnull=True)
    qs = (
        Place.objects.open()
        .residential()
        .filter(path__startswith=place.path)
        .annotate(covered=Exists(covering), served=Exists(serving))
        .order_by("path")
        .values_list("id", "code", "name", "kind", "path", "covered", "served")
    )
    return [AreaRow(*values) for values in qs]


def coverage_report(place: Place, day: datetime.date | None = None) -> CoverageReport:
    """Coverage of every open residential area at or below `place` on `day` (today by default)."""
    day = day or timezone.localdate()
    rows = area_rows(place, day)
    report = CoverageReport(place=place, day=day, rows=rows)
    report.by_kind = {kind: Tally() for kind in RESIDENTIAL_KINDS}
    communities = list(
        Place.objects.filter(kind=PlaceKind.COMMUNITY, path__startswith=_community_scope(place)).order_by(
            "path"
        )
    )
    tallies = {c.path: CommunityTally(community=c) for c in communities}
    for row in rows:
        report.total.add(row)
        report.by_kind[row.kind].add(row)
        for path, tally in tallies.items():
            if row.path.startswith(path):
                tally.add(row)
                break
    report.by_community = [t for t in tallies.values() if t.areas or t.community.closed_on is None]
    return report


def _community_scope(place: Place) -> str:
    """Communities to tabulate: those below a subdistrict, or the one containing `place`."""
    parts = place.path.strip("/").split("/")
    return place.path if len(parts) < 2 else f"/{parts[0]}/{parts[1]}/"

"""API for places, service points and coverage."""

from __future__ import annotations

from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.party.coverage import coverage_report
from gongzhi.territory.models import PlaceKind
from gongzhi.territory.selectors import get_place_for_user, places_visible_to, points_visible_to

router = Router(tags=["territory"])


class PlaceOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    closed_on: str | None

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_closed_on(obj) -> str | None:
        return obj.closed_on.isoformat() if obj.closed_on else None


class BlankSpot(Schema):
    code: str
    name: str
    kind: str


class KindTally(Schema):
    areas: int
    covered: int


class CoverageOut(Schema):
    place: str
    areas: int
    covered: int
    served: int
    coverage_rate: float
    blank_spots: list[BlankSpot]
    by_kind: dict[str, KindTally]


class ServicePointOut(Schema):
    code: str
    name: str
    kind: str
    place: str
    areas: list[str]

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.code

    @staticmethod
    def resolve_areas(obj) -> list[str]:
        return [sa.area.code for sa in obj.areas.all()]


@router.get("/places", response=Page[PlaceOut])
def list_places(
    request, parent: str | None = None, q: str = "", kind: str = "", limit: int = 100, offset: int = 0
):
    """Places visible to the caller; `parent` lists the children of one place, `q` searches names and pinyin."""
    places = places_visible_to(request.user).select_related("parent").search(q)
    if parent:
        parent_place = get_place_for_user(request.user, parent)
        places = places.filter(parent=parent_place)
    if kind in PlaceKind.values:
        places = places.filter(kind=kind)
    return page_of(places.order_by("path"), limit, offset)


@router.get("/places/{code}", response=PlaceOut)
def get_place(request, code: str):
    return get_place_for_user(request.user, code)


@router.get("/places/{code}/coverage", response=CoverageOut)
def get_coverage(request, code: str):
    """Coverage of the residential areas at or below a place, today."""
    place = get_place_for_user(request.user, code)
    report = coverage_report(place)
    return {
        "place": place.code,
        "areas": report.total.areas,
        "covered": report.total.covered,
        "served": report.total.served,
        "coverage_rate": report.total.coverage_rate,
        "blank_spots": [{"code": r.code, "name": r.name, "kind": r.kind} for r in report.blank_spots],
        "by_kind": {k: {"areas": t.areas, "covered": t.covered} for k, t in report.by_kind.items()},
    }


@router.get("/service-points", response=Page[ServicePointOut])
def list_service_points(request, place: str | None = None, limit: int = 100, offset: int = 0):
    points = points_visible_to(request.user).prefetch_related("areas__area")
    if place:
        anchor = get_place_for_user(request.user, place)
        points = points.filter(place__path__startswith=anchor.path)
    return page_of(points, limit, offset)

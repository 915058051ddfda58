"""Reads only the portal needs: the resident's own places, the place search, the last contact given."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.core.roles import Role
from gongzhi.demands.models import OPEN_STATES, Demand, Status
from gongzhi.demands.routing import area_of
from gongzhi.demands.selectors import my_demands
from gongzhi.territory.models import Place, PlaceKind

SEARCH_LIMIT = 8
# On the home page: what someone still works on, and what waits for the resident's rating.
CURRENT_STATES = (*OPEN_STATES, Status.RESOLVED)


def home_places(user: Any) -> list[Place]:
    """The residential areas where the user is a resident, each followed by its open buildings."""
    assigned = Place.objects.filter(
        pk__in=user.assignments.filter(active=True, role=Role.RESIDENT).values("place_id")
    )
    areas = {}
    for place in assigned:
        area = area_of(place) or place
        areas[area.pk] = area
    if not areas:
        return []
    below = Q()
    for area in areas.values():
        below |= Q(path__startswith=area.path)
    return list(
        Place.objects.open().filter(Q(pk__in=areas) | (below & Q(kind=PlaceKind.BUILDING))).order_by("path")
    )


def search_areas(query: str) -> QuerySet[Place]:
    """Open residential areas whose name, code or pinyin initials match, with their community."""
    query = query.strip()
    if not query:
        return Place.objects.none()
    areas = Place.objects.open().residential().search(query).select_related("parent")
    return areas.order_by("name")[:SEARCH_LIMIT]


def current_demands(user: Any) -> QuerySet[Demand]:
    return my_demands(user).filter(status__in=CURRENT_STATES)


def last_contact(user: Any) -> dict[str, str]:
    """The contact given with the user's latest demand, to fill the next form with."""
    last = my_demands(user).select_related(None).only("contact_name", "contact_phone").first()
    if last is None:
        return {"contact_name": getattr(user, "display_name", "") or ""}
    return {"contact_name": last.contact_name, "contact_phone": last.contact_phone}

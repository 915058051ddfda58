"""Reads on the territory that pages, API and exports share, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from gongzhi.core.roles import Action
from gongzhi.core.scoping import ALL, get_for_user, place_paths, scope_q
from gongzhi.territory.models import Place, ServicePoint


def places_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Place]:
    return Place.objects.filter(scope_q(user, action, "path"))


def home_places(user: Any) -> list[Place]:
    """The top places a user works on: the roots of their view scope."""
    paths = place_paths(user, Action.VIEW)
    if paths is ALL:
        return list(Place.objects.filter(depth=0).order_by("path"))
    return list(Place.objects.filter(path__in=paths).order_by("path"))


def get_place_for_user(user: Any, code: str, action: str = Action.VIEW) -> Place:
    return get_for_user(Place.objects.all(), user, action=action, path_of=lambda p: p.path, code=code)


def place_children(place: Place) -> QuerySet[Place]:
    return (
        place.children.all()
        .annotate(n_children=Count("children", filter=Q(children__closed_on__isnull=True)))
        .order_by("closed_on", "kind", "name")
    )


def points_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[ServicePoint]:
    return (
        ServicePoint.objects.filter(scope_q(user, action, "place__path"))
        .select_related("place")
        .annotate(n_areas=Count("areas"))
        .order_by("place__path", "code")
    )


def get_point_for_user(user: Any, code: str, action: str = Action.VIEW) -> ServicePoint:
    return get_for_user(
        ServicePoint.objects.select_related("place"),
        user,
        action=action,
        path_of=lambda p: p.place.path,
        code=code,
    )

"""Writes on the territory: places and service points. Each is validated, atomic and audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.pinyin import initials_index
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.territory.models import (
    ALLOWED_PARENTS,
    Place,
    PlaceKind,
    ServiceArea,
    ServicePoint,
)

PLACE_FIELDS = ["code", "name", "kind", "parent", "address", "note", "closed_on"]
POINT_FIELDS = ["code", "name", "kind", "place", "address", "opening_hours", "closed_on"]


def _authorise(user: Any, place: Place | None) -> None:
    """Writes need `change` at the place; creating a root place needs a superuser."""
    if user is None:  # system work: demo loader, imports already authorised
        return
    if place is None:
        if not user.is_superuser:
            raise PermissionDenied
        return
    if not can(user, Action.CHANGE, place.path):
        raise PermissionDenied


def _check_parent(kind: str, parent: Place | None) -> None:
    allowed = ALLOWED_PARENTS.get(kind, ())
    if parent is None:
        if allowed:
            raise ValidationError({"parent": _("A place of this kind needs a parent place.")})
        return
    if parent.kind not in allowed:
        raise ValidationError(
            {
                "parent": _("“%(kind)s” cannot be placed under “%(parent_kind)s”.")
                % {"kind": PlaceKind(kind).label, "parent_kind": PlaceKind(parent.kind).label}
            }
        )
    if not parent.is_open:
        raise ValidationError({"parent": _("The parent place is closed.")})


@transaction.atomic
def place_create(
    *, by: Any, code: str, name: str, kind: str, parent: Place | None, address: str = "", note: str = ""
) -> Place:
    """Add a place under `parent`, keeping its materialised path and pinyin index."""
    _authorise(by, parent)
    _check_parent(kind, parent)
    place = Place(code=code, name=name.strip(), kind=kind, parent=parent, address=address, note=note)
    place.pinyin = initials_index(place.name)
    place.full_clean(exclude=["path"])
    place.save()
    place.path = f"{parent.path if parent else '/'}{place.pk}/"
    place.depth = parent.depth + 1 if parent else 0
    place.save(update_fields=["path", "depth"])
    audit_record(
        actor=by,
        action="create",
        obj=place,
        place_path=place.path,
        changes=diff({}, snapshot(place, PLACE_FIELDS)),
    )
    return place


@transaction.atomic
def place_update(*, by: Any, place: Place, name: str, address: str = "", note: str = "") -> Place:
    """Rename a place or change its details; its code, kind and position change by other services."""
    _authorise(by, place)
    before = snapshot(place, PLACE_FIELDS)
    place.name = name.strip()
    place.address = address
    place.note = note
    place.pinyin = initials_index(place.name)
    place.full_clean()
    place.save()
    changes = diff(before, snapshot(place, PLACE_FIELDS))
    if changes:
        audit_record(actor=by, action="update", obj=place, place_path=place.path, changes=changes)
    return place


@transaction.atomic
def place_move(*, by: Any, place: Place, new_parent: Place) -> Place:
    """Move a place and its whole subtree under `new_parent`."""
    _authorise(by, place)
    _authorise(by, new_parent)
    if new_parent.path.startswith(place.path):
        raise ValidationError({"parent": _("A place cannot be moved inside itself.")})
    _check_parent(place.kind, new_parent)
    before = snapshot(place, PLACE_FIELDS)
    old_path = place.path
    new_path = f"{new_parent.path}{place.pk}/"
    depth_change = new_parent.depth + 1 - place.depth
    Place.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Place.objects.filter(pk=place.pk).update(parent=new_parent)
    place.refresh_from_db()
    audit_record(
        actor=by,
        action="move",
        obj=place,
        place_path=place.path,
        changes={**diff(before, snapshot(place, PLACE_FIELDS)), "path": [old_path, place.path]},
    )
    return place


@transaction.atomic
def place_close(*, by: Any, place: Place, on: datetime.date) -> Place:
    """Close a place (demolished, merged away). Its open children must be closed or moved first."""
    _authorise(by, place)
    if place.closed_on is not None:
        raise ValidationError(_("This place is already closed."))
    if place.children.filter(closed_on__isnull=True).exists():
        raise ValidationError(_("Close or move the places under it first."))
    before = snapshot(place, PLACE_FIELDS)
    place.closed_on = on
    place.save(update_fields=["closed_on"])
    audit_record(
        actor=by,
        action="close",
        obj=place,
        place_path=place.path,
        changes=diff(before, snapshot(place, PLACE_FIELDS)),
    )
    return place


def community_prefix(path: str) -> str:
    """The path of the community a place lies in (the place itself above community level)."""
    parts = path.strip("/").split("/")
    return f"/{parts[0]}/{parts[1]}/" if len(parts) >= 2 else path


def _check_areas(point_place: Place, areas: list[Place]) -> None:
    scope = community_prefix(point_place.path)
    for area in areas:
        if not area.is_residential:
            raise ValidationError({"areas": _("%(name)s is not a residential area.") % {"name": area.name}})
        if not area.path.startswith(scope):
            raise ValidationError(
                {
                    "areas": _("%(name)s lies outside the community of this service point.")
                    % {"name": area.name}
                }
            )


@transaction.atomic
def service_point_create(
    *,
    by: Any,
    code: str,
    name: str,
    kind: str,
    place: Place,
    address: str = "",
    opening_hours: str = "",
    areas: list[Place] | None = None,
) -> ServicePoint:
    """Open a service point at `place`, serving `areas` (each area is served by one point only)."""
    _authorise(by, place)
    point = ServicePoint(
        code=code, name=name.strip(), kind=kind, place=place, address=address, opening_hours=opening_hours
    )
    point.pinyin = initials_index(point.name)
    point.full_clean()
    point.save()
    audit_record(
        actor=by,
        action="create",
        obj=point,
        place_path=place.path,
        changes=diff({}, snapshot(point, POINT_FIELDS)),
    )
    if areas:
        service_point_set_areas(by=by, point=point, areas=areas)
    return point


@transaction.atomic
def service_point_update(
    *, by: Any, point: ServicePoint, name: str, kind: str, address: str = "", opening_hours: str = ""
) -> ServicePoint:
    _authorise(by, point.place)
    before = snapshot(point, POINT_FIELDS)
    point.name, point.kind, point.address, point.opening_hours = name.strip(), kind, address, opening_hours
    point.pinyin = initials_index(point.name)
    point.full_clean()
    point.save()
    changes = diff(before, snapshot(point, POINT_FIELDS))
    if changes:
        audit_record(actor=by, action="update", obj=point, place_path=point.place.path, changes=changes)
    return point


@transaction.atomic
def service_point_set_areas(*, by: Any, point: ServicePoint, areas: list[Place]) -> ServicePoint:
    """Make `point` serve exactly `areas`; an area served elsewhere moves to this point."""
    _authorise(by, point.place)
    for area in areas:
        _authorise(by, area)
    _check_areas(point.place, areas)
    before = sorted(point.areas.values_list("area__code", flat=True))
    wanted = {a.pk for a in areas}
    point.areas.exclude(area_id__in=wanted).delete()
    ServiceArea.objects.filter(area_id__in=wanted).exclude(point=point).delete()
    have = set(point.areas.values_list("area_id", flat=True))
    ServiceArea.objects.bulk_create([ServiceArea(point=point, area=a) for a in areas if a.pk not in have])
    after = sorted(a.code for a in areas)
    if before != after:
        audit_record(
            actor=by,
            action="set_areas",
            obj=point,
            place_path=point.place.path,
            changes={"areas": [before, after]},
        )
    return point


@transaction.atomic
def service_point_close(*, by: Any, point: ServicePoint, on: datetime.date) -> ServicePoint:
    """Close a service point; the areas it served become unserved until another point takes them."""
    _authorise(by, point.place)
    if point.closed_on is not None:
        raise ValidationError(_("This service point is already closed."))
    released = sorted(point.areas.values_list("area__code", flat=True))
    point.areas.all().delete()
    point.closed_on = on
    point.save(update_fields=["closed_on"])
    audit_record(
        actor=by,
        action="close",
        obj=point,
        place_path=point.place.path,
        changes={"closed_on": [None, on.isoformat()], "areas": [released, []]},
    )
    return point

"""What Gongzhi publishes through GeoReport v2: services (categories), their definitions (questions)
and requests (demands), as plain dicts that `render` writes as XML or JSON.

Requests are public reads: they carry no contact name, phone or free-text address (which may name a
flat); the address published is the place's name.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.pii import mask_numbers_in
from gongzhi.demands.models import OPEN_STATES, Category, CategoryAttribute, Demand, Level, Status
from gongzhi.territory.models import Place, PlaceKind
from gongzhi.workdays.calendar import working_days_between

LIST_TYPES = ("singlevaluelist", "multivaluelist")
_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")


def open311_status(status: str) -> str:
    """Internal states collapse to the two of the spec: resolved, rated, refused and merged are closed."""
    return "open" if status in OPEN_STATES else "closed"


def statuses_for(open311: str) -> tuple[str, ...]:
    return tuple(OPEN_STATES) if open311 == "open" else tuple(s for s in Status if s not in OPEN_STATES)


# --- services -------------------------------------------------------------------------------------------


def active_services() -> QuerySet[Category]:
    questions = CategoryAttribute.objects.filter(category=OuterRef("pk"))
    return Category.objects.filter(active=True).annotate(has_questions=Exists(questions))


def service(category: Category) -> dict[str, Any]:
    keywords = [k for k in _KEYWORD_SPLIT.split(category.keywords or "") if k]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": bool(category.has_questions),
        "type": "realtime",
        "keywords": ",".join(keywords) or None,
        "group": category.group or None,
    }


def attribute(question: CategoryAttribute) -> dict[str, Any]:
    data: dict[str, Any] = {
        "variable": True,
        "code": question.code,
        "datatype": question.datatype,
        "required": question.required,
        "datatype_description": question.datatype_description or None,
        "order": question.order,
        "description": question.description,
    }
    if question.datatype in LIST_TYPES:
        data["values"] = [{"key": str(v["key"]), "name": str(v["name"])} for v in question.values]
    return data


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [attribute(q) for q in category.attributes.order_by("order", "code")],
    }


# --- requests -------------------------------------------------------------------------------------------


def requests_queryset() -> QuerySet[Demand]:
    return Demand.objects.select_related("category", "place", "area", "station", "merged_into").order_by(
        "-created_at", "-id"
    )


def _path_ids(path: str) -> list[int]:
    return [int(pk) for pk in path.strip("/").split("/") if pk]


def _agency(demand: Demand, places: dict[int, Place]) -> str | None:
    """The station handling it, else the community or the subdistrict whose level it is at."""
    chain = [places[i] for i in _path_ids(demand.place_path) if i in places]
    community = next((p for p in chain if p.kind == PlaceKind.COMMUNITY), None)
    root = chain[0] if chain else demand.place
    if demand.level == Level.STATION and demand.station is not None:
        return demand.station.name
    if demand.level in (Level.STATION, Level.COMMUNITY) and community is not None:
        return community.name
    return root.name


def _address(demand: Demand) -> str:
    if demand.area is not None and demand.area.pk != demand.place.pk:
        return f"{demand.area.name} {demand.place.name}"
    return demand.place.name


def service_notice(demand: Demand) -> str | None:
    if demand.status not in OPEN_STATES:
        return None
    due = timezone.localtime(demand.resolve_due)
    # Counted on the dates the demand holds: its category's limit may have changed since it came in.
    days = working_days_between(timezone.localtime(demand.created_at).date(), due.date())
    return _("To be resolved within %(days)d working days, by %(due)s.") % {
        "days": days,
        "due": f"{due:%Y-%m-%d %H:%M}",
    }


def _status_notes(demand: Demand) -> str | None:
    if demand.reply:
        return demand.reply
    if demand.status == Status.MERGED and demand.merged_into is not None:
        return _("Handled together with %(number)s.") % {"number": demand.merged_into.number}
    return None


def updated_datetime(demand: Demand) -> datetime.datetime:
    """When the request last changed as the spec sees it. A closed request stays at the time it was
    closed: its resolution when it has one (rating it later changes nothing a client sees), else its
    last change (refused or merged)."""
    if demand.status in OPEN_STATES:
        return demand.updated_at
    return demand.resolved_at or demand.updated_at


def service_requests(demands: Iterable[Demand]) -> list[dict[str, Any]]:
    """The request fields of the spec, in its order, for demands read with `requests_queryset()`."""
    demands = list(demands)
    # Every place on the demands' paths in one query: the community and subdistrict names of all of them.
    ids = {pk for d in demands for pk in _path_ids(d.place_path)}
    places = Place.objects.in_bulk(ids) if ids else {}
    return [
        {
            "service_request_id": d.number,
            "status": open311_status(d.status),
            "status_notes": _status_notes(d),
            "service_name": d.category.name,
            "service_code": d.category.code,
            # Public reads (no key): the phone and ID numbers a resident typed are masked, as for neighbours.
            "description": mask_numbers_in(d.description),
            "agency_responsible": _agency(d, places),
            "service_notice": service_notice(d),
            "requested_datetime": d.created_at,
            "updated_datetime": updated_datetime(d),
            "expected_datetime": d.resolve_due,
            "address": _address(d),
            "address_id": d.place.code,
            "zipcode": None,
            "lat": d.lat,
            "long": d.long,
            "media_url": (d.attributes or {}).get("media_url") or None,
        }
        for d in demands
    ]

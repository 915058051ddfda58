"""API for resident demands: submit, read, list and statistics, scoped like the pages.

Submitting (channel `api`) follows the services' rule for people reporting what they see: the caller must
be able to see the place (any role with `view` there: staff, grid workers, committee members, auditors);
a place outside the caller's view is treated as unknown. Residents, who see no registers, report through
the portal; through the API they read their own demands.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status as Answer
from pydantic import ValidationError as SchemaError

from gongzhi.core.api import Page, page_of
from gongzhi.core.clients import client_ip
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.demands import services
from gongzhi.demands.models import OPEN_STATES, Category, CategoryAttribute, Channel, Demand, Status
from gongzhi.demands.selectors import demand_stats, demands_visible_to, get_demand_for_user
from gongzhi.territory.models import Place
from gongzhi.territory.selectors import get_place_for_user

router = Router(tags=["demands"])

COORDINATE = Decimal("0.000001")
ADDRESS_MAX = Demand._meta.get_field("address").max_length
CONTACT_NAME_MAX = Demand._meta.get_field("contact_name").max_length


class DemandIn(Schema):
    place: str = Field(description="Code of the place the problem is at (an area, a building …).")
    category: str = Field(description="Code of the demand category.")
    description: str = Field(description="The problem, at most 4,000 characters.")
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    lat: float | None = None
    long: float | None = None
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Answers to the category's questions, by question code."
    )


class DemandOut(Schema):
    id: int
    number: str
    channel: str
    status: str
    level: str
    category: str
    category_name: str
    place: str
    place_name: str
    area: str | None
    station: str | None
    description: str
    address: str
    lat: float | None
    long: float | None
    attributes: dict[str, Any]
    contact_name: str
    contact_phone: str = Field(description="Masked: 138****5678.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    resolve_due: datetime.datetime
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    reply: str
    rating: str

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.code

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_area(obj) -> str | None:
        return obj.area.code if obj.area_id else None

    @staticmethod
    def resolve_station(obj) -> str | None:
        return obj.station.code if obj.station_id else None

    @staticmethod
    def resolve_contact_phone(obj) -> str:
        return obj.contact_phone_masked


class Satisfaction(Schema):
    satisfied: int
    basic: int
    dissatisfied: int


class StatsOut(Schema):
    total: int
    resolved: int
    resolved_locally: int
    on_time: int
    satisfaction: Satisfaction
    by_category: dict[str, int]


def _schema_errors(exc: SchemaError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "__all__"
        if error["type"] == "missing":
            message = _("This field is required.")
        elif error["type"] in ("json_invalid", "model_type", "model_attributes_type"):
            name, message = "__all__", _("Send a JSON object.")
        else:
            message = error["msg"]
        errors.setdefault(name, []).append(message)
    return errors


def _coordinate(value: float | None, name: str, limit: int, errors: dict) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(str(value))
    if not number.is_finite() or abs(number) > limit:
        errors[name] = [_("Give a number between -%(n)d and %(n)d.") % {"n": limit}]
        return None
    return number.quantize(COORDINATE)


def _parse_demand(request) -> tuple[DemandIn, dict[str, Any]]:
    """The body checked field by field: every problem is reported at once, as a 400 with field messages."""
    try:
        data = DemandIn.model_validate_json(request.body or b"")
    except SchemaError as exc:
        raise ValidationError(_schema_errors(exc)) from None
    errors: dict[str, list[str]] = {}
    # By its (unique) code, then the caller's view scope: the check `places_visible_to` makes, in Python.
    try:
        place = Place.objects.get(code=data.place.strip().lower())
    except Place.DoesNotExist:
        place = None
    if place is None or not can(request.user, Action.VIEW, place.path):
        errors["place"] = [_("No place with this code that you can see.")]
    category, questions = _category(data.category.strip().lower())
    if category is None:
        errors["category"] = [_("No category with this code.")]
    if (data.lat is None) != (data.long is None):
        errors["lat"] = [_("Give lat and long together.")]
    lat = _coordinate(data.lat, "lat", 90, errors)
    long = _coordinate(data.long, "long", 180, errors)
    if len(data.contact_name.strip()) > CONTACT_NAME_MAX:
        errors["contact_name"] = [_("At most %(n)d characters.") % {"n": CONTACT_NAME_MAX}]
    if len(data.address.strip()) > ADDRESS_MAX:
        errors["address"] = [_("At most %(n)d characters.") % {"n": ADDRESS_MAX}]
    if errors:
        raise ValidationError(errors)
    return data, {"place": place, "category": category, "questions": questions, "lat": lat, "long": long}


def _category(code: str) -> tuple[Category | None, list[CategoryAttribute]]:
    """The category and its questions, in one query when it has any (the questions with their category)."""
    questions = list(CategoryAttribute.objects.select_related("category").filter(category__code=code))
    if questions:
        return questions[0].category, questions
    try:
        return Category.objects.get(code=code), []
    except Category.DoesNotExist:
        return None, []


@router.post(
    "/demands",
    response={201: DemandOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": DemandIn.model_json_schema()}},
        }
    },
)
def create_demand(request):
    """Submit a demand (channel `api`) at a place the caller can see; it is routed like any other."""
    data, checked = _parse_demand(request)
    demand = services.demand_submit(
        by=request.user,
        channel=Channel.API,
        category=checked["category"],
        place=checked["place"],
        description=data.description,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        address=data.address,
        lat=checked["lat"],
        long=checked["long"],
        attributes=data.attributes,
        questions=checked["questions"],
        ip=client_ip(request),
    )
    return Answer(201, demand)


def _parse_day(value: str | None, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({name: [_("Give a date as YYYY-MM-DD.")]})
    return day


# Declared before /demands/{id}: "stats" must not be read as an id (the id converter is int anyway).
@router.get("/demands/stats", response=StatsOut)
def get_stats(request, place: str = "", since: str | None = None, until: str | None = None):
    """Demands submitted at or below a place the caller can see, in [since, until] (submission days)."""
    if not place:
        raise ValidationError({"place": [_("This field is required.")]})
    anchor = get_place_for_user(request.user, place)
    first, last = _parse_day(since, "since"), _parse_day(until, "until")
    if first and last and last < first:
        raise ValidationError({"until": [_("until is before since.")]})
    return demand_stats(anchor, first, last)


@router.get("/demands", response=Page[DemandOut])
def list_demands(
    request, place: str = "", status: str = "", category: str = "", limit: int = 100, offset: int = 0
):
    """Demands the caller can see, newest first. `status` is a comma list of states, or `open`."""
    demands = demands_visible_to(request.user)
    if place:
        anchor = get_place_for_user(request.user, place)
        demands = demands.filter(place_path__startswith=anchor.path)
    if status:
        wanted = {s.strip() for s in status.split(",") if s.strip()}
        states = set(OPEN_STATES) if "open" in wanted else set()
        unknown = wanted - {"open", *Status.values}
        if unknown:
            raise ValidationError(
                {"status": [_("Unknown status: %(s)s") % {"s": ", ".join(sorted(unknown))}]}
            )
        demands = demands.filter(status__in=states | (wanted - {"open"}))
    if category:
        demands = demands.filter(category__code=category)
    return page_of(demands.order_by("-created_at", "-id"), limit, offset)


@router.get("/demands/{int:demand_id}", response=DemandOut)
def get_demand(request, demand_id: int):
    return get_demand_for_user(request.user, demand_id)

"""Taking a demand in from an Open311 client (POST requests.{fmt}).

The location must name a place, because a demand is routed by its place (to the station and branch of its
residential area): `address_id` is a place code; `address_string` is matched against the open residential
areas and buildings (exact code or name, then a name containing the string, then the name contained in
the string, the longest such name winning). Places carry no coordinates, so `lat`/`long` alone cannot be
routed and are refused with 400; sent with an address they are kept.

Contact details: `first_name`/`last_name` become the contact name and `phone` the (encrypted) contact
phone. `email`, `device_id` and `account_id` are not stored: there is no field for an e-mail address, and
the description, where it could go, is published by the public search. `media_url` is kept in the
demand's answers under the key `media_url` (category question codes cannot contain `_`, so it never
collides with one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import F, Value
from django.db.models.functions import Length
from django.http import QueryDict
from django.utils.translation import gettext as _

from gongzhi.demands import services
from gongzhi.demands.models import DESCRIPTION_MAX, Category, CategoryAttribute, Channel, Demand
from gongzhi.territory.models import RESIDENTIAL_KINDS, Place, PlaceKind

ADDRESS_MAX = Demand._meta.get_field("address").max_length
CONTACT_NAME_MAX = Demand._meta.get_field("contact_name").max_length
MEDIA_URL_MAX = 500
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
COORDINATE = Decimal("0.000001")


class Open311Error(Exception):
    """A request the spec answers with an error: 400 by default, 403 for keys, 404 for missing things."""

    def __init__(self, description: str, status: int = 400):
        super().__init__(description)
        self.status = status
        self.description = description


def param(data: QueryDict, name: str) -> str | None:
    """A parameter's value; sent empty counts as not sent."""
    value = data.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def param_list(data: QueryDict, name: str) -> str | None:
    """A comma-delimited parameter the spec lets a client declare several times: the values joined with
    commas (`status=open&status=closed` reads as `open,closed`); all sent empty counts as not sent."""
    values = [v.strip() for v in data.getlist(name) if v and v.strip()]
    return ",".join(values) or None


def parse_attributes(data: QueryDict, questions: list[CategoryAttribute] | None = None) -> dict[str, Any]:
    """`attribute[CODE]=v` as a single answer, `attribute[CODE][]=v` (repeated) as a list of answers;
    a code sent more than once, in either form, gathers all its values in a list.

    With the service's `questions`, the form of the answer follows the question rather than the brackets:
    one value sent as `attribute[CODE][]` to a question that is not a multi-value list is that value, and
    several values for such a question are refused (400) rather than passed on as a list.
    """
    values_of: dict[str, list[str]] = {}
    listed: set[str] = set()  # codes sent with brackets or more than once
    for key in data:
        match = _ATTRIBUTE.match(key)
        if not match:
            continue
        code = match.group(1).strip().lower()
        values = [v.strip() for v in data.getlist(key) if v and v.strip()]
        if not values:
            continue
        if match.group(2) or len(values) > 1 or code in values_of:
            listed.add(code)
        values_of.setdefault(code, []).extend(values)
    answers: dict[str, Any] = {
        code: values if code in listed else values[0] for code, values in values_of.items()
    }
    for question in questions or []:
        value = answers.get(question.code)
        if question.datatype == "multivaluelist" or not isinstance(value, list):
            continue
        if len(value) > 1:
            raise Open311Error(
                _("attribute[%(code)s] takes a single value: %(question)s")
                % {"code": question.code, "question": question.description}
            )
        answers[question.code] = value[0]
    return answers


def _routable_places():
    return Place.objects.open().filter(kind__in=[*RESIDENTIAL_KINDS, PlaceKind.BUILDING])


def _one(places: list[Place], text: str) -> Place | None:
    if len(places) > 1:
        names = "、".join(f"{p.name} ({p.code})" for p in places[:5])
        raise Open311Error(
            _("address_string “%(text)s” matches several places: %(names)s. Send address_id instead.")
            % {"text": text, "names": names}
        )
    return places[0] if places else None


def place_for_address(text: str) -> Place | None:
    candidates = _routable_places()
    exact = list(candidates.filter(code=text.lower())[:1]) or list(candidates.filter(name=text)[:6])
    if exact:
        return _one(exact, text)
    containing = list(candidates.filter(name__icontains=text)[:6])
    if containing:
        return _one(containing, text)
    # The place's name inside a longer address ("五和新村12栋" names 五和新村): the longest name wins.
    inside = list(
        candidates.annotate(text=Value(text), name_length=Length("name"))
        .filter(text__contains=F("name"), name_length__gte=2)
        .order_by("-name_length")[:6]
    )
    if not inside:
        return None
    return _one([p for p in inside if len(p.name) == len(inside[0].name)], text)


def place_for_location(data: QueryDict) -> tuple[Place, Decimal | None, Decimal | None]:
    """The place the request is about, and its coordinates if sent."""
    lat, long = param(data, "lat"), param(data, "long")
    address_id, address = param(data, "address_id"), param(data, "address_string")
    if (lat is None) != (long is None):
        raise Open311Error(_("Send lat and long together."))
    if lat is None and address_id is None and address is None:
        raise Open311Error(_("A location is required: lat and long, address_string or address_id."))
    coordinates: tuple[Decimal | None, Decimal | None] = (None, None)
    if lat is not None and long is not None:
        coordinates = (_coordinate(lat, "lat", 90), _coordinate(long, "long", 180))
    if address_id is not None:
        place = Place.objects.filter(code=address_id.lower()).first()
        if place is None:
            raise Open311Error(_("No place has the address_id “%(code)s”.") % {"code": address_id})
        return place, *coordinates
    if address is not None:
        place = place_for_address(address)
        if place is None:
            raise Open311Error(
                _("No residential area or building matches the address_string “%(text)s”.")
                % {"text": address}
            )
        return place, *coordinates
    raise Open311Error(
        _(
            "This server routes requests by place and cannot place coordinates alone: "
            "send address_id or address_string with lat and long."
        )
    )


def _coordinate(value: str, name: str, limit: int) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        raise Open311Error(
            _("%(name)s must be a number between -%(limit)d and %(limit)d.") % {"name": name, "limit": limit}
        )
    return number.quantize(COORDINATE)


def contact_name(first: str | None, last: str | None) -> str:
    """Chinese names are written family name first and without a space; others given name first."""
    parts = [p for p in (first, last) if p]
    if len(parts) == 2 and _CJK.search(first or "") and _CJK.search(last or ""):
        return f"{last}{first}"
    return " ".join(parts)


@dataclass
class Submission:
    category: Category
    place: Place
    description: str
    address: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    media_url: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    # The service's questions, read once to shape the answers and passed on to check them.
    questions: list[CategoryAttribute] | None = None


def parse_submission(data: QueryDict) -> Submission:
    """Read a POST body: the service, the location and the optional fields, each checked."""
    code = param(data, "service_code")
    if code is None:
        raise Open311Error(_("service_code is required."))
    category = Category.objects.filter(code=code.lower(), active=True).first()
    if category is None:
        raise Open311Error(_("There is no service “%(code)s”.") % {"code": code}, status=404)
    place, lat, long = place_for_location(data)
    description = param(data, "description") or category.name
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(
            _("description is longer than %(n)d characters.") % {"n": DESCRIPTION_MAX},
        )
    address = param(data, "address_string") or ""
    if len(address) > ADDRESS_MAX:
        raise Open311Error(_("address_string is longer than %(n)d characters.") % {"n": ADDRESS_MAX})
    name = contact_name(param(data, "first_name"), param(data, "last_name"))
    if len(name) > CONTACT_NAME_MAX:
        raise Open311Error(
            _("first_name and last_name together are longer than %(n)d characters.") % {"n": CONTACT_NAME_MAX}
        )
    media_url = param(data, "media_url") or ""
    if media_url:
        try:
            if len(media_url) > MEDIA_URL_MAX:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(_("media_url must be an http or https address.")) from None
    questions = list(category.attributes.all())
    return Submission(
        category=category,
        place=place,
        description=description,
        address=address,
        lat=lat,
        long=long,
        contact_name=name,
        contact_phone=param(data, "phone") or "",
        media_url=media_url,
        attributes=parse_attributes(data, questions),
        questions=questions,
    )


def open311_submit(submission: Submission, *, ip: str | None = None) -> Demand:
    """Submit through the demand services (channel open311, no user account) and keep the media URL."""
    demand = services.demand_submit(
        by=None,
        channel=Channel.OPEN311,
        category=submission.category,
        place=submission.place,
        description=submission.description,
        contact_name=submission.contact_name,
        contact_phone=submission.contact_phone,
        address=submission.address,
        lat=submission.lat,
        long=submission.long,
        attributes=submission.attributes,
        extra={"media_url": submission.media_url} if submission.media_url else None,
        ip=ip,
        questions=submission.questions,
    )
    return demand

"""Open311 GeoReport v2 endpoints (single jurisdiction) at /open311/v2/.

Reads (discovery, services, definitions, requests) are public and carry no personal data; submitting
needs an `api_key` made by `gongzhi create_open311_key`. Every answer, errors included, comes in the
format the URL asks for, with the spec's content types; errors are `[{code, description}]`: 404 for a
missing resource, 403 for a bad key, 400 for anything else the client sent wrong (a wrong method
included), and 500 only for a failure of the server itself.

`jurisdiction_id` is accepted and ignored, whatever its value: the full spec lets a server with one
jurisdiction ignore it, and clients configured with one (codeforamerica/three, for example) send it on
every call.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core.clients import client_ip
from gongzhi.demands.models import Category
from gongzhi.demands.open311 import fields
from gongzhi.demands.open311.intake import (
    Open311Error,
    open311_submit,
    param,
    param_list,
    parse_submission,
)
from gongzhi.demands.open311.keys import open311_key_authenticate
from gongzhi.demands.open311.render import FORMATS, JSON, XML, render, render_errors

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's endpoints last changed (discovery `changeset`).
CHANGESET = "2026-11-25T00:00:00+08:00"
SEARCH_WINDOW = datetime.timedelta(days=90)
SEARCH_LIMIT = 1000
# What a client using the wrong method is told, per endpoint: whole sentences, each translated as one.
METHOD_HINTS = {
    ("GET",): gettext_lazy("Use GET here."),
    ("GET", "POST"): gettext_lazy("Use GET or POST here."),
}
logger = logging.getLogger(__name__)
# Internal field names in the services' validation errors, as the Open311 parameter a client sent.
PARAMETER_OF = {
    "description": "description",
    "contact_phone": "phone",
    "contact_name": "first_name/last_name",
    "category": "service_code",
    "place": "address_id",
    "attributes": "attribute",
}


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return [str(m) for m in exc.messages]
    out = []
    for name, messages in exc.message_dict.items():
        label = PARAMETER_OF.get(name)
        out.extend(f"{label}: {m}" if label else str(m) for m in messages)
    return out


def endpoint(*methods: str) -> Callable:
    """Answer only `methods`, in the URL's format, and turn failures into errors of the spec.

    A wrong method is a 400 (the spec's errors are 403, 404 or 400) that still names the allowed ones in
    `Allow`. The client's mistakes are 400 (or the status an `Open311Error` names); anything else is a
    fault of the server: logged with its traceback and answered 500, in the spec's format all the same.
    """
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
    hint = METHOD_HINTS[methods]

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in allowed:
                response = render_errors(fmt, 400, [hint])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return render_errors(fmt, exc.status, [exc.description])
            except ValidationError as exc:
                return render_errors(fmt, 400, _messages(exc))
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return render_errors(
                    fmt, 500, [_("The server could not answer this request. Please try again later.")]
                )

        return wrapper

    return decorator


def _base_url(request: HttpRequest) -> str:
    """The endpoint's address without a trailing slash, as in the spec's example (`…/open311/v2`):
    clients append `/services.json` to it."""
    discovery = reverse("open311:discovery", kwargs={"fmt": XML})
    return request.build_absolute_uri(discovery.rsplit("/", 1)[0])


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    test = settings.DEBUG or getattr(settings, "DEMO_MODE", False)
    data = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "")
        or _("Contact the subdistrict's Gongzhi administrators."),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or _("Ask the subdistrict's Gongzhi administrators for an api_key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "test" if test else "production",
                "formats": FORMATS,
            }
        ],
    }
    return render(fmt, "discovery", data)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [fields.service(c) for c in fields.active_services()])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code.lower(), active=True).first()
    if category is None:
        raise Open311Error(_("There is no service “%(code)s”.") % {"code": code}, status=404)
    return render(fmt, "service_definition", fields.service_definition(category))


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return render(fmt, "service_requests", fields.service_requests(_search(request)))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    raw_key = param(request.POST, "api_key") or param(request.GET, "api_key")
    if open311_key_authenticate(raw_key) is None:
        raise Open311Error(
            _("A valid api_key is required to submit a request.")
            if raw_key
            else _("api_key is required to submit a request."),
            status=403,
        )
    demand = open311_submit(parse_submission(request.POST), ip=client_ip(request))
    answer = {
        "service_request_id": demand.number,
        "service_notice": fields.service_notice(demand),
        "account_id": None,
    }
    return render(fmt, "service_requests", [answer])


def _moment(value: str, name: str, *, end: bool) -> datetime.datetime:
    """A w3 date-time; a `+hh:mm` offset left unescaped in a query string arrives as a space.

    It must lie far enough inside the dates Python can hold (years 1 to 9999, in UTC as the database
    stores it) for the search window around it to be computed: `start_date=9999-12-31` is a 400."""
    moment = None
    for text in (value, value.replace(" ", "+")):
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is not None:
            break
    if moment is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            raise Open311Error(
                _("%(name)s must be a date-time such as 2026-01-31T08:00:00+08:00.") % {"name": name}
            )
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        margin = SEARCH_WINDOW + datetime.timedelta(days=1)
        for edge in (moment - margin, moment + margin):
            edge.astimezone(datetime.UTC)
    except OverflowError:
        raise Open311Error(
            _("%(name)s is outside the range of dates this server can search.") % {"name": name}
        ) from None
    return moment


def _search(request: HttpRequest):
    """The spec's filters. Without dates: the last 90 days; with one date: 90 days from or up to it;
    a range may not span more than 90 days. At most 1,000 requests, newest first. The list filters may be
    comma delimited, repeated, or both (`status=open&status=closed` is `status=open,closed`)."""
    demands = fields.requests_queryset()
    ids = param_list(request.GET, "service_request_id")
    if ids is not None:
        numbers = [n.strip() for n in ids.split(",") if n.strip()]
        return demands.filter(number__in=numbers[:SEARCH_LIMIT])[:SEARCH_LIMIT]
    codes = param_list(request.GET, "service_code")
    if codes is not None:
        demands = demands.filter(
            category__code__in=[c.strip().lower() for c in codes.split(",") if c.strip()]
        )
    status = param_list(request.GET, "status")
    if status is not None:
        wanted = {s.strip().lower() for s in status.split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(_("status must be open, closed, or both separated by a comma."))
        if len(wanted) == 1:
            demands = demands.filter(status__in=fields.statuses_for(wanted.pop()))
    start, end = param(request.GET, "start_date"), param(request.GET, "end_date")
    start_at = _moment(start, "start_date", end=False) if start else None
    end_at = _moment(end, "end_date", end=True) if end else None
    if start_at is None and end_at is None:
        end_at = timezone.now()
    if start_at is None:
        start_at = end_at - SEARCH_WINDOW
    if end_at is None:
        end_at = start_at + SEARCH_WINDOW
    if end_at < start_at:
        raise Open311Error(_("end_date is before start_date."))
    if end_at - start_at > SEARCH_WINDOW + datetime.timedelta(days=1):
        raise Open311Error(_("start_date and end_date may not span more than 90 days."))
    return demands.filter(created_at__gte=start_at, created_at__lte=end_at)[:SEARCH_LIMIT]


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    demand = fields.requests_queryset().filter(number=request_id).first()
    if demand is None:
        raise Open311Error(_("There is no request “%(id)s”.") % {"id": request_id}, status=404)
    return render(fmt, "service_requests", fields.service_requests([demand]))


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Every service is realtime: requests are numbered at once and no token is ever issued."""
    raise Open311Error(
        _("There is no token “%(token)s”: this server answers with service_request_id at once.")
        % {"token": token},
        status=404,
    )


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = JSON if path.endswith(".json") else XML
    return render_errors(
        fmt, 404, [_("No such Open311 resource. End the path in .xml or .json (see discovery.xml).")]
    )

"""Floor views: the same work as the measured endpoints, done as barely as Django allows.

Each view reads or writes the project's own tables with hand-written SQL through Django's connection (its
%s placeholders run on PostgreSQL and on SQLite), returns JSON, and uses no ORM query and no template.
They are served by the same gunicorn, behind the same middleware, in the same run as the real endpoints:
the ratio real / floor is what the app's own layers (ORM, selectors, services, templates, django-ninja)
cost on top of the database work itself.

What each one does, so that the comparison is honest. Each floor does the database work its real
endpoint does, statement for statement where it can (the reads the page needs, the rows the service
writes, the audit row included), so that the ratio is the cost of the app's layers and not of work only
one side does:
- POST /floor/demands: bearer token (or session) → user; place by code, within the user's view scope;
  category by code; the area, station and branch the routing would pick; the deadlines of
  `deadlines_for`; then, in one transaction, the demand row, its number, its `submitted` event, its audit
  row, the three roll-up cells (one upsert statement), and the people told at the station level (a
  notification row each). Not done: the check of the category's questions (no query) and the delivery
  tasks of the notifications (the bench has no branch secretaries, so there are none).
- GET /floor/worklist: the user's `change` scope from their assignments; the open demands in it, most
  urgent first (level_due, id), 50 rows with the names the worklist table shows; one GROUP BY for the
  counts by state and overdue (the page's pills, and the total its pager needs); the categories the
  filter offers; the people the bulk assignment may name.
- GET /floor/demands/<id>: the demand with the names of its category, place, station, branch and handler
  and whether it has photos, checked against the user's view scope; its place's ancestors and area (the
  breadcrumbs); its timeline; and, for a user who may change it, what the actions its state allows offer
  to pick (the handlers a dispatch may name, the service points a transfer may go to).
- GET /floor/stats?place=<code>[&since=&until=]: the place within the user's view scope, then the roll-up
  rows under its path prefix summed per category, one query per part of the window (whole years, whole
  months, then days, from the yearly, monthly and daily roll-ups, as `tallies.split` cuts it).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.accounts.models import ApiToken, Assignment, User, token_digest
from gongzhi.core.audit import AuditEvent
from gongzhi.core.roles import ROLE_ACTIONS, Action
from gongzhi.demands.deadlines import CONTACT_WITHIN, DISPATCH_WITHIN
from gongzhi.demands.models import (
    OPEN_STATES,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandMonthTally,
    DemandPhoto,
    DemandTally,
    DemandYearTally,
    EventKind,
    Level,
    Status,
)
from gongzhi.demands.page_selectors import CHANGE_ROLES
from gongzhi.demands.routing import LEVEL_ROLES
from gongzhi.demands.services import ACTION_STATES
from gongzhi.demands.tallies import COUNTERS, split
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import in_site_language
from gongzhi.party.models import OrgCoverage, OrgKind, PartyOrg
from gongzhi.territory.models import RESIDENTIAL_KINDS, Place, PlaceKind, ServiceArea, ServicePoint
from gongzhi.workdays.calendar import working_deadline

PAGE = settings.PAGE_SIZE
T = {
    "demand": Demand._meta.db_table,
    "event": DemandEvent._meta.db_table,
    "tally": DemandTally._meta.db_table,
    "month_tally": DemandMonthTally._meta.db_table,
    "year_tally": DemandYearTally._meta.db_table,
    "category": Category._meta.db_table,
    "place": Place._meta.db_table,
    "point": ServicePoint._meta.db_table,
    "served": ServiceArea._meta.db_table,
    "coverage": OrgCoverage._meta.db_table,
    "org": PartyOrg._meta.db_table,
    "user": User._meta.db_table,
    "assignment": Assignment._meta.db_table,
    "token": ApiToken._meta.db_table,
    "photo": DemandPhoto._meta.db_table,
    "audit": AuditEvent._meta.db_table,
    "notification": Notification._meta.db_table,
}
CHANGES = AuditEvent._meta.get_field("changes")
DELIVERED = Notification._meta.get_field("delivered")
NO_PHONE = ""  # a notification to a user has no phone; the encrypted field stores "" as it is
OPEN = tuple(str(s) for s in OPEN_STATES)
OPEN_IN = ", ".join(["%s"] * len(OPEN))
HANDLER_ROLES = tuple(str(r) for r in CHANGE_ROLES)
STATION_ROLES = tuple(str(r) for r in LEVEL_ROLES[Level.STATION])
RESIDENTIAL = tuple(str(k) for k in RESIDENTIAL_KINDS)
# Columns a new demand sets; any other column of Demand takes its model default.
_SET = (
    "channel", "category_id", "place_id", "area_id", "place_path", "description", "address", "lat", "long",
    "attributes", "contact_name", "contact_phone", "submitted_by_id", "submitted_ip", "created_at",
    "updated_at", "status", "level", "closed_level", "station_id", "branch_id", "handler_id",
    "dispatch_due", "contact_due", "resolve_due", "level_due", "extension_days", "reopen_count", "reply",
    "rating", "rating_comment", "agenda_ref",
)  # fmt: skip
_OTHER = [
    f
    for f in Demand._meta.concrete_fields
    if f.attname not in _SET and not f.primary_key and f.attname not in ("number",) and f.has_default()
]


def _rows(sql: str, params: list[Any] | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _one(sql: str, params: list[Any] | tuple = ()) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _error(status: int, detail: Any) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


# --- who asks, and where they may look -----------------------------------------------------------------


def _caller(request: HttpRequest) -> tuple[int, bool, str] | None:
    """(user id, is superuser, username) from `Authorization: Bearer`, else from the session; None: nobody."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Bearer "):
        row = _one(
            f"SELECT u.id, u.is_superuser, u.is_demo, u.username FROM {T['token']} t"
            f" JOIN {T['user']} u ON u.id = t.user_id"
            " WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active = %s",
            [token_digest(header[7:].strip()), True],
        )
        if row is None or (row[2] and not settings.DEMO_MODE):
            return None
        return row[0], bool(row[1]), row[3]
    user = request.user
    if not user.is_authenticated:
        return None
    return user.pk, user.is_superuser, user.username


def _paths(caller: tuple[int, bool, str], action: str, held: list[tuple] | None = None) -> list[str] | None:
    """Path prefixes where the user may take `action` (None: everywhere), as scoping.place_paths.
    `held`: the (role, path) rows of `_held`, when the view needs the scope of more than one action."""
    user_id, superuser, _username = caller
    if superuser:
        return None
    if held is None:
        held = _held(user_id)
    kept: list[str] = []
    for place_path in sorted({p for role, p in held if action in ROLE_ACTIONS.get(role, ())}):
        if not any(place_path.startswith(k) for k in kept):
            kept.append(place_path)
    return kept


def _held(user_id: int) -> list[tuple]:
    """(role, place path) of the user's active assignments (scoping reads them once a request too)."""
    return _rows(
        f"SELECT a.role, p.path FROM {T['assignment']} a JOIN {T['place']} p ON p.id = a.place_id"
        " WHERE a.user_id = %s AND a.active = %s",
        [user_id, True],
    )


def _scope(paths: list[str] | None, column: str) -> tuple[str, list[str]]:
    """An SQL condition keeping rows whose `column` lies under one of `paths`."""
    if paths is None:
        return "1 = 1", []
    if not paths:
        return "1 = 0", []
    return "(" + " OR ".join([f"{column} LIKE %s"] * len(paths)) + ")", [f"{p}%" for p in paths]


def _within(paths: list[str] | None, place_path: str) -> bool:
    return paths is None or any(place_path.startswith(p) for p in paths)


def _ids(place_path: str) -> list[int]:
    """The ids along a materialised path (`/1/5/23/` → [1, 5, 23]): the place and its ancestors."""
    return [int(pk) for pk in place_path.strip("/").split("/") if pk]


def _in(values: list | tuple) -> str:
    return ", ".join(["%s"] * len(values))


def _users_with_change(condition: str, params: list[Any]) -> list[tuple]:
    """Active users holding a role that may change demands where `condition` (on the assignment `a` and
    its place `ap`) holds, by name: whom a dispatch may name (page_selectors._users_with_change_at)."""
    return _rows(
        f"SELECT DISTINCT u.id, u.display_name, u.username FROM {T['user']} u"
        f" JOIN {T['assignment']} a ON a.user_id = u.id JOIN {T['place']} ap ON ap.id = a.place_id"
        f" WHERE a.active = %s AND a.role IN ({_in(HANDLER_ROLES)}) AND ({condition}) AND u.is_active = %s"
        " ORDER BY u.display_name, u.username",
        [True, *HANDLER_ROLES, *params, True],
    )


def _moment(value: Any) -> Any:
    """A datetime read by a raw cursor, aware (SQLite's converters give naive UTC)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        return value.replace(tzinfo=datetime.UTC)
    return value


def _iso(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return _moment(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _at(value: datetime.datetime) -> Any:
    """A datetime parameter as the backend stores it (aware on PostgreSQL, naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def _on(value: datetime.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


# --- the views -----------------------------------------------------------------------------------------


@csrf_exempt
def submit(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(405, "POST only")
    caller = _caller(request)
    if caller is None:
        return _error(401, "Unauthorized")
    try:
        body = json.loads(request.body or b"")
        place_code, category_code = body["place"].strip().lower(), body["category"].strip().lower()
        description = str(body.get("description", "")).strip()
        attributes = body.get("attributes") or {}
    except (ValueError, KeyError, AttributeError, TypeError):
        return _error(400, {"__all__": ["Send a JSON object with place, category and description."]})
    now = timezone.now()
    today = timezone.localdate(now, timezone.get_default_timezone())
    place = _one(f"SELECT id, path, kind, closed_on FROM {T['place']} WHERE code = %s", [place_code])
    category = _one(
        f"SELECT id, limit_days, urgency, active, name FROM {T['category']} WHERE code = %s", [category_code]
    )
    errors = {}
    if place is None or not _within(_paths(caller, Action.VIEW), place[1]):
        errors["place"] = ["No place with this code that you can see."]
    elif place[3] is not None and place[3] <= today:
        errors["place"] = ["This place is closed."]
    if category is None or not category[3]:
        errors["category"] = ["No category with this code."]
    if not description:
        errors["description"] = ["Describe the problem."]
    if errors:
        return _error(400, errors)
    place_id, place_path, kind, _closed = place
    category_id, limit_days, urgency, _active, category_name = category
    # Routing: the residential area (the place or its nearest residential ancestor), its station, its branch.
    if kind in RESIDENTIAL:
        area_id = place_id
    else:
        ancestors = [int(pk) for pk in place_path.strip("/").split("/")[:-1]]
        area = (
            _one(
                f"SELECT id FROM {T['place']} WHERE id IN ({', '.join(['%s'] * len(ancestors))})"
                f" AND kind IN ({', '.join(['%s'] * len(RESIDENTIAL))}) ORDER BY depth DESC",
                [*ancestors, *RESIDENTIAL],
            )
            if ancestors
            else None
        )
        area_id = area[0] if area else None
    station_id = branch_id = None
    if area_id is not None:
        station = _one(
            f"SELECT s.point_id FROM {T['served']} s JOIN {T['point']} p ON p.id = s.point_id"
            " WHERE s.area_id = %s AND p.closed_on IS NULL",
            [area_id],
        )
        station_id = station[0] if station else None
        orgs = _rows(
            f"SELECT o.id, o.kind FROM {T['coverage']} c JOIN {T['org']} o ON o.id = c.org_id"
            " WHERE c.area_id = %s AND c.since <= %s AND (c.until IS NULL OR c.until > %s)"
            " AND (o.dissolved_on IS NULL OR o.dissolved_on > %s) ORDER BY c.since",
            [area_id, _on(today), _on(today), _on(today)],
        )
        branch_id = next((o for o, k in orgs if k == OrgKind.BRANCH), orgs[0][0] if orgs else None)
    resolve_due = working_deadline(now, limit_days)
    values = {
        "channel": Channel.API.value,
        "category_id": category_id,
        "place_id": place_id,
        "area_id": area_id,
        "place_path": place_path,
        "description": description,
        "address": "",
        "lat": None,
        "long": None,
        # The field's own adapter (Jsonb on PostgreSQL, text on SQLite): no query, just the value.
        "attributes": Demand._meta.get_field("attributes").get_db_prep_save(attributes, connection),
        "contact_name": "",
        "contact_phone": "",
        "submitted_by_id": None,
        "submitted_ip": request.META.get("REMOTE_ADDR"),
        "created_at": _at(now),
        "updated_at": _at(now),
        "status": Status.SUBMITTED.value,
        "level": Level.STATION.value,
        "closed_level": "",
        "station_id": station_id,
        "branch_id": branch_id,
        "handler_id": None,
        "dispatch_due": _at(now + DISPATCH_WITHIN[urgency]),
        "contact_due": _at(now + CONTACT_WITHIN),
        "resolve_due": _at(resolve_due),
        "level_due": _at(resolve_due),
        "extension_days": 0,
        "reopen_count": 0,
        "reply": "",
        "rating": "",
        "rating_comment": "",
        "agenda_ref": "",
        **{f.attname: f.get_db_prep_save(f.get_default(), connection) for f in _OTHER},
    }
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    cell_area = area_id or place_id
    cell_path = (
        place_path
        if cell_area == place_id
        else _one(f"SELECT path FROM {T['place']} WHERE id = %s", [cell_area])[0]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {T['demand']} ({columns}) VALUES ({marks}) RETURNING id", list(values.values())
        )
        demand_id = cursor.fetchone()[0]
        number = f"SQ{timezone.localtime(now):%Y%m%d}{demand_id:06d}"
        cursor.execute(f"UPDATE {T['demand']} SET number = %s WHERE id = %s", [number, demand_id])
        cursor.execute(
            f"INSERT INTO {T['event']} (demand_id, at, actor_id, kind, status, level, note)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                demand_id,
                _at(now),
                None,
                EventKind.SUBMITTED.value,
                Status.SUBMITTED.value,
                Level.STATION.value,
                "",
            ],
        )
        # The audit row, as core.audit.audit_record writes it.
        cursor.execute(
            f"INSERT INTO {T['audit']} (at, actor_id, actor_name, action, target_type, target_id, target_repr,"
            " place_path, changes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                _at(now),
                caller[0],
                caller[2],
                f"demand_{EventKind.SUBMITTED.value}",
                Demand._meta.label_lower,
                str(demand_id),
                number,
                place_path,
                CHANGES.get_db_prep_save(
                    {"status": [None, Status.SUBMITTED.value], "level": [None, Level.STATION.value]},
                    connection,
                ),
            ],
        )
        # The three roll-up cells (day, month, year) in one statement, as the app writes them.
        zeros = ", ".join(["0"] * (len(COUNTERS) - 1))
        upserts = [
            f"INSERT INTO {T[table]} (area_id, area_path, {period}, category_id, {', '.join(COUNTERS)})"
            f" VALUES (%s, %s, %s, %s, 1, {zeros})"
            f" ON CONFLICT (area_id, {period}, category_id) DO UPDATE SET total = {T[table]}.total + 1"
            for table, period in (("tally", "day"), ("month_tally", "month"), ("year_tally", "year"))
        ]
        periods = [today, today.replace(day=1), today.replace(month=1, day=1)]
        cells = [[cell_area, cell_path, _on(p), category_id] for p in periods]
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH d AS ({upserts[0]}), m AS ({upserts[1]}) {upserts[2]}", [v for c in cells for v in c]
            )
        else:
            for sql, params in zip(upserts, cells, strict=True):
                cursor.execute(sql, params)
        # Who answers at the station level (routing.responsible_users): a notification row each.
        ids = _ids(place_path)
        cursor.execute(
            f"SELECT DISTINCT u.id FROM {T['user']} u JOIN {T['assignment']} a ON a.user_id = u.id"
            f" WHERE u.is_active = %s AND a.active = %s AND a.role IN ({_in(STATION_ROLES)})"
            f" AND a.place_id IN ({_in(ids)})",
            [True, True, *STATION_ROLES, *ids],
        )
        recipients = [row[0] for row in cursor.fetchall()]
        if recipients:
            with in_site_language():  # as the app writes notifications
                subject = (
                    _("New demand %(number)s: %(category)s") % {"number": number, "category": category_name}
                )[:200]
            link = reverse("demands:detail", args=[demand_id])
            cursor.execute(
                f"INSERT INTO {T['notification']} (recipient_id, phone, subject, body, link, created_at,"
                " read_at, delivered) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, NULL, %s)"] * len(recipients)),
                [
                    v
                    for r in recipients
                    for v in (
                        r,
                        NO_PHONE,
                        subject,
                        "",
                        link,
                        _at(now),
                        DELIVERED.get_db_prep_save({}, connection),
                    )
                ],
            )
    return JsonResponse(
        {
            "id": demand_id,
            "number": number,
            "status": Status.SUBMITTED.value,
            "level": Level.STATION.value,
            "category": category_code,
            "place": place_code,
            "created_at": now.isoformat(),
            "resolve_due": resolve_due.isoformat(),
        },
        status=201,
    )


def worklist(request: HttpRequest) -> JsonResponse:
    caller = _caller(request)
    if caller is None:
        return _error(401, "Unauthorized")
    paths = _paths(caller, Action.CHANGE)
    where, params = _scope(paths, "d.place_path")
    now = timezone.now()
    counts = _rows(
        f"SELECT d.status, COUNT(*), SUM(CASE WHEN d.level_due < %s THEN 1 ELSE 0 END) FROM {T['demand']} d"
        f" WHERE d.status IN ({OPEN_IN}) AND {where} GROUP BY d.status",
        [_at(now), *OPEN, *params],
    )
    rows = _rows(
        "SELECT d.id, d.number, d.status, d.level, d.created_at, d.level_due, c.name, p.name,"
        " h.display_name, h.username"
        f" FROM {T['demand']} d JOIN {T['category']} c ON c.id = d.category_id"
        f" JOIN {T['place']} p ON p.id = d.place_id LEFT JOIN {T['user']} h ON h.id = d.handler_id"
        f" WHERE d.status IN ({OPEN_IN}) AND {where} ORDER BY d.level_due, d.id LIMIT {PAGE}",
        [*OPEN, *params],
    )
    items = [
        {
            "id": r[0],
            "number": r[1],
            "status": r[2],
            "level": r[3],
            "created_at": _iso(r[4]),
            "level_due": _iso(r[5]),
            "overdue": _moment(r[5]) < now,
            "category": r[6],
            "place": r[7],
            "handler": r[8] or r[9],
        }
        for r in rows
    ]
    # The filter's categories, and whom the bulk assignment may name (page_selectors.handler_candidates:
    # a role that may change at a place along the user's paths, or inside them).
    categories = _rows(f'SELECT id, name FROM {T["category"]} ORDER BY "order", code')
    handlers: list[tuple] = []
    if paths is None:
        handlers = _users_with_change("1 = 1", [])
    elif paths:
        ids = sorted({pk for p in paths for pk in _ids(p)})
        inside = " OR ".join(["ap.path LIKE %s"] * len(paths))
        handlers = _users_with_change(
            f"a.place_id IN ({_in(ids)}) OR {inside}", [*ids, *(f"{p}%" for p in paths)]
        )
    return JsonResponse(
        {
            "categories": [{"id": pk, "name": name} for pk, name in categories],
            "handlers": [{"id": pk, "name": name or username} for pk, name, username in handlers],
            "count": sum(n for _s, n, _o in counts),
            "by_status": {s: n for s, n, _o in counts},
            "overdue": sum(o or 0 for _s, _n, o in counts),
            "items": items,
        }
    )


DETAIL_COLUMNS = (
    "id", "number", "channel", "status", "level", "description", "address", "contact_name", "created_at",
    "updated_at", "dispatch_due", "contact_due", "resolve_due", "level_due", "dispatched_at", "contacted_at",
    "resolved_at", "closed_at", "reply", "rating", "place_path", "submitted_by_id",
)  # fmt: skip


def detail(request: HttpRequest, pk: int) -> JsonResponse:
    caller = _caller(request)
    if caller is None:
        return _error(401, "Unauthorized")
    row = _one(
        f"SELECT {', '.join('d.' + c for c in DETAIL_COLUMNS)}, d.place_id, d.area_id, d.station_id, p.kind,"
        " c.name, p.name, s.name, b.name, h.display_name,"
        f" EXISTS (SELECT 1 FROM {T['photo']} f WHERE f.demand_id = d.id)"
        f" FROM {T['demand']} d JOIN {T['category']} c ON c.id = d.category_id"
        f" JOIN {T['place']} p ON p.id = d.place_id"
        f" LEFT JOIN {T['point']} s ON s.id = d.station_id LEFT JOIN {T['org']} b ON b.id = d.branch_id"
        f" LEFT JOIN {T['user']} h ON h.id = d.handler_id WHERE d.id = %s",
        [pk],
    )
    if row is None:
        return _error(404, "not found")
    demand = dict(zip(DETAIL_COLUMNS, row, strict=False))
    place_id, area_id, station_id, place_kind = row[len(DETAIL_COLUMNS) : len(DETAIL_COLUMNS) + 4]
    names = row[len(DETAIL_COLUMNS) + 4 : -1]
    place_path, status = demand["place_path"], demand["status"]
    held = None if caller[1] else _held(caller[0])
    if demand["submitted_by_id"] != caller[0] and not _within(_paths(caller, Action.VIEW, held), place_path):
        return _error(404, "not found")
    # The breadcrumbs: the place's ancestors, with its area, in one query (page_selectors.ancestors_and_area).
    ids = _ids(place_path)
    wanted = sorted({*ids, area_id} - {None, place_id})
    places = (
        {
            r[0]: r
            for r in _rows(
                f"SELECT id, name, kind, path FROM {T['place']} WHERE id IN ({_in(wanted)})", wanted
            )
        }
        if wanted
        else {}
    )
    events = _rows(
        f"SELECT e.at, e.kind, e.status, e.level, e.note, u.display_name FROM {T['event']} e"
        f" LEFT JOIN {T['user']} u ON u.id = e.actor_id WHERE e.demand_id = %s ORDER BY e.at, e.id",
        [pk],
    )
    photos = _rows(f"SELECT id FROM {T['photo']} WHERE demand_id = %s ORDER BY id", [pk]) if row[-1] else []
    # What the actions the state allows offer to pick, for a user who may change the demand.
    offers: dict[str, list[dict[str, Any]]] = {}
    if _within(_paths(caller, Action.CHANGE, held), place_path):
        if status in ACTION_STATES["dispatch"]:
            found = _users_with_change(f"a.place_id IN ({_in(ids)})", ids)
            offers["dispatch"] = [{"id": i, "name": name or username} for i, name, username in found]
        kinds_paths = [(place_kind, place_path), *((places[i][2], places[i][3]) for i in ids if i in places)]
        community = next((path for kind, path in kinds_paths if kind == PlaceKind.COMMUNITY), None)
        if status in ACTION_STATES["transfer"] and community is not None:
            found = _rows(
                f"SELECT s.id, s.name FROM {T['point']} s JOIN {T['place']} sp ON sp.id = s.place_id"
                " WHERE s.closed_on IS NULL AND sp.path LIKE %s AND s.id <> %s ORDER BY s.kind, s.code",
                [f"{community}%", station_id or 0],
            )
            offers["transfer"] = [{"id": i, "name": name} for i, name in found]
    return JsonResponse(
        {
            **{k: _iso(v) for k, v in demand.items()},
            **dict(zip(("category", "place", "station", "branch", "handler"), names, strict=True)),
            "photos": [p for (p,) in photos],
            "area": names[1] if area_id == place_id else (places[area_id][1] if area_id in places else None),
            "crumbs": [places[i][1] for i in ids if i in places],
            "events": [
                dict(
                    zip(("at", "kind", "status", "level", "note", "actor"), (_iso(e[0]), *e[1:]), strict=True)
                )
                for e in events
            ],
            "offers": offers,
        }
    )


def _day(value: str | None) -> datetime.date | None:
    if not value:
        return None
    return datetime.date.fromisoformat(value)


def stats(request: HttpRequest) -> JsonResponse:
    caller = _caller(request)
    if caller is None:
        return _error(401, "Unauthorized")
    code = request.GET.get("place", "")
    place = _one(f"SELECT path FROM {T['place']} WHERE code = %s", [code]) if code else None
    if place is None or not _within(_paths(caller, Action.VIEW), place[0]):
        return _error(404, "not found")
    try:
        since, until = _day(request.GET.get("since")), _day(request.GET.get("until"))
    except ValueError:
        return _error(400, {"since": ["Give a date as YYYY-MM-DD."]})
    # The same cells as the app reads: whole years, whole months, then days (`tallies.split`).
    totals = dict.fromkeys(COUNTERS, 0)
    by_category: dict[str, int] = {}
    for grain, (low, high) in split(since, until):
        table, period = grain.model._meta.db_table, grain.period
        where, params = "t.area_path LIKE %s", [f"{place[0]}%"]
        if low:
            where, params = f"{where} AND t.{period} >= %s", [*params, _on(low)]
        if high:
            where, params = f"{where} AND t.{period} <= %s", [*params, _on(high)]
        rows = _rows(
            f"SELECT c.code, {', '.join(f'SUM(t.{k})' for k in COUNTERS)} FROM {table} t"
            f" JOIN {T['category']} c ON c.id = t.category_id WHERE {where} GROUP BY c.code",
            params,
        )
        for code, *values in rows:
            for k, v in zip(COUNTERS, values, strict=True):
                totals[k] += int(v)
            by_category[code] = by_category.get(code, 0) + int(values[0])
    return JsonResponse(
        {
            "total": totals["total"],
            "resolved": totals["resolved"],
            "resolved_locally": totals["resolved_locally"],
            "on_time": totals["on_time"],
            "satisfaction": {k: totals[k] for k in ("satisfied", "basic", "dissatisfied")},
            "by_category": {c: n for c, n in by_category.items() if n > 0},
        }
    )


def ping(request: HttpRequest) -> JsonResponse:
    """Answers at once: bench/run.py waits for it between runs, to know the server's queue is drained."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("ping", ping, name="floor-ping"),
    path("demands", submit, name="floor-submit"),
    path("demands/<int:pk>", detail, name="floor-detail"),
    path("worklist", worklist, name="floor-worklist"),
    path("stats", stats, name="floor-stats"),
]

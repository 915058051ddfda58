"""Rows of generated resident demands and their timelines, for the benchmark and its smoke test.

Each demand is drawn like the demo's (gongzhi/demands/data/demo-demands.yaml: how often each kind of place
reports, about what, through which channel, in which words), then lived through the steps the services
would have written: accept, dispatch, first contact, resolution, rating (a dissatisfied rating reopens it
and it is answered again), refusal or merging for a few; and the deadline sweep's warnings and escalations
(`services.sweep_deadlines`, taken to run every 15 minutes) wherever a level let its deadline pass. Steps
that would lie after `now` have not happened: recent demands are still open, as are a few older ones
that got stuck. The columns follow from the timeline the way the services set them (status, level,
closed_level, the deadlines of `deadlines_for`, dispatched_at … closed_at, warned_at, reopen_count, the
number `SQ<local date><id>`), so the project's own selectors, roll-up and recount read them as theirs.

Nothing here writes: `DemandMaker.rows()` yields (demand tuple in DEMAND_COLUMNS order, event tuples in
EVENT_COLUMNS order); bench/generate.py streams them into PostgreSQL with COPY, the smoke test saves a
few hundred through the ORM. Deterministic for a given seed, `now` and context.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.demands.deadlines import CONTACT_WITHIN, DISPATCH_WITHIN, WARN_BEFORE
from gongzhi.demands.models import (
    LEVEL_ORDER,
    OPEN_STATES,
    Category,
    Demand,
    DemandEvent,
    EventKind,
    Level,
    Rating,
    Status,
    Urgency,
)
from gongzhi.territory.models import Place, PlaceKind
from gongzhi.workdays.calendar import working_deadline

try:  # the demand demo owns the catalogue and the texts; read the same file if it is not there
    from gongzhi.demands.demo import DATA_FILE
except ImportError:  # pragma: no cover
    from pathlib import Path

    DATA_FILE = Path(__file__).resolve().parent.parent / "gongzhi" / "demands" / "data" / "demo-demands.yaml"

PLACE_KINDS = (
    PlaceKind.COMMUNITY,
    PlaceKind.RESIDENTS_COMMITTEE,
    PlaceKind.RESIDENT_GROUP,
    PlaceKind.GARDEN_ESTATE,
    PlaceKind.INDEPENDENT_AREA,
    PlaceKind.INDUSTRIAL_PARK,
)
SPOT_KIND = {
    PlaceKind.RESIDENTS_COMMITTEE: "village",
    PlaceKind.RESIDENT_GROUP: "village",
    PlaceKind.INDEPENDENT_AREA: "village",
}
# The demo's shares (gongzhi/demands/demo.py), plus refusals and merged duplicates, which it has none of.
SHARES = {
    "rejected": 0.015,
    "merged": 0.01,  # when a demand at the same place and category came in within the last 3 days
    "accept": 0.35,
    "late_dispatch": 0.05,
    "pending": 0.4,  # of the last 30 days' demands: still being handled
    "stuck": 0.07,  # of those 30 to 90 days old: still open, overdue by now
    "unrated": 0.08,
    "dissatisfied": 0.04,
    "satisfied": 0.8,
}
REJECT_REASONS = (
    "不属于社区职责范围，已告知反映人向相关部门反映。",
    "属于民事纠纷，建议通过诉讼途径解决。",
    "反映内容不具体，多次联系反映人未果。",
)
DEFAULT_REPLY = "已协调相关单位处理完毕，经回访问题已解决。"
DEFAULT_NOTES = {
    "contacted": "已电话联系反映人，了解具体情况。",
    "redispatched": "居民不满意，重新办理",
    "revisited": "已上门回访，核实问题。",
    "titles": ["先生", "女士"],
}
HOURS = (7, 8, 9, 10, 10, 11, 14, 15, 16, 17, 19, 20, 21, 22)  # the demo's hours of submission
SWEEP_EVERY = 900  # seconds between two runs of the deadline sweep
PHONE_POOL = 5000
YEARLY_GROWTH = 0.25  # each year brings a quarter more demands than the one before
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

DEMAND_COLUMNS = tuple(f.attname for f in Demand._meta.concrete_fields)
EVENT_COLUMNS = ("id", "demand_id", "at", "actor_id", "kind", "status", "level", "note")
_KNOWN = {
    "id", "number", "channel", "category_id", "place_id", "area_id", "place_path", "description", "address",
    "lat", "long", "attributes", "contact_name", "contact_phone", "submitted_by_id", "submitted_ip",
    "created_at", "updated_at", "status", "level", "closed_level", "station_id", "branch_id", "handler_id",
    "dispatch_due", "contact_due", "resolve_due", "level_due", "dispatched_at", "contacted_at",
    "resolved_at", "closed_at", "warned_at", "extension_days", "reopen_count", "reply", "rating",
    "rating_comment", "merged_into_id", "agenda_ref",
}  # fmt: skip
# Columns added to Demand after this file was written take their model default.
_DEFAULTS = {f.attname: f.get_default() for f in Demand._meta.concrete_fields if f.attname not in _KNOWN}
if set(EVENT_COLUMNS) != {f.attname for f in DemandEvent._meta.concrete_fields}:  # pragma: no cover
    raise RuntimeError("DemandEvent's columns changed: update bench/rows.py EVENT_COLUMNS.")


def read_data() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


# --- what the generator needs to know about the territory ---------------------------------------------


@dataclass
class PlaceInfo:
    id: int
    code: str
    name: str
    kind: str
    path: str
    area_id: int | None
    station_id: int | None
    branch_id: int | None
    community: str
    weight: float
    categories: list[str]
    category_cum: list[float]
    spots: dict[str, list[str]]


@dataclass
class CategoryInfo:
    id: int
    code: str
    limit_days: int
    urgent: bool
    templates: list[dict[str, Any]]
    replies: list[str]


@dataclass
class Context:
    """The places that receive demands, the catalogue, and the accounts that act (user ids)."""

    root: str
    places: list[PlaceInfo]
    categories: dict[str, CategoryInfo]
    data: dict[str, Any]
    staff: dict[str, int] = field(default_factory=dict)  # community code → community staff
    grid: dict[str, int] = field(default_factory=dict)  # community code → grid worker
    residents: dict[int, list[int]] = field(default_factory=dict)  # place id → resident accounts
    place_cum: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.place_cum = list(itertools.accumulate(p.weight for p in self.places))


def build_context(
    root: Place,
    *,
    staff: dict[str, int] | None = None,
    grid: dict[str, int] | None = None,
    residents: dict[int, list[int]] | None = None,
    data: dict[str, Any] | None = None,
) -> Context:
    """Read the places below `root` that receive demands and the catalogue (which must be loaded).

    Routing (area, station, branch) comes from the project's own `routing`, once per place.
    """
    from gongzhi.demands import routing

    data = data or read_data()
    categories = {}
    for row in data["categories"]:
        category = Category.objects.filter(code=row["code"]).first()
        if category is None or not category.active:
            continue
        categories[row["code"]] = CategoryInfo(
            id=category.pk,
            code=category.code,
            limit_days=category.limit_days,
            urgent=category.urgency == Urgency.URGENT,
            templates=data["descriptions"][row["code"]],
            # Older copies of the data file kept the answers apart from the texts.
            replies=data.get("replies", {}).get(row["code"]) or [DEFAULT_REPLY],
        )
    if not categories:
        raise RuntimeError("No demand category is loaded: load the catalogue first.")
    places = []
    rates = data["monthly_rate"]
    below = Place.objects.below(root).filter(kind__in=PLACE_KINDS, closed_on__isnull=True).order_by("path")
    for place in below:
        weights = {c: w for c, w in data["category_weights"][place.kind].items() if c in categories}
        if not weights:
            continue
        area = routing.area_of(place)
        branch = routing.branch_for(area)
        station = routing.station_for(place, area)
        community = routing.community_of(place)
        places.append(
            PlaceInfo(
                id=place.pk,
                code=place.code,
                name=place.name,
                kind=place.kind,
                path=place.path,
                area_id=area.pk if area else None,
                station_id=station.pk if station else None,
                branch_id=branch.pk if branch else None,
                community=community.code if community else "",
                weight=rates[place.kind],
                categories=list(weights),
                category_cum=list(itertools.accumulate(weights.values())),
                spots=data["spots"][SPOT_KIND.get(place.kind, place.kind)],
            )
        )
    if not places:
        raise RuntimeError(f"No place below {root.code} receives demands.")
    return Context(
        root=root.code,
        places=places,
        categories=categories,
        data=data,
        staff=staff or {},
        grid=grid or {},
        residents=residents or {},
    )


# --- time ----------------------------------------------------------------------------------------------


def _zone() -> datetime.tzinfo:
    return timezone.get_default_timezone()


@functools.lru_cache(maxsize=65536)
def _deadline(day: datetime.date, days: int) -> datetime.datetime:
    """working_deadline() depends only on the local date: ask the calendar once per (date, limit)."""
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=_zone())
    return working_deadline(noon, days).astimezone(_zone())


def submission_times(
    count: int, now: datetime.datetime, years: float, rng: random.Random
) -> list[datetime.datetime]:
    """`count` local submission times over the `years` before `now`, sorted: busier each year, in summer
    (June to September) and on weekdays, at the demo's hours of the day."""
    zone = _zone()
    local_now = now.astimezone(zone)
    today = local_now.date()
    days = max(1, round(years * 365.25))
    first = today - datetime.timedelta(days=days - 1)
    weights = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        weight = (1 + YEARLY_GROWTH) ** (offset / 365.25)
        weight *= 1.15 if 6 <= day.month <= 9 else 1.0
        weight *= 0.75 if day.weekday() >= 5 else 1.0
        weights.append(weight)
    cum = list(itertools.accumulate(weights))
    latest = local_now - 10 * MINUTE
    picked = rng.choices(range(days), cum_weights=cum, k=count)
    times = []
    for offset in picked:
        day = first + datetime.timedelta(days=offset)
        moment = datetime.datetime(
            day.year, day.month, day.day, rng.choice(HOURS), rng.randrange(60), rng.randrange(60), tzinfo=zone
        )
        if moment > latest:  # today, later than now: earlier today instead
            moment = latest - datetime.timedelta(seconds=rng.randrange(1, 6 * 3600))
        times.append(moment)
    times.sort()
    return times


def _office_hours(moment: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """The same moment, or the next morning when it falls outside 9:00–18:00 (as the demo)."""
    if moment.hour >= 18:
        return (moment + datetime.timedelta(days=1)).replace(hour=9, minute=rng.randrange(60))
    if moment.hour < 9:
        return moment.replace(hour=9, minute=rng.randrange(60))
    return moment


# --- the generator -------------------------------------------------------------------------------------


@dataclass
class _State:
    status: str = Status.SUBMITTED
    level: str = Level.STATION
    level_due: datetime.datetime | None = None
    warned_at: datetime.datetime | None = None
    handler_id: int | None = None
    dispatched_at: datetime.datetime | None = None
    contacted_at: datetime.datetime | None = None
    resolved_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    closed_level: str = ""
    reply: str = ""
    rating: str = ""
    rating_comment: str = ""
    reopen_count: int = 0
    merged_into_id: int | None = None
    updated_at: datetime.datetime | None = None


class DemandMaker:
    """Draws demands for a context. `rows()` yields them in order of submission, ids rising with time."""

    def __init__(self, ctx: Context, *, now: datetime.datetime, years: float = 3.0, seed: int = 1) -> None:
        self.ctx, self.now, self.years = ctx, now.astimezone(_zone()), years
        self.rng = random.Random(seed)
        self.recent: dict[tuple[int, str], tuple[int, datetime.datetime, str]] = {}
        # Callers come back: phone numbers are drawn from a pool (which also bounds the encryptions).
        pool = random.Random(seed + 1)
        self.phones = [f"13{pool.randrange(10)}{pool.randrange(100_000_000):08d}" for _ in range(PHONE_POOL)]
        self.rating_labels = {r.value: str(r.label) for r in Rating}
        self.notes = {**DEFAULT_NOTES, **ctx.data.get("notes", {})}

    def rows(
        self, count: int, *, start_id: int = 1, start_event_id: int = 1
    ) -> Iterator[tuple[tuple, list[tuple]]]:
        rng, ctx = self.rng, self.ctx
        times = submission_times(count, self.now, self.years, rng)
        event_ids = itertools.count(start_event_id)
        total = ctx.place_cum[-1]
        for index, created in enumerate(times):
            demand_id = start_id + index
            place = ctx.places[bisect.bisect_right(ctx.place_cum, rng.random() * total)]
            code = place.categories[
                bisect.bisect_right(place.category_cum, rng.random() * place.category_cum[-1])
            ]
            row, events = self._demand(demand_id, created, place, ctx.categories[code])
            yield row, [(next(event_ids), *event) for event in events]

    # One demand ---------------------------------------------------------------------------------------

    def _fill(self, text: str, place: PlaceInfo, spot: str, other: str) -> str:
        return text.format(area=place.name, spot=spot, other=other, n=self.rng.randint(2, 6))

    def _channel(self, year: int) -> str:
        table = self.ctx.data["channel_weights"]
        weights = (
            table[max(y for y in table if y <= year)] if any(y <= year for y in table) else table[min(table)]
        )
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _demand(
        self, demand_id: int, created: datetime.datetime, place: PlaceInfo, category: CategoryInfo
    ) -> tuple[tuple, list[tuple]]:
        rng, ctx = self.rng, self.ctx
        spot = rng.choice(place.spots["spot"]).format(
            n=rng.randint(1, 18), u=rng.randint(1, 4), lane=rng.randint(1, 30), no=rng.randint(1, 40)
        )
        other = rng.choice(place.spots["other"])
        template = rng.choice(category.templates)
        channel = self._channel(created.year)
        submitter = None
        if channel == "portal":
            residents = ctx.residents.get(place.area_id or place.id)
            submitter = rng.choice(residents) if residents else None
        elif channel == "grid":
            submitter = ctx.grid.get(place.community)
        staff = ctx.staff.get(place.community)
        phone = ""
        contact_name = ""
        if submitter is None:
            contact_name = rng.choice(ctx.data["surnames"]) + rng.choice(self.notes["titles"])
            if channel in ("walk_in", "phone", "open311"):
                phone = self.phones[rng.randrange(PHONE_POOL)]
        number = f"SQ{created:%Y%m%d}{demand_id:06d}"
        resolve_due = _deadline(created.date(), category.limit_days)
        state = _State(level_due=resolve_due, updated_at=created)
        by = submitter if submitter is not None else (staff if channel in ("walk_in", "phone") else None)
        events: list[tuple] = [(demand_id, created, by, EventKind.SUBMITTED, state.status, state.level, "")]
        steps = self._steps(demand_id, created, place, category, template, spot, other)
        self._live(state, events, demand_id, created, category, steps, staff, submitter)
        if state.status != Status.MERGED:
            self.recent[(place.id, category.code)] = (demand_id, created, number)
        row = {
            "id": demand_id,
            "number": number,
            "channel": channel,
            "category_id": category.id,
            "place_id": place.id,
            "area_id": place.area_id,
            "place_path": place.path,
            "description": self._fill(template["text"], place, spot, other),
            "address": f"{place.name}{spot}" if "{spot}" in template["text"] else f"{place.name}{other}",
            "lat": None,
            "long": None,
            "attributes": dict(template.get("answers", {})),
            "contact_name": contact_name,
            "contact_phone": phone,
            "submitted_by_id": submitter if channel in ("portal", "grid") else None,
            "submitted_ip": None,
            "created_at": created,
            "updated_at": state.updated_at,
            "status": state.status,
            "level": state.level,
            "closed_level": state.closed_level,
            "station_id": place.station_id,
            "branch_id": place.branch_id,
            "handler_id": state.handler_id,
            "dispatch_due": created + DISPATCH_WITHIN[Urgency.URGENT if category.urgent else Urgency.GENERAL],
            "contact_due": created + CONTACT_WITHIN,
            "resolve_due": resolve_due,
            "level_due": state.level_due,
            "dispatched_at": state.dispatched_at,
            "contacted_at": state.contacted_at,
            "resolved_at": state.resolved_at,
            "closed_at": state.closed_at,
            "warned_at": state.warned_at,
            "extension_days": 0,
            "reopen_count": state.reopen_count,
            "reply": state.reply,
            "rating": state.rating,
            "rating_comment": state.rating_comment,
            "merged_into_id": state.merged_into_id,
            "agenda_ref": "",
            **_DEFAULTS,
        }
        return tuple(row[c] for c in DEMAND_COLUMNS), events

    def _steps(
        self,
        demand_id: int,
        created: datetime.datetime,
        place: PlaceInfo,
        category: CategoryInfo,
        template: dict[str, Any],
        spot: str,
        other: str,
    ) -> list[tuple]:
        """The handling planned for the demand, as (time, kind, note, rating); the demo's `_steps`."""
        rng = self.rng
        fate = rng.random()
        if fate < SHARES["rejected"]:
            return [(created + HOUR * rng.uniform(0.2, 6), "reject", rng.choice(REJECT_REASONS), "")]
        if fate < SHARES["rejected"] + SHARES["merged"]:
            target = self.recent.get((place.id, category.code))
            if target is not None and created - target[1] < datetime.timedelta(days=3):
                return [(created + HOUR * rng.uniform(0.2, 24), "merge", target, "")]
        age = self.now - created
        if age <= datetime.timedelta(days=30):
            stuck = rng.random() < SHARES["pending"]
        else:
            stuck = age <= datetime.timedelta(days=90) and rng.random() < SHARES["stuck"]
        steps: list[tuple] = []
        t = created
        if rng.random() < SHARES["accept"]:
            t += MINUTE * rng.randint(3, 20)
            steps.append((t, "accept", "", ""))
        dispatch = created + MINUTE * rng.randint(5, 25 if category.urgent else 100)
        if rng.random() < SHARES["late_dispatch"]:
            dispatch += HOUR * rng.uniform(2, 8)
        t = max(t, dispatch) + MINUTE
        steps.append((t, "dispatch", "", ""))
        t += HOUR * rng.uniform(0.5, 3 if category.urgent else 22)
        steps.append((t, "contact", self.notes["contacted"], ""))
        if stuck:
            return steps
        days = rng.triangular(0.1, category.limit_days * 1.6, category.limit_days * 0.35)
        resolved = _office_hours(max(created + datetime.timedelta(days=days), t + HOUR), rng)
        reply = self._fill(template.get("reply") or rng.choice(category.replies), place, spot, other)
        steps.append((resolved, "resolve", reply, ""))
        if rng.random() < SHARES["unrated"]:
            return steps
        rated = resolved + HOUR * rng.uniform(2, 72)
        if rng.random() < SHARES["dissatisfied"]:
            steps.append(
                (
                    rated,
                    "rate",
                    rng.choice(self.ctx.data.get("dissatisfied") or ["问题没有解决。"]),
                    Rating.DISSATISFIED,
                )
            )
            again = rated + HOUR * rng.uniform(1, 4)
            steps.append((again, "dispatch", self.notes["redispatched"], ""))
            steps.append((again + HOUR * rng.uniform(1, 20), "contact", self.notes["revisited"], ""))
            resolved = _office_hours(again + datetime.timedelta(days=rng.uniform(1, 5)), rng)
            steps.append(
                (resolved, "resolve", rng.choice(self.ctx.data.get("followups") or [DEFAULT_REPLY]), "")
            )
            rated = resolved + HOUR * rng.uniform(2, 48)
        rating = Rating.SATISFIED if rng.random() < SHARES["satisfied"] else Rating.BASIC
        steps.append((rated, "rate", "", rating))
        return steps

    def _sweep(
        self,
        state: _State,
        events: list[tuple],
        demand_id: int,
        category: CategoryInfo,
        since: datetime.datetime,
        until: datetime.datetime,
    ) -> datetime.datetime:
        """What the deadline sweep did between two steps while the demand stayed open; returns the time of
        the last thing it did (or `since`)."""
        rng = self.rng
        while state.status in OPEN_STATES:
            if state.warned_at is None:
                warn = max(since, state.level_due - WARN_BEFORE) + datetime.timedelta(
                    seconds=rng.uniform(0, SWEEP_EVERY)
                )
                if warn < until and warn < state.level_due:
                    state.warned_at = warn
                    note = _("Due by %(due)s") % {"due": f"{state.level_due:%Y-%m-%d %H:%M}"}
                    events.append((demand_id, warn, None, EventKind.WARNED, state.status, state.level, note))
                    since = warn
            if state.level == LEVEL_ORDER[-1]:
                break
            escalate = max(since, state.level_due) + datetime.timedelta(seconds=rng.uniform(1, SWEEP_EVERY))
            if escalate >= until:
                break
            state.level = LEVEL_ORDER[LEVEL_ORDER.index(state.level) + 1]
            state.warned_at = None
            note = _("Not resolved in time")
            events.append((demand_id, escalate, None, EventKind.ESCALATED, state.status, state.level, note))
            # The next level gets a fresh time limit, counted from the escalation.
            state.level_due = _deadline(escalate.date(), category.limit_days)
            since = escalate
        return since

    def _live(
        self,
        state: _State,
        events: list[tuple],
        demand_id: int,
        created: datetime.datetime,
        category: CategoryInfo,
        steps: list[tuple],
        staff: int | None,
        submitter: int | None,
    ) -> None:
        """Apply the steps that happened before now, as the services would, with the sweep in between."""
        now = self.now
        cursor = created
        for at, kind, note, rating in steps:
            if at >= now:
                break
            cursor = self._sweep(state, events, demand_id, category, cursor, at)
            if kind == "accept":
                state.status = Status.ACCEPTED
                events.append((demand_id, at, staff, EventKind.ACCEPTED, state.status, state.level, ""))
            elif kind == "dispatch":
                state.status = Status.DISPATCHED
                state.handler_id = staff if staff is not None else state.handler_id
                state.dispatched_at = state.dispatched_at or at
                events.append((demand_id, at, staff, EventKind.DISPATCHED, state.status, state.level, note))
            elif kind == "contact":
                state.status = Status.IN_PROGRESS
                state.contacted_at = state.contacted_at or at
                events.append((demand_id, at, staff, EventKind.CONTACTED, state.status, state.level, note))
            elif kind == "resolve":
                state.status = Status.RESOLVED
                state.reply, state.resolved_at, state.closed_level = note, at, state.level
                events.append((demand_id, at, staff, EventKind.RESOLVED, state.status, state.level, note))
            elif kind == "rate":
                state.rating, state.rating_comment = rating, note
                label = f"{self.rating_labels[rating]} {note}".strip()
                if rating == Rating.DISSATISFIED:
                    state.status = Status.REOPENED
                    state.reopen_count += 1
                    state.resolved_at, state.closed_level = None, ""
                    events.append(
                        (demand_id, at, submitter, EventKind.RATED, state.status, state.level, label)
                    )
                    events.append(
                        (demand_id, at, submitter, EventKind.REOPENED, state.status, state.level, "")
                    )
                else:
                    state.status, state.closed_at = Status.CLOSED, at
                    events.append(
                        (demand_id, at, submitter, EventKind.RATED, state.status, state.level, label)
                    )
            elif kind == "reject":
                state.status, state.reply = Status.REJECTED, note
                events.append((demand_id, at, staff, EventKind.REJECTED, state.status, state.level, note))
            elif kind == "merge":
                into_id, _into_created, into_number = note
                state.status, state.merged_into_id = Status.MERGED, into_id
                events.append(
                    (demand_id, at, staff, EventKind.MERGED, state.status, state.level, into_number)
                )
                # The note on the demand it joined (its status then is not known here: taken as dispatched).
                events.append(
                    (
                        into_id,
                        at,
                        staff,
                        EventKind.NOTE,
                        Status.DISPATCHED,
                        Level.STATION,
                        "重复诉求已合并到本诉求",
                    )
                )
            state.updated_at = at
            cursor = at
        self._sweep(state, events, demand_id, category, cursor, now)
        state.updated_at = max(e[1] for e in events if e[0] == demand_id)


def expected_stats(rows: list[tuple]) -> dict[str, Any]:
    """demand_stats() computed from generated rows themselves (the tally's definition, demand by demand)."""
    index = {name: i for i, name in enumerate(DEMAND_COLUMNS)}
    done = {Status.RESOLVED, Status.CLOSED}
    totals = dict.fromkeys(("total", "resolved", "resolved_locally", "on_time"), 0)
    ratings = {r.value: 0 for r in Rating}
    by_category: dict[int, int] = {}
    for row in rows:
        status = row[index["status"]]
        if status != Status.MERGED:
            totals["total"] += 1
            by_category[row[index["category_id"]]] = by_category.get(row[index["category_id"]], 0) + 1
        if status in done:
            totals["resolved"] += 1
            totals["resolved_locally"] += row[index["closed_level"]] == Level.STATION
            resolved_at = row[index["resolved_at"]]
            totals["on_time"] += resolved_at is not None and resolved_at <= row[index["resolve_due"]]
        if row[index["rating"]]:
            ratings[row[index["rating"]]] += 1
    return {**totals, "satisfaction": ratings, "by_category_id": by_category}

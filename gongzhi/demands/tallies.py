"""Keeping the statistics roll-ups (per day, month and year) in step with every change to a demand, and
summing them for any window of days."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from gongzhi.demands.models import (
    DONE_STATES,
    Demand,
    DemandMonthTally,
    DemandTally,
    DemandYearTally,
    Level,
    Rating,
    Status,
    TallyCells,
)
from gongzhi.territory.models import Place

COUNTERS = ("total", "resolved", "resolved_locally", "on_time", "satisfied", "basic", "dissatisfied")
SUMS = {k: Sum(k) for k in COUNTERS}
ONE_DAY = datetime.timedelta(days=1)


def contribution(demand: Demand) -> dict[str, int]:
    """What one demand adds to its tally row, given its state now. `_SQL_COUNTERS` says the same in SQL."""
    done = demand.status in DONE_STATES
    return {
        "total": 0 if demand.status == "merged" else 1,
        "resolved": int(done),
        "resolved_locally": int(done and demand.closed_level == (demand.dispatch_level or Level.STATION)),
        "on_time": int(done and demand.resolved_at is not None and demand.resolved_at <= demand.resolve_due),
        "satisfied": int(demand.rating == Rating.SATISFIED),
        "basic": int(demand.rating == Rating.BASIC),
        "dissatisfied": int(demand.rating == Rating.DISSATISFIED),
    }


def _flag(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


_DONE = Q(status__in=DONE_STATES)
# contribution() as SQL, counter by counter; the tests check that both agree on random histories.
_SQL_COUNTERS = {
    "total": Sum(
        Case(When(status=Status.MERGED, then=Value(0)), default=Value(1), output_field=IntegerField())
    ),
    "resolved": _flag(_DONE),
    "resolved_locally": _flag(
        _DONE
        & (
            Q(dispatch_level="", closed_level=Level.STATION)
            | (~Q(dispatch_level="") & Q(closed_level=F("dispatch_level")))
        )
    ),
    "on_time": _flag(_DONE & Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due"))),
    "satisfied": _flag(Q(rating=Rating.SATISFIED)),
    "basic": _flag(Q(rating=Rating.BASIC)),
    "dissatisfied": _flag(Q(rating=Rating.DISSATISFIED)),
}


def _cell(demand: Demand) -> tuple[Place, datetime.date]:
    """The area a demand counts in and its submission day in the site's time zone, whatever time zone a
    request may have activated (recount() groups the same way)."""
    area = demand.area or demand.place
    return area, timezone.localdate(demand.created_at, timezone.get_default_timezone())


@dataclass(frozen=True)
class Grain:
    """One roll-up: its model, its period column, and the calendar period a submission day falls in."""

    name: str  # "days", "months", "years": how reports and the rebuild command name it
    model: type[TallyCells]
    period: str
    start: Callable[[datetime.date], datetime.date]  # the first day of the period holding a day
    end: Callable[[datetime.date], datetime.date]  # its last day


def _same(day: datetime.date) -> datetime.date:
    return day


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_of_month(day: datetime.date) -> datetime.date:
    return first_of_month(day.replace(day=28) + datetime.timedelta(days=4)) - ONE_DAY


DAYS = Grain("days", DemandTally, "day", _same, _same)
MONTHS = Grain("months", DemandMonthTally, "month", first_of_month, last_of_month)
YEARS = Grain(
    "years",
    DemandYearTally,
    "year",
    lambda d: d.replace(month=1, day=1),
    lambda d: d.replace(month=12, day=31),
)
GRAINS = (DAYS, MONTHS, YEARS)  # finest first


def _upsert_sql(model: type[TallyCells], period: str) -> str:
    """INSERT … ON CONFLICT that adds to the cell's counters, creating the cell if need be.

    One statement instead of a read then a write, and race-free: two demands landing in one cell at once
    both count. PostgreSQL and SQLite (3.24+) read it alike.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ["area_id", "area_path", period, "category_id", *COUNTERS]
    additions = ", ".join(f"{quote(k)} = {table}.{quote(k)} + excluded.{quote(k)}" for k in COUNTERS)
    return (
        f"INSERT INTO {table} ({', '.join(map(quote, columns))})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT (area_id, {quote(period)}, category_id) DO UPDATE SET {additions}"
    )


def tally_apply(demand: Demand, before: dict[str, int] | None) -> None:
    """Add the difference between the demand's contribution now and `before` (None: a new demand) to its
    cell in each roll-up: its day, its month and its year."""
    after = contribution(demand)
    delta = [after[k] - (before or {}).get(k, 0) for k in COUNTERS]
    if not any(delta):
        return
    area, day = _cell(demand)
    statements = [
        (_upsert_sql(g.model, g.period), [area.pk, area.path, g.start(day), demand.category_id, *delta])
        for g in GRAINS
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # All cells in one round trip: the first upserts as data-modifying WITH queries of the last.
            *first, (last_sql, last_params) = statements
            withs = ", ".join(f"g{i} AS ({sql})" for i, (sql, _params) in enumerate(first))
            params = [p for _sql, ps in first for p in ps]
            cursor.execute(f"WITH {withs} {last_sql}", [*params, *last_params])
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def recount(queryset=None) -> list[dict]:
    """The tally rows computed from the demands themselves, in one GROUP BY query.

    Cells are (the area, else the place; the submission day in the site's time zone; the category); rows
    whose counters are all zero (only merged demands) are left out, as tally_apply never needs them.
    """
    demands = queryset if queryset is not None else Demand.objects.all()
    grouped = (
        demands.order_by()
        .values(
            cell_area=Coalesce(F("area_id"), F("place_id")),
            cell_day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()),
            cell_category=F("category_id"),
        )
        .annotate(**_SQL_COUNTERS)
    )
    rows = [
        {
            "area_id": r["cell_area"],
            "day": r["cell_day"],
            "category_id": r["cell_category"],
            **{k: r[k] for k in COUNTERS},
        }
        for r in grouped
        if any(r[k] for k in COUNTERS)
    ]
    paths = _paths({r["area_id"] for r in rows})
    for row in rows:
        row["area_path"] = paths[row["area_id"]]
    return rows


def _paths(ids: set[int], chunk: int = 1000) -> dict[int, str]:
    ordered = sorted(ids)
    paths: dict[int, str] = {}
    for start in range(0, len(ordered), chunk):
        paths.update(Place.objects.filter(pk__in=ordered[start : start + chunk]).values_list("pk", "path"))
    return paths


def _lock_tallies() -> None:
    """Keep services from changing tally rows until the rebuild commits.

    Without it, a demand changed between the recount and the write would have its delta overwritten.
    SQLite needs nothing: the project opens transactions IMMEDIATE, which already excludes other writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for grain in GRAINS:
                table = connection.ops.quote_name(grain.model._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def roll_up(day_rows: list[dict], grain: Grain) -> list[dict]:
    """The grain's cells: the daily cells of each of its periods summed (so the roll-ups cannot disagree)."""
    cells: dict[tuple, dict] = {}
    for row in day_rows:
        key = (row["area_id"], grain.start(row["day"]), row["category_id"])
        cell = cells.get(key)
        if cell is None:
            cells[key] = {
                "area_id": key[0],
                grain.period: key[1],
                "category_id": key[2],
                "area_path": row["area_path"],
                **{k: row[k] for k in COUNTERS},
            }
        else:
            for k in COUNTERS:
                cell[k] += row[k]
    return list(cells.values())


def _bring_to(model: type[TallyCells], period: str, wanted_rows: list[dict], *, dry_run: bool) -> dict:
    """Make the model's rows equal `wanted_rows`; rows no demand backs any more are set to zero."""
    fresh = {(r["area_id"], r[period], r["category_id"]): r for r in wanted_rows}
    cells = len(fresh)
    to_update: list[TallyCells] = []
    to_zero: list[TallyCells] = []
    for row in model.objects.order_by().iterator(chunk_size=2000):
        wanted = fresh.pop((row.area_id, getattr(row, period), row.category_id), None)
        if wanted is None:
            if any(getattr(row, k) for k in COUNTERS):
                for k in COUNTERS:
                    setattr(row, k, 0)
                to_zero.append(row)
        elif any(getattr(row, k) != wanted[k] for k in (*COUNTERS, "area_path")):
            for k in (*COUNTERS, "area_path"):
                setattr(row, k, wanted[k])
            to_update.append(row)
    to_create = [model(**r) for r in fresh.values()]
    if not dry_run:
        model.objects.bulk_create(to_create, batch_size=2000)
        model.objects.bulk_update([*to_update, *to_zero], [*COUNTERS, "area_path"], batch_size=1000)
    return {"cells": cells, "created": len(to_create), "updated": len(to_update), "zeroed": len(to_zero)}


def rebuild(*, dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Bring every roll-up to the recount; with `dry_run`, only say what would change.

    Rows are updated in place, never deleted: a service that has just read a row may be about to add to it,
    so a row no demand backs any more is set to zero instead. Returns, for each grain ("days", "months",
    "years"), the number of cells in the recount and how many rows were (or would be) created, updated and
    zeroed.
    """
    with transaction.atomic():
        if not dry_run:
            _lock_tallies()
        days = recount()
        return {
            g.name: _bring_to(g.model, g.period, days if g is DAYS else roll_up(days, g), dry_run=dry_run)
            for g in GRAINS
        }


def changes(counts: dict[str, dict[str, int]]) -> int:
    """How many rows a rebuild created, updated or zeroed, over all roll-ups (0: they agreed)."""
    return sum(c["created"] + c["updated"] + c["zeroed"] for c in counts.values())


# --- reading: any window of days from whole months and the days at either end --------------------------


Span = tuple[datetime.date | None, datetime.date | None]  # inclusive; None: open on that side


def _whole(
    since: datetime.date | None, until: datetime.date | None, grain: Grain
) -> tuple[Span | None, list[Span]]:
    """The whole periods of `grain` inside [since, until] (a span of their first days, or None when there
    are none) and the days left over before and after them."""
    first = None if since is None else since if since == grain.start(since) else grain.end(since) + ONE_DAY
    last = (
        None
        if until is None
        else grain.start(until if until == grain.end(until) else grain.start(until) - ONE_DAY)
    )
    if first is not None and last is not None and first > last:
        return None, [(since, until)]
    rest: list[Span] = []
    if since is not None and since < first:
        rest.append((since, first - ONE_DAY))
    if until is not None and until > grain.end(last):
        rest.append((grain.end(last) + ONE_DAY, until))
    return (first, last), rest


def split(
    since: datetime.date | None, until: datetime.date | None, *, coarsest: Grain = YEARS
) -> list[tuple[Grain, Span]]:
    """[since, until] cut into the fewest roll-up rows: whole years, then whole months of what is left,
    then the days left at either end (no coarser than `coarsest`: MONTHS for figures per month). Together
    the parts cover each day of the window exactly once, so a window of any length sums a few thousand
    rows at most."""
    parts: list[tuple[Grain, Span]] = []
    rest: list[Span] = [(since, until)]
    if coarsest is YEARS:
        years, rest = _whole(since, until, YEARS)
        if years is not None:
            parts.append((YEARS, years))
    for low, high in rest:
        months, days = _whole(low, high, MONTHS) if coarsest is not DAYS else (None, [(low, high)])
        if months is not None:
            parts.append((MONTHS, months))
        parts += [(DAYS, span) for span in days]
    return parts


def window(
    path: str, since: datetime.date | None, until: datetime.date | None, *, coarsest: Grain = YEARS
) -> list[QuerySet]:
    """The roll-up rows under the place path `path` that cover [since, until] once each (see split()).
    Sum each queryset and add the sums."""
    return [
        grain.model.objects.filter(area_path__startswith=path, **_bounds(grain.period, *span))
        for grain, span in split(since, until, coarsest=coarsest)
    ]


def _bounds(field: str, low: datetime.date | None, high: datetime.date | None) -> dict:
    bounds = {}
    if low is not None:
        bounds[f"{field}__gte"] = low
    if high is not None:
        bounds[f"{field}__lte"] = high
    return bounds


def sums(querysets: list[QuerySet], *keys: str) -> dict[Any, dict[str, int]]:
    """The counters of the rows summed per value of `keys` (e.g. "category__code"), over all querysets;
    with no keys, one entry under None."""
    out: dict[Any, dict[str, int]] = {}
    for queryset in querysets:
        grouped = queryset.order_by().values(*keys) if keys else queryset.order_by()
        rows = grouped.annotate(**SUMS) if keys else [grouped.aggregate(**SUMS)]
        for row in rows:
            key = tuple(row[k] for k in keys) if len(keys) > 1 else (row[keys[0]] if keys else None)
            cell = out.setdefault(key, dict.fromkeys(COUNTERS, 0))
            for k in COUNTERS:
                cell[k] += row[k] or 0
    return out

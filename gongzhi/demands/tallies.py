"""Keeping the statistics roll-up (DemandTally) in step with every change to a demand."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from gongzhi.demands.models import DONE_STATES, Demand, DemandTally, Level, Rating, Status
from gongzhi.territory.models import Place

COUNTERS = ("total", "resolved", "resolved_locally", "on_time", "satisfied", "basic", "dissatisfied")


def contribution(demand: Demand) -> dict[str, int]:
    """What one demand adds to its tally row, given its state now. `_SQL_COUNTERS` says the same in SQL."""
    done = demand.status in DONE_STATES
    return {
        "total": 0 if demand.status == "merged" else 1,
        "resolved": int(done),
        "resolved_locally": int(done and demand.closed_level == Level.STATION),
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
    "resolved_locally": _flag(_DONE & Q(closed_level=Level.STATION)),
    "on_time": _flag(_DONE & Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due"))),
    "satisfied": _flag(Q(rating=Rating.SATISFIED)),
    "basic": _flag(Q(rating=Rating.BASIC)),
    "dissatisfied": _flag(Q(rating=Rating.DISSATISFIED)),
}


def _cell(demand: Demand) -> dict:
    area = demand.area or demand.place
    return {
        "area_id": area.pk,
        # The site's day, whatever time zone a request may have activated: recount() groups the same way.
        "day": timezone.localdate(demand.created_at, timezone.get_default_timezone()),
        "category_id": demand.category_id,
    }


def tally_apply(demand: Demand, before: dict[str, int] | None) -> None:
    """Add the difference between the demand's contribution now and `before` (None: a new demand)."""
    after = contribution(demand)
    delta = {k: after[k] - (before or {}).get(k, 0) for k in COUNTERS}
    if not any(delta.values()):
        return
    cell = _cell(demand)
    area = demand.area or demand.place
    row, created = DemandTally.objects.get_or_create(**cell, defaults={"area_path": area.path, **delta})
    if not created:
        DemandTally.objects.filter(pk=row.pk).update(**{k: F(k) + v for k, v in delta.items() if v})


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
            table = connection.ops.quote_name(DemandTally._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def rebuild(*, dry_run: bool = False) -> dict[str, int]:
    """Bring every tally row to the recount; with `dry_run`, only say what would change.

    Rows are updated in place, never deleted: a service that has just read a row may be about to add to it,
    so a row no demand backs any more is set to zero instead. Returns the number of cells in the recount
    and how many rows were (or would be) created, updated and zeroed.
    """
    with transaction.atomic():
        if not dry_run:
            _lock_tallies()
        fresh = {(r["area_id"], r["day"], r["category_id"]): r for r in recount()}
        cells = len(fresh)
        to_update: list[DemandTally] = []
        to_zero: list[DemandTally] = []
        for row in DemandTally.objects.order_by().iterator(chunk_size=2000):
            wanted = fresh.pop((row.area_id, row.day, row.category_id), None)
            if wanted is None:
                if any(getattr(row, k) for k in COUNTERS):
                    for k in COUNTERS:
                        setattr(row, k, 0)
                    to_zero.append(row)
            elif any(getattr(row, k) != wanted[k] for k in (*COUNTERS, "area_path")):
                for k in (*COUNTERS, "area_path"):
                    setattr(row, k, wanted[k])
                to_update.append(row)
        to_create = [DemandTally(**r) for r in fresh.values()]
        if not dry_run:
            DemandTally.objects.bulk_create(to_create, batch_size=2000)
            DemandTally.objects.bulk_update([*to_update, *to_zero], [*COUNTERS, "area_path"], batch_size=1000)
    return {
        "cells": cells,
        "created": len(to_create),
        "updated": len(to_update),
        "zeroed": len(to_zero),
    }

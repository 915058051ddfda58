"""Keeping the statistics roll-up (DemandTally) in step with every change to a demand."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from gongzhi.demands.models import DONE_STATES, Demand, DemandTally, Level, Rating

COUNTERS = ("total", "resolved", "resolved_locally", "on_time", "satisfied", "basic", "dissatisfied")


def contribution(demand: Demand) -> dict[str, int]:
    """What one demand adds to its tally row, given its state now."""
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


def _cell(demand: Demand) -> dict:
    area = demand.area or demand.place
    return {
        "area_id": area.pk,
        "day": timezone.localdate(demand.created_at),
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
    """The tally rows computed from the demands themselves (for the rebuild command and the tests)."""
    demands = (queryset or Demand.objects.all()).select_related("area", "place")
    cells: dict[tuple, dict] = {}
    for demand in demands.iterator(chunk_size=2000):
        cell = _cell(demand)
        key = (cell["area_id"], cell["day"], cell["category_id"])
        row = cells.setdefault(
            key, {**cell, "area_path": (demand.area or demand.place).path, **dict.fromkeys(COUNTERS, 0)}
        )
        for k, v in contribution(demand).items():
            row[k] += v
    return [r for r in cells.values() if any(r[k] for k in COUNTERS)]


def rebuild() -> int:
    """Replace every tally row with a recount. Returns the number of rows."""
    rows = recount()
    DemandTally.objects.all().delete()
    DemandTally.objects.bulk_create([DemandTally(**r) for r in rows], batch_size=2000)
    return len(rows)

"""The compliance calendar of one branch for one year: months down, types across.

Quarterly and yearly types span three and twelve rows. Each cell says whether its period was held (with
links to the records), missed, not yet due, or not required (before the branch was founded, after it was
dissolved, a party group meeting where the branch has no groups).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from gongzhi.orglife.models import LifeRecord
from gongzhi.orglife.rules import (
    FREQUENCY,
    TYPE_ORDER,
    LifeType,
    Period,
    lifetime,
    period_of,
    periods_between,
)
from gongzhi.orglife.selectors import compliance_units, life_compliance
from gongzhi.party.models import PartyOrg

HELD, MISSED, DUE, NONE = "held", "missed", "due", "none"


@dataclass
class Cell:
    type: str
    period: Period
    status: str
    rowspan: int
    records: list[LifeRecord] = field(default_factory=list)
    held_units: int = 0
    units: int = 0

    @property
    def testid(self) -> str:
        return f"cell-{self.type}-{self.period.label}"


def _unit_state(unit: PartyOrg, period: Period, held: bool, today: datetime.date) -> str:
    first, last = lifetime(unit.established_on, unit.dissolved_on)
    if (first and period.end < first) or (last and period.start > last):
        return NONE
    if held:
        return HELD
    if period.end >= today:
        return DUE
    if (first and period.start < first) or (last and period.end > last):
        return NONE  # a period the organisation lived only part of is not required
    return MISSED


def _combine(states: list[str]) -> str:
    for state in (MISSED, DUE, HELD):
        if state in states:
            return state
    return NONE


def life_calendar(org: PartyOrg, year: int, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Rows of cells for the template, with the year's compliance summary."""
    today = today or timezone.localdate()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    units = compliance_units(org)
    owed: dict[str, list[PartyOrg]] = defaultdict(list)
    for unit, kinds in units:
        for kind in kinds:
            owed[kind].append(unit)
    records = list(
        LifeRecord.objects.filter(org__in=[u for u, _k in units], held_on__range=(start, end))
        .select_related("org")
        .order_by("held_on", "id")
    )
    by_period: dict[tuple[str, str], list[LifeRecord]] = defaultdict(list)
    for record in records:
        by_period[(record.type, period_of(FREQUENCY[record.type], record.held_on).label)].append(record)

    spans = {"monthly": 1, "quarterly": 3, "yearly": 12}
    rows: list[dict[str, Any]] = [{"month": datetime.date(year, m, 1), "cells": []} for m in range(1, 13)]
    for kind in TYPE_ORDER:
        for period in periods_between(FREQUENCY[kind], start, end):
            found = by_period[(kind, period.label)]
            held_by = {r.org_id for r in found if not r.below_quorum}
            states = [_unit_state(u, period, u.pk in held_by, today) for u in owed[kind]]
            status = _combine(states) if states else NONE
            if status == NONE and held_by:
                status = HELD
            cell = Cell(
                type=kind,
                period=period,
                status=status,
                rowspan=spans[FREQUENCY[kind]],
                records=found,
                held_units=sum(1 for s in states if s == HELD),
                units=len([s for s in states if s != NONE]),
            )
            rows[period.start.month - 1]["cells"].append(cell)
    return {
        "rows": rows,
        "types": [(kind, LifeType(kind).label) for kind in TYPE_ORDER],
        "has_groups": bool(owed[LifeType.GROUP_MEETING]),
        "summary": life_compliance(org, start, end, today=today),
    }

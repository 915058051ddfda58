"""Months as the dues ledger counts them: each one is the date of its first day."""

from __future__ import annotations

import datetime
import re

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after (or before, when negative) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_from(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every month from `start` to `end`, both included, oldest first; empty when start is after end."""
    months: list[datetime.date] = []
    month = month_start(start)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def months_between(start: datetime.date, end: datetime.date) -> int:
    """How many months from `start` to `end`, both included (0 when start is after end)."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month + 1)


def parse_month(value: str) -> datetime.date:
    """`YYYY-MM` (a full date is accepted too) as the first day of that month; ValueError otherwise."""
    match = _MONTH.match((value or "").strip())
    if not match:
        raise ValueError(value)
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)

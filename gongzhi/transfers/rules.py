"""The rules of transfer letters (组织关系转接), as pure functions.

Letter kind: a member away for more than six months gets an introduction letter (介绍信, the
organisational relationship moves with them); six months or less, a certificate letter (证明信).

Validity: three months from the day of issue, the last valid day included. The last valid day is the same
day of the month three months later; when that month is too short, it is that month's last day:
2024-01-15 → 2024-04-15, 2023-11-30 → 2024-02-29 (leap year), 2024-11-30 → 2025-02-28,
2024-08-31 → 2024-11-30. The letter has expired from the day after.
"""

from __future__ import annotations

import calendar
import datetime

INTRODUCTION = "introduction"
CERTIFICATE = "certificate"
SHORT_ABSENCE_MONTHS = 6  # up to and including six months: a certificate letter
VALIDITY_MONTHS = 3


def letter_kind_for(absence_months: int) -> str:
    """Introduction letter when away more than six months, certificate letter when six months or less."""
    if absence_months < 1:
        raise ValueError("an absence lasts at least one month")
    return INTRODUCTION if absence_months > SHORT_ABSENCE_MONTHS else CERTIFICATE


def add_months_clamped(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the last day of that month when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(issued_on: datetime.date) -> datetime.date:
    """The last day a letter issued on `issued_on` is valid (see the module docstring for month ends)."""
    return add_months_clamped(issued_on, VALIDITY_MONTHS)

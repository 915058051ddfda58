"""Working days on the Chinese calendar: the time limits of resident demands count these.

Which days are working days, in order of precedence:

1. A `CalendarDay` row entered by an administrator: a holiday (节假日) is not a working day, a make-up
   working day (调休上班日) is one, whatever the weekday and whatever the package says, in any year.
2. The `chinese_calendar` package, for the years it knows (2004–2026 in 1.11.0): official holidays and
   make-up working days from the State Council notices, Monday–Friday otherwise.
3. Outside the package's years: Monday–Friday. Enter each new year's notice as rows
   (`gongzhi load_calendar_year`), or those holidays count as working days.

Dates are calendar dates; a moment in time becomes a date in settings.TIME_ZONE (Asia/Shanghai).

Speed: the override rows are read once per process and kept; saving or deleting a row forgets them at
once in this process (signals, again on commit), and other processes re-read them within
OVERRIDE_TTL_SECONDS. The package's answers are memoised per date (lru_cache).
"""

from __future__ import annotations

import datetime
import functools
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import chinese_calendar
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from gongzhi.workdays.models import CalendarDay, DayKind

OVERRIDE_TTL_SECONDS = 60.0
# More non-working days in a row than this means the calendar data is wrong, not a long holiday.
MAX_DAYS_OFF_IN_A_ROW = 366
ONE_DAY = datetime.timedelta(days=1)
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class _OverrideCache:
    """The override rows as {date: is working}, per process.

    A generation counter keeps a load that raced a change from storing what it read before the change.
    A thread that wrote rows inside a transaction reads them uncached until the transaction commits or
    rolls back: its uncommitted rows must never reach the shared copy.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[datetime.date, bool] | None = None
        self._loaded_at = 0.0
        self._generation = 0
        self._local = threading.local()

    def get(self) -> dict[datetime.date, bool]:
        if getattr(self._local, "pending", False):
            if self._awaiting_commit():
                return self._load()
            # Django drops the commit callbacks of a transaction or savepoint it rolls back.
            self._local.pending = False
            self.forget()
        now = time.monotonic()
        with self._lock:
            rows, generation = self._rows, self._generation
            if rows is not None and 0 <= now - self._loaded_at < OVERRIDE_TTL_SECONDS:
                return rows
        fresh = self._load()
        with self._lock:
            if generation == self._generation:
                self._rows, self._loaded_at = fresh, now
        return fresh

    @staticmethod
    def _load() -> dict[datetime.date, bool]:
        return {day: kind == DayKind.WORKDAY for day, kind in CalendarDay.objects.values_list("date", "kind")}

    def _awaiting_commit(self) -> bool:
        using = getattr(self._local, "using", DEFAULT_DB_ALIAS)
        return any(entry[1] == self._committed for entry in transaction.get_connection(using).run_on_commit)

    def forget(self) -> None:
        with self._lock:
            self._rows = None
            self._generation += 1

    def changed(self, using: str) -> None:
        self.forget()
        if transaction.get_connection(using).in_atomic_block:
            self._local.pending, self._local.using = True, using
        transaction.on_commit(self._committed, using=using)

    def _committed(self) -> None:
        self._local.pending = False
        self.forget()


_overrides = _OverrideCache()


def forget_overrides() -> None:
    """Drop this process's copy of the override rows; the next question reads them again."""
    _overrides.forget()


def overrides_changed(sender: Any = None, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Signal receiver for saved and deleted override rows."""
    _overrides.changed(using)


@functools.lru_cache(maxsize=8192)
def package_is_workday(day: datetime.date) -> bool | None:
    """The package's answer for `day`, or None for a year it does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _check(day: Any) -> None:
    # A datetime is a date too, but never equal to one: it would miss every override row.
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError("Pass a datetime.date; turn a moment into a date with timezone.localdate().")


def _is_working(day: datetime.date, overrides: dict[datetime.date, bool]) -> bool:
    override = overrides.get(day)
    if override is not None:
        return override
    known = package_is_workday(day)
    if known is not None:
        return known
    return day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    """Is `day` a working day? An override row wins; else the package within its years; else Mon–Fri."""
    _check(day)
    return _is_working(day, _overrides.get())


def _working_days_after(
    start: datetime.date, overrides: dict[datetime.date, bool]
) -> Iterator[datetime.date]:
    day, off = start, 0
    while True:
        day += ONE_DAY
        if _is_working(day, overrides):
            off = 0
            yield day
        else:
            off += 1
            if off > MAX_DAYS_OFF_IN_A_ROW:
                raise ValueError(
                    f"No working day within a year after {day - off * ONE_DAY}: check the calendar."
                )


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The date `n` working days after `start`; `start` itself is never counted.

    n = 1 is the first working day after `start` (from a Wednesday: Thursday; from the eve of a
    holiday: the first working day after it). n = 0 is `start` when it is a working day, else the next
    working day: "today, or the next day the office is open". Negative `n` is refused.
    """
    _check(start)
    if n < 0:
        raise ValueError("n must not be negative.")
    overrides = _overrides.get()
    if n == 0 and _is_working(start, overrides):
        return start
    return next(itertools.islice(_working_days_after(start, overrides), max(n, 1) - 1, None))


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """How many working days lie after `a`, up to and including `b`; negative when `b` is before `a`.

    For n ≥ 1, working_days_between(d, add_working_days(d, n)) == n.
    """
    _check(a)
    _check(b)
    if b < a:
        return -working_days_between(b, a)
    overrides = _overrides.get()
    return sum(_is_working(a + offset * ONE_DAY, overrides) for offset in range(1, (b - a).days + 1))


def working_deadline(start: datetime.datetime, days: int) -> datetime.datetime:
    """The end of the working day `days` working days after the local date of `start`.

    The result is 23:59:59.999999 in settings.TIME_ZONE of add_working_days(local date of start, days):
    a demand accepted on a Wednesday evening with a limit of 1 working day is due by the end of
    Thursday; days = 0 means by the end of today, or of the next working day when today is not one.
    """
    if not isinstance(start, datetime.datetime) or timezone.is_naive(start):
        raise ValueError("start must be an aware datetime.")
    zone = timezone.get_default_timezone()
    last = add_working_days(start.astimezone(zone).date(), days)
    return datetime.datetime.combine(last, datetime.time.max, tzinfo=zone)


@dataclass(frozen=True)
class PackageDay:
    """A day the package lists for a year: a holiday or a make-up working day, with its festival."""

    date: datetime.date
    kind: str
    name: str
    name_zh: str


def _festival_zh(name: str) -> str:
    try:
        return chinese_calendar.Holiday(name).chinese
    except ValueError:
        return name


@functools.lru_cache(maxsize=64)
def package_days(year: int) -> tuple[PackageDay, ...]:
    """The holidays and make-up working days the package knows for `year`, by date; () outside its years."""
    listed = [
        *(
            (day, DayKind.HOLIDAY, name)
            for day, name in chinese_calendar.holidays.items()
            if day.year == year
        ),
        *(
            (day, DayKind.WORKDAY, name)
            for day, name in chinese_calendar.workdays.items()
            if day.year == year
        ),
    ]
    return tuple(PackageDay(day, str(kind), name, _festival_zh(name)) for day, kind, name in sorted(listed))

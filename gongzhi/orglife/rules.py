"""The rules of organisational life: the record types, how often each is due, and the calendar periods.

A period is a calendar month, quarter or year, labelled "2019-01", "2019-Q1" or "2019" in the API and on
screen. A period counts towards compliance only once it has fully ended, and only when it lies wholly
inside both the window asked about and the organisation's life (established_on up to dissolved_on).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifeType(models.TextChoices):
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")
    GROUP_MEETING = "group_meeting", _("Party group meeting")
    GENERAL_MEETING = "general_meeting", _("Branch general meeting")
    LECTURE = "lecture", _("Party lecture")
    THEMED_DAY = "themed_day", _("Themed party day")
    LIFE_MEETING = "life_meeting", _("Organisational life meeting")
    APPRAISAL = "appraisal", _("Democratic appraisal of members")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


FREQUENCY: dict[str, str] = {
    LifeType.COMMITTEE_MEETING: Frequency.MONTHLY,
    LifeType.GROUP_MEETING: Frequency.MONTHLY,
    LifeType.THEMED_DAY: Frequency.MONTHLY,
    LifeType.GENERAL_MEETING: Frequency.QUARTERLY,
    LifeType.LECTURE: Frequency.QUARTERLY,
    LifeType.LIFE_MEETING: Frequency.YEARLY,
    LifeType.APPRAISAL: Frequency.YEARLY,
}

# The order of the columns of the calendar and of every `by_type` answer.
TYPE_ORDER: list[str] = [
    t.value
    for t in (
        LifeType.COMMITTEE_MEETING,
        LifeType.GROUP_MEETING,
        LifeType.THEMED_DAY,
        LifeType.GENERAL_MEETING,
        LifeType.LECTURE,
        LifeType.LIFE_MEETING,
        LifeType.APPRAISAL,
    )
]


class Grade(models.TextChoices):
    """Grades of the democratic appraisal of members (民主评议党员)."""

    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASICALLY_QUALIFIED = "basically_qualified", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    end: datetime.date  # the last day, included
    label: str

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_of(frequency: str, day: datetime.date) -> Period:
    """The period of `frequency` that contains `day`."""
    if frequency == Frequency.MONTHLY:
        return Period(day.replace(day=1), _month_end(day.year, day.month), f"{day:%Y-%m}")
    if frequency == Frequency.QUARTERLY:
        quarter = (day.month - 1) // 3 + 1
        first = 3 * quarter - 2
        return Period(
            datetime.date(day.year, first, 1), _month_end(day.year, first + 2), f"{day.year}-Q{quarter}"
        )
    return Period(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), str(day.year))


def periods_between(frequency: str, since: datetime.date, until: datetime.date) -> list[Period]:
    """Every period of `frequency` that overlaps [since, until], in order."""
    periods: list[Period] = []
    day = since
    while day <= until:
        period = period_of(frequency, day)
        periods.append(period)
        day = period.end + datetime.timedelta(days=1)
    return periods


def lifetime(
    established_on: datetime.date | None, dissolved_on: datetime.date | None
) -> tuple[datetime.date | None, datetime.date | None]:
    """First and last day of an organisation's life (dissolved_on is its first day without it)."""
    last = dissolved_on - datetime.timedelta(days=1) if dissolved_on else None
    return established_on, last


def counts(
    period: Period,
    *,
    since: datetime.date,
    until: datetime.date,
    today: datetime.date,
    established_on: datetime.date | None,
    dissolved_on: datetime.date | None,
) -> bool:
    """Does `period` count towards compliance? Ended by today, inside the window and the organisation's life."""
    first, last = lifetime(established_on, dissolved_on)
    return (
        period.end < today
        and since <= period.start
        and period.end <= until
        and (first is None or first <= period.start)
        and (last is None or period.end <= last)
    )


def last_completed(frequency: str, today: datetime.date) -> Period:
    """The latest period of `frequency` that ended before `today`."""
    return period_of(frequency, period_of(frequency, today).start - datetime.timedelta(days=1))

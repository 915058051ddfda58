"""Writes on the working-day calendar. Each is authorised, validated, atomic and audited.

The rows are subdistrict-wide configuration: writing needs the `manage` action somewhere, and the audit
rows hang off the root path "/".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere
from gongzhi.workdays.models import CalendarDay, DayKind

FIELDS = ["date", "kind", "note"]
PLACE_PATH = "/"


def _authorise(user: Any) -> None:
    if user is None:  # system work: the management command
        return
    if not can_anywhere(user, Action.MANAGE):
        raise PermissionDenied


def _refuse_duplicate(day: datetime.date) -> None:
    existing = CalendarDay.objects.filter(date=day).first()
    if existing is not None:
        raise ValidationError(
            {
                "date": _("%(date)s is already in the calendar as “%(kind)s”. Remove that row first.")
                % {"date": day.isoformat(), "kind": existing.get_kind_display()}
            }
        )


@transaction.atomic
def calendar_day_add(*, by: Any, day: datetime.date, kind: str, note: str = "") -> CalendarDay:
    """Declare `day` a holiday or a make-up working day; it then overrides the package for that date."""
    _authorise(by)
    _refuse_duplicate(day)
    row = CalendarDay(date=day, kind=kind, note=note.strip(), created_by=by)
    row.full_clean(exclude=["created_by"])
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # the same date added concurrently
        raise ValidationError({"date": _("This date is already in the calendar.")}) from exc
    audit_record(
        actor=by, action="create", obj=row, place_path=PLACE_PATH, changes=diff({}, snapshot(row, FIELDS))
    )
    return row


@transaction.atomic
def calendar_day_remove(*, by: Any, row: CalendarDay) -> None:
    """Remove an override row; the date follows the package (or the weekday rule) again."""
    _authorise(by)
    audit_record(
        actor=by, action="delete", obj=row, place_path=PLACE_PATH, changes=diff(snapshot(row, FIELDS), {})
    )
    row.delete()


@dataclass
class YearLoad:
    """What loading a year's notice did, or would do on a dry run."""

    added: list[datetime.date] = field(default_factory=list)
    changed: list[datetime.date] = field(default_factory=list)
    unchanged: list[datetime.date] = field(default_factory=list)
    # Rows of that year the notice does not mention: left as they are, listed so someone looks at them.
    others: list[CalendarDay] = field(default_factory=list)


def _check_notice(year: int, holidays: list[datetime.date], workdays: list[datetime.date]) -> None:
    outside = sorted(d for d in [*holidays, *workdays] if d.year != year)
    if outside:
        raise ValidationError(
            _("These dates are not in %(year)s: %(dates)s.")
            % {"year": year, "dates": ", ".join(d.isoformat() for d in outside)}
        )
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise ValidationError(
            _("These dates are given both as holidays and as working days: %(dates)s.")
            % {"dates": ", ".join(d.isoformat() for d in both)}
        )


@transaction.atomic
def calendar_year_load(
    *,
    by: Any,
    year: int,
    holidays: list[datetime.date],
    workdays: list[datetime.date],
    note: str = "",
    dry_run: bool = False,
) -> YearLoad:
    """Enter a year's official notice in one go. Idempotent: a date already right is left alone, a date
    with the other kind is changed (audited as an update), a missing date is added."""
    _authorise(by)
    _check_notice(year, holidays, workdays)
    wanted = dict.fromkeys(holidays, DayKind.HOLIDAY) | dict.fromkeys(workdays, DayKind.WORKDAY)
    existing = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
    result = YearLoad(others=[row for day, row in sorted(existing.items()) if day not in wanted])
    for day, kind in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            result.added.append(day)
            if not dry_run:
                calendar_day_add(by=by, day=day, kind=kind, note=note)
        elif row.kind == kind:
            result.unchanged.append(day)
        else:
            result.changed.append(day)
            if not dry_run:
                before = snapshot(row, FIELDS)
                row.kind, row.note = kind, note.strip() or row.note
                row.full_clean(exclude=["created_by"])
                row.save(update_fields=["kind", "note"])
                changes = diff(before, snapshot(row, FIELDS))
                audit_record(actor=by, action="update", obj=row, place_path=PLACE_PATH, changes=changes)
    return result

"""Enter a year's official holiday notice (国务院办公厅关于部分节假日安排的通知) in one go.

    gongzhi load_calendar_year 2027 --holiday 2027-01-01,2027-02-06,... --workday 2027-02-14,...

Idempotent: running it again changes nothing; a date entered with the other kind is changed.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.workdays.services import calendar_year_load


def _dates(values: list[str]) -> list[datetime.date]:
    dates = []
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            try:
                dates.append(datetime.date.fromisoformat(part.strip()))
            except ValueError as exc:
                raise CommandError(f"Not a date (YYYY-MM-DD): {part.strip()!r}") from exc
    return dates


class Command(BaseCommand):
    help = "Enter a year's official holidays and make-up working days as calendar rows (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument(
            "--holiday", action="append", default=[], help="Holiday dates, comma-separated; repeatable."
        )
        parser.add_argument(
            "--workday",
            action="append",
            default=[],
            help="Make-up working dates, comma-separated; repeatable.",
        )
        parser.add_argument("--note", default="", help="Stored with each row, e.g. the notice's number.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def handle(
        self, *args, year: int, holiday: list[str], workday: list[str], note: str, dry_run: bool, **options
    ):
        holidays, workdays = _dates(holiday), _dates(workday)
        if not holidays and not workdays:
            raise CommandError("Give at least one --holiday or --workday date.")
        try:
            result = calendar_year_load(
                by=None, year=year, holidays=holidays, workdays=workdays, note=note, dry_run=dry_run
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        prefix = "[dry run] would have " if dry_run else ""
        self.stdout.write(f"{prefix}added {len(result.added)}: {_join(result.added)}")
        self.stdout.write(f"{prefix}changed {len(result.changed)}: {_join(result.changed)}")
        self.stdout.write(f"unchanged {len(result.unchanged)}")
        if result.others:
            self.stdout.write(
                f"other rows in {year}, not in this notice, left as they are: "
                + ", ".join(str(row) for row in result.others)
            )


def _join(dates: list[datetime.date]) -> str:
    return ", ".join(d.isoformat() for d in dates) or "-"

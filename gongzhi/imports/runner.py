"""Running an import: check every row, then write everything in one transaction through the services."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.imports.checks import check
from gongzhi.imports.layout import ORGS, PLACES, POINTS, SHEETS, Problem, Sheet
from gongzhi.imports.models import ImportJob, ImportStage, ImportStatus
from gongzhi.imports.plan import Plan
from gongzhi.imports.workbook import Book, NotAWorkbook, read_book
from gongzhi.party.models import PartyOrg
from gongzhi.party.services import OrgSpec, org_establish
from gongzhi.territory.models import Place
from gongzhi.territory.services import place_create, service_point_create

logger = logging.getLogger(__name__)

MAX_ERRORS = 300  # listed on the status page; the rest are counted
PROGRESS_STEP = 20  # rows between two progress writes of a queued job


def not_a_workbook() -> Problem:
    return Problem(
        message=_(
            "This file is not an Excel workbook (.xlsx). Open it in Excel or WPS, save it as "
            "“Excel Workbook (.xlsx)” and upload it again."
        )
    )


class RowFailure(Exception):
    """A service refused a row while writing: the transaction is rolled back."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# The field a service names in its ValidationError → the column of the sheet it belongs to.
_FIELD_COLUMNS = {
    "area": "areas",
    "org": "code",
    "established_on": "established_on",
    "since": "established_on",
}


@contextmanager
def row_failures(sheet: Sheet, number: int, fallback: str = "code") -> Iterator[None]:
    """Turn a service's refusal of the row into a RowFailure; a field with no column of its own is
    reported in the `fallback` column."""
    keys = {c.key for c in sheet.columns}

    def problem(field: str, message: str) -> Problem:
        key = _FIELD_COLUMNS.get(field, field)
        return Problem(str(sheet), number, str(sheet.column(key if key in keys else fallback)), message)

    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            problems = [problem(f, m) for f, messages in exc.message_dict.items() for m in messages]
        else:
            problems = [problem(fallback, m) for m in exc.messages]
        raise RowFailure(problems) from exc
    except PermissionDenied as exc:
        raise RowFailure(
            [problem(fallback, _("You may not make this change: it is outside your area."))]
        ) from exc


def common_path(paths: list[str]) -> str:
    """The deepest place path all `paths` lie under ("/" when they share none)."""
    parts = [p.strip("/").split("/") for p in paths if p]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/" + "".join(f"{p}/" for p in common)


def apply(plan: Plan, user: Any, tick: Callable[[], None]) -> dict[str, Any]:
    """Write a checked plan through the services. Call inside a transaction: a RowFailure undoes it."""
    places: dict[str, Place] = dict(plan.db_places)
    orgs: dict[str, PartyOrg] = dict(plan.db_orgs)
    paths: list[str] = []
    for r in plan.places:
        with row_failures(PLACES, r.row):
            parent = places[r.parent] if r.parent else None
            place = place_create(
                by=user, code=r.code, name=r.name, kind=r.kind, parent=parent, address=r.address, note=r.note
            )
        places[r.code] = place
        paths.append(place.path)
        tick()
    for r in plan.points:
        with row_failures(POINTS, r.row):
            service_point_create(
                by=user,
                code=r.code,
                name=r.name,
                kind=r.kind,
                place=places[r.place],
                address=r.address,
                opening_hours=r.opening_hours,
                areas=[places[c] for c in r.areas],
            )
        paths.append(places[r.place].path)
        tick()
    for r in plan.orgs:
        with row_failures(ORGS, r.row):
            spec = OrgSpec(
                code=r.code,
                name=r.name,
                kind=r.kind,
                place=places[r.place],
                parent=orgs[r.parent] if r.parent else None,
                areas=[places[c] for c in r.areas],
            )
            orgs[r.code] = org_establish(by=user, spec=spec, on=r.established_on)
        paths.append(places[r.place].path)
        tick()
    created = {
        "places": len(plan.places),
        "service_points": len(plan.points),
        "organisations": len(plan.orgs),
    }
    return {"created": created, "place_path": common_path(paths)}


@dataclass(frozen=True)
class Importer:
    """What one kind of workbook needs: its sheets, the checks of its rows, and how a checked plan is written.

    `check(user, book, tick)` returns a plan with a `problems` list; `apply(plan, user, tick)`, called in a
    transaction, returns {"created": {name: count}, "place_path": ...}. `counts` names what `created` holds: a
    job starts with them at zero, which tells one register's imports from another's.
    """

    sheets: tuple[Sheet, ...]
    check: Callable[[Any, Book, Callable[[], None]], Any]
    apply: Callable[[Any, Any, Callable[[], None]], dict[str, Any]]
    counts: tuple[str, ...] = ()


TERRITORY = Importer(SHEETS, check, apply)


def get_importer(path: str = "") -> Importer:
    """The importer at the dotted `path` (a queued job names it so); the territory's when empty."""
    return import_string(path) if path else TERRITORY


class Progress:
    """Counts rows; for a queued job, writes the count where the status page can read it."""

    def __init__(self, job: ImportJob, live: bool) -> None:
        self.job, self.live, self.count, self.saving = job, live, 0, False
        self._aside: Any = None

    def tick(self) -> None:
        self.count += 1
        if self.live and self.count % PROGRESS_STEP == 0:
            self._write()

    def start_saving(self) -> None:
        self.saving, self.count = True, 0

    def _write(self) -> None:
        if not self.saving:
            ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=self.count)
            return
        # While saving, the import's own transaction hides this row from the status page. PostgreSQL can
        # write it on a second connection; SQLite holds one writer at a time, so there the bar just waits.
        if connection.vendor != "postgresql":
            return
        try:
            if self._aside is None:
                self._aside = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self._aside.ops.quote_name(ImportJob._meta.db_table)
            with self._aside.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = %s WHERE id = %s", [self.count, self.job.pk]
                )
        except DatabaseError:
            logger.warning("Import %s: progress could not be recorded", self.job.pk, exc_info=True)
            self.live = False  # progress is a courtesy: it never stops the import

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()


def finish(job: ImportJob, problems: list[Problem], created: dict[str, int] | None = None) -> ImportJob:
    errors = [p.as_dict() for p in problems[:MAX_ERRORS]]
    if len(problems) > MAX_ERRORS:
        more = _("… and %(count)d more problems.") % {"count": len(problems) - MAX_ERRORS}
        errors.append(Problem(message=more).as_dict())
    job.status = ImportStatus.FAILED if problems else ImportStatus.DONE
    job.errors = errors
    if created is not None:  # a refused job keeps the zero counts it started with
        job.created = created
    if not problems:
        job.processed_rows = job.total_rows
    job.content = b""  # the data is in the registers now, or the file was refused: no need to keep it
    job.finished_at = timezone.now()
    job.save()
    return job


def run_job(
    job: ImportJob, book: Book | None = None, *, live: bool = False, importer: Importer = TERRITORY
) -> ImportJob:
    """Check, then write; the job ends done, or failed with its problems and nothing written."""
    progress = Progress(job, live)
    try:
        if book is None:
            try:
                book = read_book(bytes(job.content), importer.sheets)
            except NotAWorkbook:
                return finish(job, [not_a_workbook()])
        job.status, job.stage = ImportStatus.RUNNING, ImportStage.CHECKING
        job.total_rows, job.processed_rows = book.row_count, 0
        job.save(update_fields=["status", "stage", "total_rows", "processed_rows"])
        if not book.problems and not book.row_count:
            return finish(job, [Problem(message=_("The file has no rows to import."))])
        plan = importer.check(job.user, book, progress.tick)
        if plan.problems:
            return finish(job, plan.problems)
        job.stage, job.processed_rows = ImportStage.SAVING, 0
        job.save(update_fields=["stage", "processed_rows"])
        progress.start_saving()
        try:
            with transaction.atomic():
                result = importer.apply(plan, job.user, progress.tick)
                changes = {name: [None, n] for name, n in result["created"].items()}
                audit_record(
                    actor=job.user,
                    action="import",
                    obj=job,
                    place_path=result["place_path"],
                    changes={"filename": [None, job.filename], **changes},
                )
        except RowFailure as exc:
            return finish(job, exc.problems)
        return finish(job, [], result["created"])
    except Exception:
        logger.exception("Import %s stopped on an unexpected error", job.pk)
        message = _(
            "The import stopped on an unexpected error and nothing was saved. Tell your administrator."
        )
        return finish(job, [Problem(message=message)])
    finally:
        progress.close()

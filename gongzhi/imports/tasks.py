"""Starting an import: small files at once, large ones on the task queue."""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from gongzhi.imports.layout import Problem
from gongzhi.imports.models import ImportJob, ImportStatus
from gongzhi.imports.runner import finish, get_importer, run_job
from gongzhi.imports.workbook import Book

logger = logging.getLogger(__name__)

# Files with at least this many data rows are imported by a worker; the page follows its progress.
QUEUE_FROM_ROWS = 500


@task()
def run_import_job(job_id: int, importer: str = "") -> None:
    """Import a queued job; `importer` is the dotted path of its Importer (empty: the territory)."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        run_job(job, live=True, importer=get_importer(importer))


def _enqueue(job_id: int, importer: str) -> None:
    """Queue the job; if the queue cannot take it, say so on the job rather than leave it waiting."""
    try:
        run_import_job.enqueue(job_id, importer)
    except Exception:
        logger.exception("Import %s could not be queued", job_id)
        job = ImportJob.objects.get(pk=job_id)
        finish(
            job, [Problem(message=_("The import could not be started; nothing was saved. Try again later."))]
        )


def start_import(*, user: Any, filename: str, content: bytes, book: Book, importer: str = "") -> ImportJob:
    """Record the upload and import it: in this request when small, by a worker when large.

    `importer` is the dotted path of the Importer of the workbook (empty: the territory's)."""
    found = get_importer(importer)
    queued = not book.problems and book.row_count >= QUEUE_FROM_ROWS
    with transaction.atomic():
        job = ImportJob.objects.create(
            user=user,
            filename=filename[:255],
            importer=importer,
            content=content if queued else b"",
            language=translation.get_language() or "",
            total_rows=book.row_count,
            created=dict.fromkeys(found.counts, 0),
        )
        if queued:
            transaction.on_commit(functools.partial(_enqueue, job.pk, importer))
    if not queued:
        run_job(job, book, importer=found)
    return job

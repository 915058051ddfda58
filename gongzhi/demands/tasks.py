"""Background work on demands: the deadline sweep, which keeps itself going on the task worker.

`gongzhi schedule_demand_sweep` (run once at start-up, before the worker) enqueues the first sweep; each
sweep then enqueues the next one SWEEP_INTERVAL later with django-tasks' `run_after`, so the worker sweeps
about once a minute for as long as it runs, with no cron and no second scheduler process.

At most one sweep waits in the queue: `schedule_sweep` enqueues only when no sweep is READY in the
database backend (a RUNNING one does not count: a worker killed mid-sweep leaves one behind for ever).
The check and the insert run in one transaction that excludes other schedulers (an advisory lock on
PostgreSQL; on SQLite the project's IMMEDIATE transactions already do), so two start-ups at once still
leave one. Other backends cannot be asked what they hold: there every call enqueues.

A backend that cannot defer (`supports_defer` false: the ImmediateBackend of the tests and of a plain
`runserver` without a worker) would run "the next sweep" at once, inside this one, without end: there a
sweep runs once and schedules nothing. Use `gongzhi demand_sweep` from cron in such a setup.
"""

from __future__ import annotations

import datetime
import zlib

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task

from gongzhi.demands import services

SWEEP_INTERVAL = datetime.timedelta(seconds=60)
# The PostgreSQL advisory lock that serialises schedulers (any fixed 63-bit number would do).
_SCHEDULE_LOCK = zlib.crc32(b"gongzhi.demands.schedule_sweep")


@task()
def sweep_demand_deadlines() -> dict[str, int]:
    """Warn before and escalate after demand deadlines, then schedule the next sweep (see the module)."""
    try:
        return services.sweep_deadlines()
    finally:
        # Even after a failed sweep: one bad demand must not stop the deadlines of all the others.
        if sweep_demand_deadlines.get_backend().supports_defer:
            schedule_sweep(after=SWEEP_INTERVAL)


def pending_sweeps():
    """The sweeps waiting in the database backend's queue (READY), or None for another backend."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = sweep_demand_deadlines.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        task_path=sweep_demand_deadlines.module_path,
        backend_name=backend.alias,
        status=TaskResultStatus.READY,
    )


def schedule_sweep(*, after: datetime.timedelta | None = None) -> TaskResult | None:
    """Enqueue a sweep to run `after` from now (at once when None), unless one is already waiting.

    Returns the new task result, or None when a sweep was already pending.
    """
    backend = sweep_demand_deadlines.get_backend()
    deferred = sweep_demand_deadlines
    if after and backend.supports_defer:
        deferred = sweep_demand_deadlines.using(run_after=timezone.now() + after)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEDULE_LOCK])
        pending = pending_sweeps()
        if pending is not None and pending.exists():
            return None
        return deferred.enqueue()

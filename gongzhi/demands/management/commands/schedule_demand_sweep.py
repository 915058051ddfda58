"""Start the periodic deadline sweep on the task worker: run once at start-up, before `db_worker`.

Idempotent: while a sweep waits in the queue, it enqueues nothing (see gongzhi.demands.tasks).
"""

from django.core.management.base import BaseCommand

from gongzhi.demands.tasks import SWEEP_INTERVAL, schedule_sweep, sweep_demand_deadlines


class Command(BaseCommand):
    help = "Enqueue the demand deadline sweep, which then re-schedules itself every minute on the worker."

    def handle(self, *args, **options):
        backend = sweep_demand_deadlines.get_backend()
        result = schedule_sweep()
        if result is None:
            self.stdout.write("A demand deadline sweep is already scheduled: nothing to do.")
        elif backend.supports_defer:
            self.stdout.write(
                f"Demand deadline sweep scheduled ({result.id}); the worker repeats it every "
                f"{int(SWEEP_INTERVAL.total_seconds())} seconds."
            )
        else:
            self.stdout.write(
                f"The task backend {type(backend).__name__} cannot defer tasks: the sweep ran once now and "
                "will not repeat. Run `gongzhi demand_sweep` from cron instead."
            )

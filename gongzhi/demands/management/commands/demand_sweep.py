"""Run one demand deadline sweep now (warn before, escalate after) and print what it did."""

from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.demands.services import sweep_deadlines


class Command(BaseCommand):
    help = "Warn about demands due within a day and escalate overdue ones, once, now."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Sweep inside a transaction that is rolled back: count, change nothing, notify no one.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            # The real sweep, so the count cannot drift from it, in one transaction rolled back at the end:
            # its notifications wait for a commit that never comes.
            with transaction.atomic():
                counts = sweep_deadlines()
                transaction.set_rollback(True)
        else:
            counts = sweep_deadlines()
        suffix = " (dry run: nothing changed)" if dry_run else ""
        self.stdout.write(f"warned: {counts['warned']}, escalated: {counts['escalated']}{suffix}")

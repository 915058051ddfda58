"""Recount the demand statistics roll-up (DemandTally) from the demands themselves."""

from django.core.management.base import BaseCommand

from gongzhi.demands.tallies import rebuild


class Command(BaseCommand):
    help = "Recount the demand statistics from the demands and correct the roll-up rows that differ."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        self.stdout.write("Recounting demands…")
        counts = rebuild(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{counts['cells']} cells in the recount; rows that {verb} created: {counts['created']}, "
            f"updated: {counts['updated']}, set to zero: {counts['zeroed']}."
        )

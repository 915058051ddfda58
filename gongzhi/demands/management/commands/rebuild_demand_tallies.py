"""Recount the demand statistics roll-ups (per day, month and year) from the demands themselves."""

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
        for grain, label in (("days", "Daily"), ("months", "Monthly"), ("years", "Yearly")):
            c = counts[grain]
            self.stdout.write(
                f"{label}: {c['cells']} cells in the recount; rows that {verb} created: {c['created']}, "
                f"updated: {c['updated']}, set to zero: {c['zeroed']}."
            )

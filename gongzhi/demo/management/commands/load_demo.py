from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongzhi.demo.loader import load_bantian
from gongzhi.members.demo import load_members


def load_all(log) -> None:
    """Every part of the demo set in order; each part skips itself when already loaded."""
    load_bantian(log=log)
    load_members(log=log)
    if apps.is_installed("gongzhi.collective"):
        from gongzhi.collective.demo import load_collective

        load_collective(log=log)
    if apps.is_installed("gongzhi.orglife"):
        from gongzhi.orglife.demo import load_life

        load_life(log=log)
    if apps.is_installed("gongzhi.demands"):
        from gongzhi.demands.demo import load_demands

        load_demands(log=log)
    if apps.is_installed("gongzhi.deliberation"):
        from gongzhi.deliberation.demo import load_deliberation

        load_deliberation(log=log)


class Command(BaseCommand):
    help = "Load the Bantian demo data set (坂田街道). Loading twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though the site is not in demo mode (GONGZHI_DEMO).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Load inside a transaction, then roll it back."
        )

    def handle(self, *args, dry_run: bool = False, force: bool = False, **options):
        if not (settings.DEMO_MODE or force):
            raise CommandError(
                "Not in demo mode: set GONGZHI_DEMO=1 (or pass --force) to load the demo data set."
            )
        if dry_run:
            with transaction.atomic():
                load_all(self.stdout.write)
                transaction.set_rollback(True)
            self.stdout.write("Dry run: rolled back.")
            return
        load_all(self.stdout.write)

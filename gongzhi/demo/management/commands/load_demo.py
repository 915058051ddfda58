from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.demo.loader import is_loaded, load_bantian


class Command(BaseCommand):
    help = "Load the Bantian demo data set (坂田街道). Loading twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Load inside a transaction, then roll it back.")

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            if is_loaded():
                self.stdout.write("Already loaded: a real run would change nothing.")
                return
            with transaction.atomic():
                load_bantian(log=self.stdout.write)
                transaction.set_rollback(True)
            self.stdout.write("Dry run: rolled back.")
            return
        load_bantian(log=self.stdout.write)

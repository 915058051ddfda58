from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongzhi.demands.open311.keys import open311_key_create


class Command(BaseCommand):
    help = "Create an Open311 api_key for a client system and print it on the last line (shown once, never stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who the key is for, e.g. the client system's name.")

    def handle(self, *args, name: str, **options):
        try:
            key, raw = open311_key_create(name=name, by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(f"Open311 key {key.prefix}… created for {key.name}.")
        self.stdout.write(raw)

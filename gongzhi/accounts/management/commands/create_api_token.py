from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.models import User
from gongzhi.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it on the last line (shown once, never stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="A label to recognise the token by.")

    def handle(self, *args, username: str, name: str, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        token, raw = api_token_create(user=user, name=name, by=None)
        self.stderr.write(f"Token {token.prefix}… created for {user.username}.")
        self.stdout.write(raw)

"""Re-encrypt personal data under the newest key, and rebuild the blind indexes.

Key rotation: put the new key first in GONGZHI_PII_KEYS, keeping the old ones after it; run this command;
then drop the old keys. A new GONGZHI_PII_INDEX_KEY needs the same command: the indexes are recomputed
from the decrypted values.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.core.pii import EncryptedTextField, blind_index

# Encrypted fields that have a blind index beside them: field → (index field, purpose).
INDEXES = {"id_number": ("id_index", "id_number"), "phone": ("phone_index", "phone")}


def encrypted_models():
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = "Re-encrypt every personal-data column under the newest key and rebuild the blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the rows only; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        for model, fields in encrypted_models():
            manager = model._default_manager
            total = manager.count()
            self.stdout.write(f"{model._meta.label}: {total} rows ({', '.join(fields)})")
            if dry_run:
                continue
            index_fields = {f: INDEXES[f] for f in fields if f in INDEXES and _has(model, INDEXES[f][0])}
            with transaction.atomic():
                # Reading decrypts with any configured key; writing encrypts with the first (newest) one.
                for done, (pk, *values) in enumerate(
                    manager.values_list("pk", *fields).iterator(chunk_size=500), 1
                ):
                    changes = dict(zip(fields, values, strict=True))
                    for field, (index_field, purpose) in index_fields.items():
                        changes[index_field] = (
                            blind_index(changes[field], purpose=purpose) if changes[field] else ""
                        )
                    manager.filter(pk=pk).update(**changes)
                    if done % 1000 == 0:
                        self.stdout.write(f"  {done}/{total}")
            self.stdout.write(f"  {total} rows re-encrypted")


def _has(model, name: str) -> bool:
    return any(f.attname == name for f in model._meta.concrete_fields)

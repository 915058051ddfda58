"""Open311 API keys: issued to a client system, stored as a keyed digest, shown once, revocable."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import token_digest
from gongzhi.core.audit import audit_record
from gongzhi.demands.models import Open311Key

KEY_PREFIX = "o311_"


@transaction.atomic
def open311_key_create(*, name: str, by: Any) -> tuple[Open311Key, str]:
    """Issue a key for a client system; the raw key is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > Open311Key._meta.get_field("name").max_length:
        raise ValidationError({"name": [_("Name the client the key is for (at most 100 characters).")]})
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = Open311Key.objects.create(name=name, prefix=raw[:10], digest=token_digest(raw))
    audit_record(
        actor=by, action="create_open311_key", obj=key, place_path="/", changes={"name": [None, name]}
    )
    return key, raw


@transaction.atomic
def open311_key_revoke(*, key: Open311Key, by: Any) -> Open311Key:
    """Stop a key from working; revoking twice changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=by,
            action="revoke_open311_key",
            obj=key,
            place_path="/",
            changes={"revoked_at": [None, key.revoked_at.isoformat()]},
        )
    return key


def open311_key_authenticate(raw: str | None) -> Open311Key | None:
    """The live key a raw value belongs to, or None (missing, unknown or revoked)."""
    if not raw:
        return None
    return Open311Key.objects.filter(digest=token_digest(raw), revoked_at__isnull=True).first()

"""Writing the audit log. Every service calls `audit_record` inside its transaction."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db.models import Model

from gongzhi.core.models import AuditEvent


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value."""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    """The current values of `fields` on `obj`, for a before/after diff."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields only, as {field: [before, after]}."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Model,
    place_path: str,
    changes: dict[str, list[Any]] | None = None,
) -> AuditEvent:
    """Append one row to the audit log: who did what to which record, with before/after values."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_name=actor.get_username() if is_user else "system",
        action=action,
        target_type=obj._meta.label_lower,
        target_id=str(obj.pk),
        target_repr=str(obj)[:200],
        place_path=place_path,
        changes=changes or {},
    )

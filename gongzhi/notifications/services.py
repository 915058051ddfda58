"""Notify people: a row for the in-app list now, delivery by the other channels in a task after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongzhi.notifications.models import Notification


def notify(
    *, recipients: Iterable[Any], subject: str, body: str = "", link: str = "", sms_to: str = ""
) -> list[Notification]:
    """Create one notification per distinct recipient (and one by SMS to `sms_to`, for a caller without an
    account) and queue their delivery once the transaction commits."""
    from gongzhi.notifications.tasks import deliver_notification

    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, subject=subject[:200], body=body, link=link))
    if sms_to:
        rows.append(Notification(phone=sms_to, subject=subject[:200], body=body, link=link))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if ids:
        transaction.on_commit(lambda: [deliver_notification.enqueue(pk) for pk in ids])
    return created


def notification_mark_read(*, user: Any, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])

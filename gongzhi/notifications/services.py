"""Notify people: a row for the in-app list now, delivery by the other channels in a task after commit.

Reading them is personal: a user opens and marks read only their own notifications (anyone else's do not
exist for them), and each of these writes leaves an audit row like every other write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from gongzhi.core.audit import audit_record
from gongzhi.notifications.models import Notification


def in_site_language() -> translation.override:
    """Notifications are written in the site's language (Simplified Chinese), whatever language the person
    whose action sends them reads: they go to other people, by email and SMS too, and stay in the list."""
    return translation.override(settings.LANGUAGE_CODE)


def site_text(message: Any, **params: Any) -> str:
    """`message` (a lazy translation) with its `params`, in the site's language: for texts the system keeps
    and shows to other people later (notifications, the notes it writes on a timeline)."""
    with in_site_language():
        return str(message) % params if params else str(message)


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


@transaction.atomic
def notification_mark_read(*, by: Any, notification: Notification) -> Notification:
    """Mark one of `by`'s notifications read (once: reading it again changes nothing)."""
    if notification.recipient_id is None or notification.recipient_id != by.pk:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit_record(
            actor=by,
            action="notification.read",
            obj=notification,
            place_path="",
            changes={"read_at": [None, notification.read_at.isoformat()]},
        )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, by: Any) -> int:
    """Mark every unread notification of `by` read; how many there were."""
    count = Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        audit_record(
            actor=by, action="notification.read_all", obj=by, place_path="", changes={"unread": [count, 0]}
        )
    return count

"""Reads of a user's own notifications: nobody reads anyone else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.notifications.models import Notification


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first (the rows sent only by SMS to a caller are not here)."""
    rows = Notification.objects.filter(recipient=user).only(
        "id", "recipient_id", "subject", "body", "link", "created_at", "read_at"
    )
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

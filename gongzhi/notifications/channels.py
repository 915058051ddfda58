"""Delivery channels behind one interface. In-app needs none: the row is the notification.

Email goes through Django's email backend (console in demo). SMS goes through the backend named in
settings.SMS_BACKEND; the demo's console backend writes messages to the log instead of sending them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("gongzhi.sms")


class ConsoleSms:
    """Writes SMS to the log: the demo and tests send nothing anywhere."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        ConsoleSms.sent.append((phone, text))
        log.warning("SMS to %s: %s", phone, text)


def email_channel(notification) -> bool:
    email = notification.recipient.email if notification.recipient_id else ""
    if not email:
        return False
    send_mail(notification.subject, f"{notification.body}\n\n{notification.link}".strip(), None, [email])
    return True


def sms_channel(notification) -> bool:
    phone = notification.phone
    if not phone:
        return False
    import_string(settings.SMS_BACKEND)().send(phone, notification.subject)
    return True


CHANNELS = {"email": email_channel, "sms": sms_channel}

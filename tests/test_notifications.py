"""Notifications: one row per distinct person, delivery by email and SMS only after the transaction commits,
a delivery task that never sends twice, the console SMS backend, marking as read."""

from __future__ import annotations

import pytest
from django.core import mail

from gongzhi.notifications.channels import ConsoleSms
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import notification_mark_read, notify
from gongzhi.notifications.tasks import deliver_notification
from tests.factories import make_user

PHONE = "13800138000"


@pytest.fixture
def alice(db):
    user = make_user("n-alice")
    user.email = "alice@example.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def bob(db):
    user = make_user("n-bob")
    user.email = "bob@example.cn"
    user.save(update_fields=["email"])
    return user


def test_notify_creates_one_row_per_distinct_person(alice, bob):
    rows = notify(
        recipients=[alice, bob, alice, None, bob], subject="新诉求", link="/demands/1/", sms_to=PHONE
    )

    assert len(rows) == 3
    assert Notification.objects.count() == 3
    assert sorted(n.recipient_id for n in Notification.objects.filter(recipient__isnull=False)) == sorted(
        [alice.pk, bob.pk]
    )
    by_phone = Notification.objects.get(recipient__isnull=True)
    assert by_phone.phone == PHONE
    assert {n.subject for n in rows} == {"新诉求"}


def test_notify_accepts_a_queryset_and_nobody(alice):
    from gongzhi.accounts.models import User

    assert notify(recipients=User.objects.none(), subject="x") == []
    assert len(notify(recipients=User.objects.filter(pk=alice.pk), subject="x")) == 1


def test_the_subject_is_cut_to_the_column(alice):
    (row,) = notify(recipients=[alice], subject="长" * 300)
    assert len(row.subject) == 200


def test_delivery_waits_for_the_commit(alice, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[alice], subject="待提交", sms_to=PHONE)
    # Inside the transaction nothing has left the building yet.
    assert len(callbacks) == 1
    assert mail.outbox == []
    assert sms_outbox == []


def test_delivery_by_email_and_sms_after_the_commit(
    alice, bob, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[alice, bob], subject="诉求已办结", body="请评价", link="/p/1/", sms_to=PHONE)

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.cn", "bob@example.cn"]
    assert all(m.subject == "诉求已办结" and "/p/1/" in m.body for m in mail.outbox)
    assert sms_outbox == [(PHONE, "诉求已办结")]
    for n in Notification.objects.all():
        assert set(n.delivered) == ({"email"} if n.recipient_id else {"sms"})


def test_running_the_delivery_task_twice_sends_once(alice, sms_outbox):
    (email_row,) = notify(recipients=[alice], subject="一次")
    (sms_row,) = notify(recipients=[], subject="一次", sms_to=PHONE)

    assert deliver_notification.call(email_row.pk) == ["email"]
    assert deliver_notification.call(email_row.pk) == []
    assert deliver_notification.call(sms_row.pk) == ["sms"]
    assert deliver_notification.call(sms_row.pk) == []
    # Through the queue as well (the tests' ImmediateBackend runs it at once).
    result = deliver_notification.enqueue(email_row.pk)
    assert result.return_value == []

    assert len(mail.outbox) == 1
    assert sms_outbox == [(PHONE, "一次")]


def test_a_user_without_an_email_gets_the_in_app_row_only(db, sms_outbox):
    nobody = make_user("n-no-email")
    (row,) = notify(recipients=[nobody], subject="站内")
    assert deliver_notification.call(row.pk) == []
    row.refresh_from_db()
    assert row.delivered == {}
    assert mail.outbox == []
    assert sms_outbox == []


def test_a_vanished_notification_is_no_error(db):
    assert deliver_notification.call(987654) == []


def test_a_channel_failing_after_another_one_succeeded_does_not_resend_it(alice, sms_outbox, settings):
    """A retried delivery must not send the email again because the SMS failed the first time."""
    settings.SMS_BACKEND = "tests.test_notifications.BrokenSms"
    row = Notification.objects.create(recipient=alice, phone=PHONE, subject="两个渠道")

    with pytest.raises(ConnectionError):
        deliver_notification.call(row.pk)
    settings.SMS_BACKEND = "gongzhi.notifications.channels.ConsoleSms"
    assert deliver_notification.call(row.pk) == ["sms"]

    assert len(mail.outbox) == 1
    assert sms_outbox == [(PHONE, "两个渠道")]
    row.refresh_from_db()
    assert set(row.delivered) == {"email", "sms"}


class BrokenSms:
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("SMS gateway down")


def test_the_console_sms_backend_records_and_logs(caplog, sms_outbox):
    with caplog.at_level("WARNING", logger="gongzhi.sms"):
        ConsoleSms().send(PHONE, "你好")
    assert sms_outbox == [(PHONE, "你好")]
    assert f"SMS to {PHONE}: 你好" in caplog.text


def test_marking_as_read_is_for_the_recipient_only_and_audited_once(alice, bob):
    from django.http import Http404

    from gongzhi.core.models import AuditEvent

    (row,) = notify(recipients=[alice], subject="已读")
    with pytest.raises(Http404):
        notification_mark_read(by=bob, notification=row)
    assert Notification.objects.get(pk=row.pk).read_at is None
    notification_mark_read(by=alice, notification=row)
    first = Notification.objects.get(pk=row.pk).read_at
    assert first is not None
    notification_mark_read(by=alice, notification=row)
    assert Notification.objects.get(pk=row.pk).read_at == first
    audits = AuditEvent.objects.filter(action="notification.read", target_id=str(row.pk))
    assert list(audits.values_list("actor_id", flat=True)) == [alice.pk]

"""Reading notifications in the app: staff at /notifications/ with the bell in the bar, residents at
/m/messages/ with the bell in the portal's header; opening one marks it read and goes where it points;
nobody sees or opens anyone else's; texts are written in the site's language (Chinese)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from gongzhi.core.models import AuditEvent
from gongzhi.demands import services
from gongzhi.demands.models import Category
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import notify


@pytest.fixture
def category(db):
    return Category.objects.create(code="streetlight", name="路灯", limit_days=5)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_staff_see_their_notifications_newest_first_with_an_unread_count(client_for, wuhe_staff, outsider):
    notify(recipients=[wuhe_staff], subject="较早的通知", link="/demands/")
    notify(recipients=[wuhe_staff], subject="新诉求 SQ1：路灯", body="3栋门口", link="/demands/")
    notify(recipients=[outsider], subject="别人的通知")
    client = client_for(wuhe_staff)

    page = client.get(reverse("notifications:inbox")).content.decode()

    assert page.index("新诉求 SQ1：路灯") < page.index("较早的通知")
    assert "3栋门口" in page
    assert "别人的通知" not in page
    assert page.count('data-testid="notification"') == 2
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert 'data-testid="unread-count">2<' in badge


def test_the_bell_is_in_the_bar_and_loads_its_count_after_the_page(client_for, wuhe_staff):
    page = client_for(wuhe_staff).get(reverse("core:workbench")).content.decode()
    assert 'data-testid="nav-bell"' in page
    assert f'hx-get="{reverse("notifications:badge")}"' in page


def test_opening_one_marks_it_read_audits_it_and_goes_to_its_page(client_for, wuhe_staff):
    (row,) = notify(recipients=[wuhe_staff], subject="请处理", link="/demands/?status=submitted")
    client = client_for(wuhe_staff)

    response = client.post(reverse("notifications:open", args=[row.pk]))

    assert response.status_code == 302 and response["Location"] == "/demands/?status=submitted"
    row.refresh_from_db()
    assert row.read_at is not None
    assert AuditEvent.objects.filter(action="notification.read", actor=wuhe_staff).count() == 1
    assert 'data-testid="unread-count"' not in client.get(reverse("notifications:badge")).content.decode()


@pytest.mark.parametrize("link", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"])
def test_a_link_to_another_site_is_not_followed(client_for, wuhe_staff, link):
    (row,) = notify(recipients=[wuhe_staff], subject="外链", link=link)
    response = client_for(wuhe_staff).post(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_nobody_opens_or_marks_anyone_elses(client_for, wuhe_staff, outsider):
    (row,) = notify(recipients=[wuhe_staff], subject="只给五和")
    client = client_for(outsider)

    assert client.post(reverse("notifications:open", args=[row.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))

    row.refresh_from_db()
    assert row.read_at is None
    assert not AuditEvent.objects.filter(action__startswith="notification.").exists()


def test_opening_is_a_post(client_for, wuhe_staff):
    (row,) = notify(recipients=[wuhe_staff], subject="GET 不算")
    assert client_for(wuhe_staff).get(reverse("notifications:open", args=[row.pk])).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_says_how_many_and_leaves_the_unread_filter_empty(client_for, wuhe_staff):
    notify(recipients=[wuhe_staff], subject="一")
    notify(recipients=[wuhe_staff], subject="二")
    client = english(client_for(wuhe_staff))

    response = client.post(reverse("notifications:read_all"), follow=True)

    assert "2 notifications marked read." in response.content.decode()
    assert not Notification.objects.filter(recipient=wuhe_staff, read_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="notification.read_all", actor=wuhe_staff).count() == 1
    unread = client.get(reverse("notifications:inbox") + "?show=unread").content.decode()
    assert "Nothing unread." in unread and 'data-testid="notification"' not in unread


def test_an_empty_inbox_says_what_arrives_there(client_for, wuhe_staff):
    page = english(client_for(wuhe_staff)).get(reverse("notifications:inbox")).content.decode()
    assert "No notifications yet." in page


def test_the_inbox_pages_and_keeps_to_a_few_queries(client_for, wuhe_staff, django_assert_max_num_queries):
    for i in range(settings.PAGE_SIZE + 3):
        notify(recipients=[wuhe_staff], subject=f"通知 {i}")
    client = client_for(wuhe_staff)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("notifications:inbox")).content.decode()
    assert first.count('data-testid="notification"') == settings.PAGE_SIZE
    second = client.get(reverse("notifications:inbox") + "?page=2").content.decode()
    assert second.count('data-testid="notification"') == 3


def test_anonymous_visitors_sign_in_first_and_a_stale_bell_stays_as_it_is(client, db):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    # The bell of a page whose session expired: nothing to swap in (204), not the sign-in page in the bar.
    badge = client.get(reverse("notifications:badge"))
    assert badge.status_code == 204 and badge.content == b""


# --- residents ------------------------------------------------------------------------------------------


def test_a_resident_reads_the_answer_in_the_portal_and_goes_to_the_demand(
    client_for, resident, wuhe_staff, admin_user, world, category
):
    demand = services.demand_submit(
        by=resident, channel="portal", category=category, place=world.plaza, description="路灯坏了"
    )
    services.demand_accept(by=admin_user, demand=demand)
    services.demand_resolve(by=admin_user, demand=demand, reply="已更换灯泡")
    client = client_for(resident)

    assert client.get(reverse("notifications:inbox"))["Location"] == reverse("portal:messages")
    portal = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="portal-bell"' in portal
    page = client.get(reverse("portal:messages")).content.decode()
    assert f"您的诉求 {demand.number} 已办结，请对办理结果进行评价" in page
    row = Notification.objects.get(recipient=resident)
    response = client.post(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == reverse("portal:demand", args=[demand.pk])
    assert client.post(reverse("notifications:read_all"))["Location"] == reverse("portal:messages")


def test_a_resident_with_nothing_yet_is_pointed_to_reporting(client_for, resident):
    page = english(client_for(resident)).get(reverse("portal:messages")).content.decode()
    assert "No messages yet." in page and reverse("portal:report") in page


def test_texts_are_written_in_chinese_whoever_acts_in_english(resident, admin_user, world, category):
    demand = services.demand_submit(
        by=resident, channel="portal", category=category, place=world.plaza, description="路灯坏了"
    )
    services.demand_accept(by=admin_user, demand=demand)
    with translation.override("en"):
        services.demand_resolve(by=admin_user, demand=demand, reply="Fixed")
    subject = Notification.objects.get(recipient=resident).subject
    assert subject.startswith("您的诉求"), subject


@pytest.mark.parametrize(("email", "texted"), [("", True), ("wang@example.cn", False)])
def test_a_resident_without_an_email_is_also_told_by_sms(
    resident, admin_user, world, category, sms_outbox, django_capture_on_commit_callbacks, email, texted
):
    resident.email = email
    resident.save(update_fields=["email"])
    demand = services.demand_submit(
        by=resident,
        channel="portal",
        category=category,
        place=world.plaza,
        description="路灯坏了",
        contact_phone="13800138000",
    )
    services.demand_accept(by=admin_user, demand=demand)
    with django_capture_on_commit_callbacks(execute=True):
        services.demand_resolve(by=admin_user, demand=demand, reply="已修好")
    assert Notification.objects.filter(recipient=resident).count() == 1
    assert [phone for phone, _text in sms_outbox] == (["13800138000"] if texted else [])


def test_the_portal_list_pages_by_ten_and_keeps_the_unread_filter(client_for, resident):
    for i in range(12):
        notify(recipients=[resident], subject=f"消息 {i}")
    client = client_for(resident)
    page = client.get(reverse("portal:messages"), {"show": "unread"}).content.decode()
    assert page.count('data-testid="notification"') == 10
    assert 'href="?show=unread&amp;page=2"' in page
    second = client.get(reverse("portal:messages"), {"show": "unread", "page": 2}).content.decode()
    assert second.count('data-testid="notification"') == 2

"""A resident reports a broken street lamp on the phone with a photo; community staff accept, dispatch and
resolve it on the desktop; the resident is dissatisfied, which reopens it; it is resolved again and the
resident is satisfied, which closes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gongzhi.demands.models import Category, Demand
from tests.browser.conftest import sign_in
from tests.factories import make_org, make_place, make_point, make_user
from tests.test_portal import png

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-9"
DESCRIPTION = "3栋门口的路灯坏了一个星期，晚上很黑。"


def assert_fits(phone) -> None:
    """Nothing on the page is wider than the phone's screen."""
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), (
        f"horizontal scroll on {phone.url}"
    )


def staff_act(page, base: str, pk: int, action: str, expected: str, reply: str = "") -> None:
    page.goto(f"{base}/demands/{pk}/")
    if reply:
        page.fill("textarea[name=reply]", reply)
    page.get_by_test_id(f"action-{action}").click()
    expect(page.get_by_test_id("demand-status")).to_have_attribute("data-status", expected)


def resident_rates(phone, base: str, pk: int, rating: str, expected: str) -> None:
    phone.goto(f"{base}/m/demands/{pk}/")
    expect(phone.get_by_test_id("portal-status")).to_have_attribute("data-status", "resolved")
    assert_fits(phone)
    phone.get_by_test_id(f"rate-{rating}").click()
    phone.get_by_test_id("rate-submit").click()
    expect(phone.get_by_test_id("portal-status")).to_have_attribute("data-status", expected)


def test_resident_reports_on_the_phone_and_rates_until_satisfied(
    transactional_db, live_server, phone, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="象角塘社区", code="xiangjiaotang")
    plaza = make_place("garden_estate", community, name="城市广场", code="city-plaza")
    building = make_place("building", plaza, name="3栋", code="city-plaza-3")
    make_point(community, [plaza], kind="community_centre", code="xjt-centre")
    committee = make_org("community_committee", community, make_org("working_committee", subdistrict))
    branch = make_org("branch", plaza, committee, [plaza], name="城市广场党支部")
    make_user("m-resident", "resident", plaza, password=PASSWORD)
    make_user("m-staff", "community_staff", community, password=PASSWORD)
    Category.objects.create(code="streetlight", name="路灯", limit_days=5)
    phone.set_viewport_size({"width": 360, "height": 780})

    # The resident opens the portal, signs in, and lands back on it.
    phone.goto(f"{base}/m/")
    phone.wait_for_url(re.compile(r"/accounts/login/\?next=/m/$"))
    phone.fill("#id_username", "m-resident")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/m/")
    assert_fits(phone)

    phone.get_by_test_id("home-report").click()
    phone.wait_for_url(f"{base}/m/report/")
    assert_fits(phone)
    phone.get_by_test_id("category-streetlight").click()
    phone.get_by_test_id(f"place-{building.pk}").click()
    phone.fill("#id_description", DESCRIPTION)
    expect(phone.get_by_test_id("description-count")).to_have_text(str(len(DESCRIPTION)))
    phone.set_input_files(
        '[data-testid="photos-album"]', files=[{"name": "路灯.png", "mimeType": "image/png", "buffer": png()}]
    )
    phone.fill("#id_contact_phone", "13800138000")
    assert_fits(phone)
    phone.get_by_test_id("report-submit").click()
    phone.wait_for_url(re.compile(r"/m/report/done/(\d+)/$"))
    pk = int(re.search(r"/done/(\d+)/$", phone.url).group(1))
    number = phone.get_by_test_id("demand-number").inner_text()
    assert number.startswith("SQ")
    assert_fits(phone)

    phone.get_by_test_id("done-view").click()
    expect(phone.get_by_test_id("portal-status")).to_have_attribute("data-status", "submitted")
    photo = phone.locator('[data-testid^="photo-"] img')
    photo.scroll_into_view_if_needed()
    # The photo comes back through the owner-only view and decodes as the 1×1 PNG sent.
    phone.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=photo.element_handle())

    # Community staff handle it on the desktop.
    sign_in(page, base, "m-staff", password=PASSWORD)
    staff_act(page, base, pk, "accept", "accepted")
    staff_act(page, base, pk, "dispatch", "dispatched")
    staff_act(page, base, pk, "resolve", "resolved", reply="已更换灯泡。")

    # The bell in the portal's header counts the message about the answer; opening it leads to the demand.
    phone.goto(f"{base}/m/")
    expect(phone.get_by_test_id("portal-bell").get_by_test_id("unread-count")).to_have_text("1")
    phone.get_by_test_id("portal-bell").click()
    phone.get_by_test_id("notification").first.get_by_role("button").click()
    phone.wait_for_url(f"{base}/m/demands/{pk}/")
    expect(phone.get_by_test_id("portal-bell").get_by_test_id("unread-count")).to_have_count(0)
    assert_fits(phone)

    # The resident reads the reply and is not satisfied: the demand is reopened.
    expect(phone.get_by_test_id("reply")).to_have_text("已更换灯泡。")
    resident_rates(phone, base, pk, "dissatisfied", "reopened")
    page.goto(f"{base}/demands/{pk}/")
    expect(page.get_by_test_id("demand-status")).to_have_attribute("data-status", "reopened")

    staff_act(page, base, pk, "dispatch", "dispatched")
    staff_act(page, base, pk, "resolve", "resolved", reply="已更换线路，路灯恢复正常。")

    resident_rates(phone, base, pk, "satisfied", "closed")
    expect(phone.get_by_test_id("rating")).to_be_visible()
    phone.get_by_test_id("tab-demands").click()
    expect(phone.locator(f'[data-testid="demand-item-{pk}"] [data-status]')).to_have_attribute(
        "data-status", "closed"
    )
    assert_fits(phone)
    demand = Demand.objects.get(pk=pk)
    assert (demand.number, demand.branch, demand.rating) == (number, branch, "satisfied")


def test_staff_tick_a_whole_page_and_dispatch_it_to_one_handler(transactional_db, live_server, page):
    base = live_server.url
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="象角塘社区", code="xiangjiaotang")
    plaza = make_place("garden_estate", community, name="城市广场", code="city-plaza")
    make_point(community, [plaza], kind="community_centre", code="xjt-centre")
    make_user("m-staff", "community_staff", community, password=PASSWORD)
    handler = make_user("m-handler", "community_staff", community, password=PASSWORD)
    lamp = Category.objects.create(code="streetlight", name="路灯", limit_days=5)
    from gongzhi.demands import services

    for text in ("路灯不亮", "楼道灯坏了", "路灯闪烁"):
        services.demand_submit(by=None, channel="walk_in", category=lamp, place=plaza, description=text)

    sign_in(page, base, "m-staff", password=PASSWORD)
    page.goto(f"{base}/demands/")
    page.get_by_test_id("select-all").check()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(3)
    page.get_by_test_id("select-all").uncheck()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(0)
    page.get_by_test_id("select-all").check()
    page.select_option("#bulk-handler", str(handler.pk))
    page.get_by_test_id("bulk-dispatch").click()
    page.wait_for_load_state()
    assert set(Demand.objects.values_list("status", "handler_id")) == {("dispatched", handler.pk)}

    # "Assigned to me" narrows the list to the handler's own.
    page.context.clear_cookies()
    sign_in(page, base, "m-handler", password=PASSWORD)
    page.goto(f"{base}/demands/?mine=on")
    expect(page.locator('[data-testid="demand-table"] tbody tr')).to_have_count(3)

"""A subdistrict administrator adds a category with a question from the menu's 系统设置 → 诉求类别; a
resident on the phone then reports under it, and the question appears when the category is picked; so it
does on the staff intake form, where the answer stays chosen while the rest of the form is filled in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gongzhi.demands.models import Demand
from tests.browser.conftest import sign_in
from tests.factories import make_place, make_point, make_user

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-9"


def test_an_administrator_adds_a_category_and_a_resident_reports_under_it(
    transactional_db, live_server, page, phone
):
    base = live_server.url
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="象角塘社区", code="xiangjiaotang")
    plaza = make_place("garden_estate", community, name="城市广场", code="city-plaza")
    make_point(community, [plaza], kind="community_centre", code="xjt-centre")
    make_user("c-admin", "subdistrict_admin", subdistrict, password=PASSWORD)
    make_user("c-resident", "resident", plaza, password=PASSWORD)

    # The administrator finds the catalogue in the menu; it is empty and says what to do.
    sign_in(page, base, "c-admin", password=PASSWORD)
    page.get_by_role("button", name="系统设置").click()
    page.get_by_role("link", name="诉求类别").click()
    page.wait_for_url(f"{base}/demands/categories/")
    expect(page.get_by_test_id("empty")).to_contain_text("类别目录为空")

    page.get_by_test_id("category-new").click()
    page.fill("#id_code", "parking")
    page.fill("#id_name", "停车难")
    page.fill("#id_limit_days", "0")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_limit_days_error")).to_contain_text("办理时限为 1 至 60 个工作日")
    expect(page.locator("#id_name")).to_have_value("停车难")  # what was typed is kept
    page.fill("#id_limit_days", "7")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/demands/categories/\d+/$"))
    expect(page.locator("#id_code")).to_be_disabled()

    form = page.get_by_test_id("question-form")
    form.locator("#id_q_code").fill("where")
    form.locator("#id_q_description").fill("车停在哪里？")
    form.locator("#id_q_datatype").select_option("singlevaluelist")
    form.locator("#id_q_values").fill("fire-lane=消防通道\nsidewalk=人行道")
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("questions")).to_contain_text("车停在哪里？")
    expect(page.get_by_test_id("questions")).to_contain_text("消防通道、人行道")

    # The resident reports under it on the phone: the question comes with the category.
    phone.goto(f"{base}/m/report/")
    phone.fill("#id_username", "c-resident")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/m/report/")
    phone.get_by_test_id("category-parking").click()
    question = phone.get_by_test_id("question-where")
    expect(question).to_contain_text("车停在哪里？")
    question.get_by_text("消防通道").click()
    phone.get_by_test_id(f"place-{plaza.pk}").click()
    phone.fill("#id_description", "有车长期占用消防通道。")
    phone.get_by_test_id("report-submit").click()
    phone.wait_for_url(re.compile(r"/m/report/done/\d+/$"))
    demand = Demand.objects.get()
    assert (demand.category.code, demand.attributes) == ("parking", {"where": "fire-lane"})

    # A resident calls about the same: staff enter it, and the question comes with the category. Typing
    # elsewhere in the form must not draw the questions again (that cleared the answer).
    page.goto(f"{base}/demands/new/")
    page.select_option("#id_category", label="停车难")
    question = page.get_by_test_id("question-where")
    expect(question).to_contain_text("车停在哪里？")
    question.get_by_text("人行道").click()
    page.fill("#id_place_q", "city-plaza")
    page.locator("#place-results input[name=place]").first.check()
    page.fill("#id_description", "有车长期停在人行道上。")
    page.fill("#id_contact_name", "李先生")
    expect(page.locator("#q-where-2")).to_be_checked()
    page.get_by_test_id("submit-demand").click()
    page.wait_for_url(re.compile(r"/demands/\d+/$"))
    entered = Demand.objects.exclude(pk=demand.pk).get()
    assert (entered.category.code, entered.attributes) == ("parking", {"where": "sidewalk"})

"""A community worker finds an area by pinyin initials, opens its coverage and exports it."""

import openpyxl
import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_wuhe_staff_finds_area_by_pinyin_and_exports_coverage(demo, live_server, page, tmp_path):
    sign_in(page, live_server.url, "wuhe")
    assert page.locator("h1").first.inner_text() == "工作台"

    page.get_by_role("button", name="区域与覆盖").click()  # the menu of places and service points
    page.locator(".dropdown-menu").get_by_role("link", name="区域与覆盖").click()
    page.get_by_role("searchbox").fill("dgk")
    result = page.get_by_role("link", name="大光勘居民小组")
    result.wait_for()  # htmx swapped the results in as the worker typed
    result.click()
    page.wait_for_url(f"{live_server.url}/places/dagangkan/")
    assert "大光勘居民小组党支部" in page.content()

    page.get_by_role("link", name="覆盖情况").click()
    assert page.get_by_test_id("coverage-rate").inner_text() == "100.0%"
    assert page.get_by_test_id("blank-count").inner_text() == "0"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    path = tmp_path / "coverage.xlsx"
    download_info.value.save_as(path)
    workbook = openpyxl.load_workbook(path)
    areas = workbook.worksheets[2]
    assert [c.value for c in areas[2]][:2] == ["dagangkan", "大光勘居民小组"]


def test_wuhe_staff_cannot_open_another_community(demo, live_server, page):
    sign_in(page, live_server.url, "wuhe")
    response = page.goto(f"{live_server.url}/places/city-plaza/")
    assert response.status == 404

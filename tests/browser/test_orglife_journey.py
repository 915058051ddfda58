"""A branch secretary records this month's themed party day with attendance and a photo, then sees the
month held on the compliance calendar."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from tests.factories import make_member, make_org, make_place, make_user
from tests.test_orglife import png_bytes

pytestmark = pytest.mark.browser


def test_secretary_records_a_themed_day_and_sees_the_month_held(
    transactional_db, live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="五和社区", code="wuhe")
    area = make_place("resident_group", community, name="大光勘居民小组", code="dagangkan")
    committee = make_org("community_committee", community, make_org("working_committee", subdistrict))
    branch = make_org("branch", area, committee, [area], name="大光勘居民小组党支部")
    zeng, li, wang = (make_member(branch, name=name) for name in ("曾拥军", "李敏", "王芳"))
    make_user("dgk-life", "branch_secretary", area)
    today = timezone.localdate()
    cell = f'[data-testid="cell-themed_day-{today:%Y-%m}"]'

    sign_in(page, live_server.url, "dgk-life", password="pw-for-tests-9")
    page.goto(f"{live_server.url}/life/orgs/{branch.pk}/calendar/")
    assert page.locator(cell).get_attribute("data-status") == "due"

    page.goto(f"{live_server.url}/life/orgs/{branch.pk}/new/")
    page.select_option("#id_type", "themed_day")
    page.fill("#id_held_on", today.isoformat())
    page.fill("#id_topic", "重温入党誓词")
    page.fill("#id_location", "大光勘党群服务站")
    page.check(f'[data-testid="attend-{zeng.pk}"]')
    page.check(f'[data-testid="attend-{li.pk}"]')
    page.check(f'[data-testid="leave-{wang.pk}"]')
    page.set_input_files(
        "#id_photo", files=[{"name": "合影.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.click('[data-testid="life-record-save"]')
    page.wait_for_url(f"{live_server.url}/life/records/*/")

    assert page.get_by_test_id("record-title").inner_text() == "重温入党誓词"
    assert page.get_by_test_id("attendance").inner_text().startswith("2 / 3")
    photo = page.locator('[data-testid^="attachment-"] img')
    photo.scroll_into_view_if_needed()
    # The photo comes back through the scoped view and decodes as the 1×1 PNG that was uploaded.
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=photo.element_handle())

    page.get_by_test_id("calendar-link").click()
    page.wait_for_url(f"{live_server.url}/life/orgs/{branch.pk}/calendar/*")
    assert page.locator(cell).get_attribute("data-status") == "held"
    assert page.locator(f"{cell} a").count() == 1

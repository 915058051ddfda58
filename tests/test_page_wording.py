"""What the staff pages say in Chinese where Django's defaults showed through: the empty option of a
pick is 请选择…, a Chinese page names holidays in Chinese, and a rate over nothing is —, not 0.0%."""

from __future__ import annotations

import re

from gongzhi.core.forms import ModelChoice
from gongzhi.territory.models import Place


def test_a_pick_among_rows_starts_with_choose():
    field = ModelChoice(queryset=Place.objects.none())
    assert str(field.empty_label) == "请选择…"
    assert ModelChoice(queryset=Place.objects.none(), empty_label=None).empty_label is None  # still optional


def test_the_transfer_form_offers_choose_not_dashes(client_for, wuhe_staff, world):
    page = client_for(wuhe_staff).get(f"/transfers/branches/{world.dgk_branch.pk}/new/").content.decode()
    assert "---------" not in page
    assert '<option value="" selected>请选择…</option>' in page


def test_the_calendar_names_holidays_in_the_pages_language(client_for, admin_user):
    client = client_for(admin_user)
    chinese = client.get("/calendar/?year=2026").content.decode()
    assert "国庆节" in chinese and "National Day" not in chinese
    assert "---------" not in chinese and "请选择…" in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/calendar/?year=2026").content.decode()
    assert "National Day" in english


def test_a_kind_of_area_with_no_areas_has_no_rate(client_for, wuhe_staff, world):
    page = client_for(wuhe_staff).get("/places/wuhe/coverage/").content.decode()
    row = re.search(r"<tr><td>居委会</td>(.*?)</tr>", page)
    assert row, "the residents' committee row is missing"
    assert re.findall(r">([^<]*)</td>", row.group(1)) == ["0", "0", "—"]


def test_the_empty_company_list_offers_only_what_the_user_can_do(client_for, admin_user, auditor, world):
    def empty(user, query=""):
        page = client_for(user).get(f"/collective/{query}").content.decode()
        return re.search(r'data-testid="empty">([^<]*)<', page).group(1)

    assert empty(admin_user) == "暂无公司。请登记第一家。"
    assert empty(auditor) == "您负责的区域尚未登记公司。"  # may read, may not register
    assert empty(admin_user, "?q=不存在") == "没有匹配的公司。清除搜索条件可查看全部。"


def test_the_outside_post_form_labels_its_fields(client_for, wuhe_staff, world):
    from tests.factories import make_member

    member = make_member(world.dgk_branch)
    page = client_for(wuhe_staff).get(f"/members/{member.pk}/").content.decode()
    form = page[page.index(f"members/{member.pk}/outside-posts") - 200 :]
    form = form[: form.index("</form>")]
    for label in ("职务", "单位或组织", "起始日期"):
        assert re.search(rf'<label class="form-label small mb-0" for="[^"]+">{label}</label>', form), label

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

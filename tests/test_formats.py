"""Dates and amounts as the Chinese pages show them (gongzhi/formats/zh_Hans): a date field must keep its
value, since a browser's date picker shows anything but 2026-12-07 as empty and saving would lose it; and
large amounts are grouped by three, as in Chinese financial statements."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone, translation
from django.utils.formats import date_format

from gongzhi.collective.services import company_create, company_year_record
from tests.factories import make_member


def date_values(page: str) -> dict[str, str]:
    """name → value of each <input type="date"> on the page."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="date"' in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            value = re.search(r'value="([^"]*)"', tag)
            found[name] = value.group(1) if value else ""
    return found


def test_a_members_dates_come_back_in_the_edit_form(client_for, wuhe_staff, world):
    """As ISO dates: the only form <input type="date"> shows (and so sends back on save)."""
    member = make_member(
        world.dgk_branch,
        birth_date=datetime.date(1981, 7, 11),
        joined_on=datetime.date(2005, 6, 30),
        full_on=datetime.date(2006, 7, 1),
    )
    page = client_for(wuhe_staff).get(f"/members/{member.pk}/edit/").content.decode()
    assert date_values(page) == {
        "birth_date": "1981-07-11",
        "joined_on": "2005-06-30",
        "full_on": "2006-07-01",
    }


def test_todays_date_is_the_default_of_a_post_form(client_for, wuhe_staff, world):
    member = make_member(world.dgk_branch)
    page = client_for(wuhe_staff).get(f"/members/{member.pk}/").content.decode()
    today = timezone.localdate().isoformat()
    assert today in date_values(page).values()


def test_both_ways_of_writing_a_date_are_read():
    from django import forms

    field = forms.DateField()
    with translation.override("zh-hans"):
        assert field.clean("2026-12-07") == datetime.date(2026, 12, 7)
        assert field.clean("2026/12/07") == datetime.date(2026, 12, 7)
        assert date_format(datetime.date(2026, 12, 7)) == "2026年12月7日"  # dates as text are unchanged


def test_amounts_are_grouped_by_three_in_chinese(client_for, admin_user, world):
    company = company_create(
        by=None, code="dgk-company", name="大光勘股份合作公司", resident_group=world.dgk, chairman="曾拥军"
    )
    company_year_record(
        by=None, company=company, year=2018, shareholders=250, revenue="31427457", profit="600000",
        dividend_per_share="81000",
    )  # fmt: skip
    page = client_for(admin_user).get(f"/collective/companies/{company.pk}/").content.decode()
    assert re.search(r'data-testid="revenue">31,427,457<', page)
    assert re.search(r'data-testid="dividend">81,000<', page)

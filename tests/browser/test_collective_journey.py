"""Community staff read a company's figures on its chart, record the next step of a "四议两公开" decision,
and print the chain without the site's chrome."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.collective.models import Step
from gongzhi.collective.services import company_create, company_year_record, decision_propose
from tests.browser.conftest import sign_in
from tests.factories import make_org, make_place, make_user

# The collective URLs as tests/test_collective.py mounts them, whether or not the owner has added them yet.
pytestmark = pytest.mark.browser


def test_staff_read_the_chart_record_a_step_and_print_the_chain(transactional_db, live_server, page):
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="五和社区", code="wuhe")
    area = make_place("resident_group", community, name="大光勘居民小组", code="dagangkan")
    committee = make_org("community_committee", community, make_org("working_committee", subdistrict))
    branch = make_org("branch", area, committee, [area], name="大光勘居民小组党支部")
    company = company_create(
        by=None,
        code="dgk-co",
        name="大光勘股份合作公司",
        resident_group=area,
        branch=branch,
        chairman="曾拥军",
    )
    for year, dividend, revenue in (
        (2004, 2000, 1_500_000),
        (2011, 12000, 6_500_000),
        (2018, 81000, 28_000_000),
    ):
        company_year_record(
            by=None,
            company=company,
            year=year,
            shareholders=250,
            revenue=revenue,
            profit=revenue * 0.7,
            dividend_per_share=dividend,
        )
    decision = decision_propose(
        by=None, company=company, title="综合楼公开招租", subject="asset", held_on=datetime.date(2018, 11, 5)
    )
    make_user("wuhe-co", "community_staff", community)

    sign_in(page, live_server.url, "wuhe-co", password="pw-for-tests-9")
    page.goto(f"{live_server.url}/collective/companies/{company.pk}/")
    # ECharts drew the chart from the data-* attributes.
    page.wait_for_selector("#collective-chart canvas")
    assert page.locator("#years tbody tr").count() == 3

    page.goto(f"{live_server.url}/collective/decisions/{decision.pk}/")
    assert page.locator("#id_step").input_value() == Step.COMMITTEES_DISCUSSION
    page.fill("#id_held_on", "2018-11-12")
    page.fill("#id_present", "9")
    page.fill("#id_entitled", "9")
    page.click("#next-step button[type=submit]")
    page.wait_for_url(f"{live_server.url}/collective/decisions/{decision.pk}/")
    assert page.locator('[data-step="committees_discussion"] .gz-step-date').inner_text() == "2018-11-12"
    assert page.locator("#id_step").input_value() == Step.MEMBERS_REVIEW

    page.goto(f"{live_server.url}/collective/decisions/{decision.pk}/print/")
    assert page.locator("#chain > li").count() == 6
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("[data-print]").is_visible()
    assert page.locator("#chain").is_visible()
    assert len(page.pdf()) > 1000

"""The workbench tells staff what waits in their worklist: open, overdue, waiting to be accepted and
assigned to them, each figure a link to the worklist so filtered, and only for the places they work on."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.demands import services
from gongzhi.demands.models import Category, Demand


@pytest.fixture
def category(db):
    return Category.objects.create(code="repair", name="公共设施维修", limit_days=5)


def submit(place, category, description="楼道灯坏了，晚上很黑", **kwargs) -> Demand:
    return services.demand_submit(
        by=None, channel="walk_in", category=category, place=place, description=description, **kwargs
    )


def figure(page: str, testid: str) -> tuple[int, str]:
    """The number a workbench figure shows, and where it links to."""
    match = re.search(rf'href="([^"]+)" data-testid="{testid}"><div class="gz-stat[^"]*">(\d+)</div>', page)
    assert match, f"{testid} is missing"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def test_the_workbench_counts_the_worklist_and_links_to_each_filter(
    client_for, wuhe_staff, secretary, world, category
):
    submit(world.dgk, category, at=timezone.now() - datetime.timedelta(days=30))  # overdue, not accepted
    mine = submit(world.xincun, category, description="垃圾桶满了")
    services.demand_dispatch(by=None, demand=mine, handler=wuhe_staff)
    submit(world.estate, category, description="井盖松动")  # waiting to be accepted
    done = submit(world.estate, category, description="树枝挡路")
    services.demand_resolve(by=None, demand=done, reply="已处理")  # not open: not counted
    submit(world.plaza, category, description="电梯停运")  # 象角塘: not this worker's place
    client = client_for(wuhe_staff)
    page = client.get("/").content.decode()
    assert figure(page, "wb-open") == (3, "/demands/")
    assert figure(page, "wb-overdue") == (1, "/demands/?overdue=on")
    assert figure(page, "wb-submitted") == (2, "/demands/?status=submitted")
    assert figure(page, "wb-mine") == (1, "/demands/?mine=on")
    # Each figure is what the worklist shows under its filter.
    for testid in ("wb-open", "wb-overdue", "wb-submitted", "wb-mine"):
        count, url = figure(page, testid)
        listed = client.get(url).content.decode().count('<tr data-number="')
        assert listed == count, testid
    # The branch secretary sees their own place's demands only.
    assert figure(client_for(secretary).get("/").content.decode(), "wb-open")[0] == 1


def test_read_only_roles_see_the_figures_without_assigned_to_me(client_for, auditor, world, category):
    submit(world.dgk, category)
    page = client_for(auditor).get("/").content.decode()
    assert figure(page, "wb-open")[0] == 1
    assert 'data-testid="wb-mine"' not in page
    assert "Enter a walk-in or a call" not in page and "登记来访或来电" not in page


def test_with_nothing_open_the_workbench_says_so_and_offers_intake(client_for, wuhe_staff, world, category):
    page = client_for(wuhe_staff).get("/").content.decode()
    assert 'data-testid="wb-none"' in page
    assert "您负责的区域目前没有未办结的诉求。" in page
    assert 'href="/demands/new/"' in page


def test_the_workbench_counts_in_one_query(client_for, wuhe_staff, world, category):
    client = client_for(wuhe_staff)
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for _ in range(5):
        submit(world.dgk, category)
    with CaptureQueriesContext(connection) as after:
        page = client.get("/").content.decode()
    assert figure(page, "wb-open")[0] == 5
    demand_queries = [q["sql"] for q in after.captured_queries if '"demands_demand"' in q["sql"]]
    assert len(demand_queries) == 1, demand_queries
    assert len(after.captured_queries) == len(before.captured_queries)


def test_residents_still_land_on_the_portal(client_for, resident):
    response = client_for(resident).get("/")
    assert response.status_code == 302 and response["Location"] == "/m/"

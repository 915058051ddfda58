"""On a phone the registers' tables scroll sideways rather than squeeze: a cell keeps its text on one line
(a category or a branch name drawn one character per line made the demand and member lists unreadable)."""

from __future__ import annotations

import pytest

from gongzhi.demands import services
from gongzhi.demands.models import Category
from tests.browser.conftest import sign_in
from tests.factories import make_member, make_org, make_place, make_point, make_user

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-9"

# Cells whose text takes more than one line: the lines its text nodes are laid out on (not the boxes of
# the elements around them, whose padding would count as lines of their own).
WRAPPED = """table => [...table.querySelectorAll("td, th")].filter(cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const lines = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) lines.add(Math.round(rect.top));
  }
  return lines.size > 1;
}).map(cell => cell.innerText.trim())"""


def test_the_demand_and_member_tables_keep_each_cell_on_one_line(transactional_db, live_server, phone):
    base = live_server.url
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="五和社区", code="wuhe")
    village = make_place("independent_area", community, name="五和新村第二居民小区", code="wuhe-xincun")
    make_point(community, [village], kind="community_centre", code="wuhe-centre")
    working = make_org("working_committee", subdistrict, name="坂田街道党工委")
    committee = make_org("community_committee", community, working, name="五和社区党委")
    branch = make_org("branch", village, committee, [village], name="五和新村第二居民小区党支部")
    category = Category.objects.create(code="sanitation", name="环境卫生与垃圾清运", limit_days=5)
    for text in ("有人把旧沙发丢在围墙外", "垃圾桶满了没人清运"):
        services.demand_submit(by=None, channel="walk_in", category=category, place=village, description=text)
    for name in ("廖娜磊", "邱静芳"):
        make_member(branch, name=name)
    make_user("p-wuhe", "community_staff", community, password=PASSWORD)

    sign_in(phone, base, "p-wuhe", password=PASSWORD)
    for url, table in (("/demands/", "[data-testid=demand-table]"), ("/members/", "table")):
        phone.goto(f"{base}{url}")
        assert phone.locator(table).count() == 1
        assert phone.locator(table).evaluate(WRAPPED) == [], url
        # The page itself does not scroll sideways: only the table, inside its frame.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, url

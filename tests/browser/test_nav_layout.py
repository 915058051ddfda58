"""The top bar fits on every desktop width, in both languages, for the user who sees the most entries.

From Bootstrap's lg breakpoint (992px) the bar is open: each entry is shown on one line, inside the window,
clear of the brand and of the account menu (language and user), which is never squeezed.
"""

import pytest

from gongzhi.accounts.services import assignment_grant, user_create
from gongzhi.core.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import make_place

pytestmark = pytest.mark.browser

# From the lg breakpoint to a full-HD screen, with the common laptop and desktop widths and the edges of
# the layout's own breakpoints (the Chinese bar takes one line from 1280px) between.
WIDTHS = (992, 1024, 1100, 1200, 1279, 1280, 1300, 1366, 1399, 1400, 1440, 1536, 1600, 1680, 1920)

# How many lines an element's text takes.
LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map(r => Math.round(r.bottom))).size;
}"""


def _overlap(a: dict, b: dict) -> bool:
    # Boxes that merely touch (a shared edge, sub-pixel rounding) do not overlap.
    return (
        min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 0.5
        and min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 0.5
    )


def _outside(box: dict, width: int) -> bool:
    return box["x"] < 0 or box["x"] + box["width"] > width + 0.5


def _layout_problems(page, width: int, account_width: float) -> list[str]:
    brand = page.locator(".gz-navbar .navbar-brand").bounding_box()
    account = page.get_by_test_id("nav-account").bounding_box()
    problems = []
    if _outside(account, width):
        problems.append(f"{width}px: the account menu {account} leaves the window")
    if abs(account["width"] - account_width) > 0.5:
        problems.append(f"{width}px: the account menu is squeezed to {account['width']:.0f}px")
    entries = page.locator("#gz-nav .navbar-nav > .nav-item")
    for i in range(entries.count()):
        entry = entries.nth(i)
        label = entry.inner_text().strip()
        box = entry.bounding_box()
        if box is None:
            problems.append(f"{width}px: {label!r} is not shown")
            continue
        if _outside(box, width):
            problems.append(f"{width}px: {label!r} {box} leaves the window")
        if _overlap(box, account):
            problems.append(f"{width}px: {label!r} {box} overlaps the account menu {account}")
        if _overlap(box, brand):
            problems.append(f"{width}px: {label!r} {box} overlaps the brand {brand}")
        if entry.locator(".nav-link").evaluate(LINES) > 1:
            problems.append(f"{width}px: {label!r} breaks over lines")
    return problems


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_nav_entries_stay_clear_of_account_menu(transactional_db, live_server, browser, locale, tmp_path):
    bantian = make_place("subdistrict", name="坂田街道", code="bantian")
    # Named like the demo's administrator: the name sets the account menu's width.
    admin = user_create(
        username="nav-admin", password="pw-for-tests-9", display_name="坂田街道党建办", by=None
    )
    assignment_grant(user=admin, role=Role.SUBDISTRICT_ADMIN, place=bantian, by=None)
    # The language comes from the browser's Accept-Language, as for a visitor who never chose one.
    context = browser.new_context(locale=locale, viewport={"width": 2560, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server.url, "nav-admin", "pw-for-tests-9")
        assert page.locator("html").get_attribute("lang") == ("en" if locale == "en-GB" else "zh-hans")
        account_width = page.get_by_test_id("nav-account").bounding_box()["width"]  # with room to spare
        problems = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            problems += _layout_problems(page, width, account_width)
            # For a look when it fails: pytest keeps the last few runs' tmp_path.
            page.screenshot(
                path=tmp_path / f"nav-{locale}-{width}.png",
                clip={"x": 0, "y": 0, "width": width, "height": 160},
            )
        assert not problems, "\n".join(problems)
    finally:
        context.close()

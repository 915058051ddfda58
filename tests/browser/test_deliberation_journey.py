"""城市广场's branch secretary makes a topic of two resident demands about street lamps, schedules a meeting
with it and a second demand topic, records attendance and the room's votes, adopts the resolution with an
action, publishes it and closes the meeting; when the action is done it resolves the two demands; a
resident of the estate reads the result on the residents' page on the phone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.deliberation import services as s
from gongzhi.deliberation.models import ActionItem, AgendaItem, Meeting, Motion, Resolution, Topic
from gongzhi.demands.models import Category, Demand, Status
from gongzhi.demands.services import demand_submit
from tests.browser.conftest import sign_in
from tests.factories import make_org, make_place, make_point, make_user

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-9"
TERM = datetime.date(2024, 1, 1)
SEATS = [
    ("branch", "李书记", "城市广场党支部"),
    ("owners_committee", "刘淑芬", "城市广场业主委员会"),
    ("property_company", "陈志明", "城市广场物业服务中心"),
    ("party_member_rep", "黄党员", ""),
    ("resident_rep", "王秀兰", ""),
]
VOTES = ["for", "for", "for", "for", "against"]


def build():
    subdistrict = make_place("subdistrict", name="坂田街道", code="bantian")
    community = make_place("community", subdistrict, name="象角塘社区", code="xiangjiaotang")
    plaza = make_place("garden_estate", community, name="城市广场", code="city-plaza")
    make_point(community, [plaza], kind="community_centre", code="xjt-centre")
    parent = make_org("community_committee", community, make_org("working_committee", subdistrict))
    branch = make_org("branch", plaza, parent, [plaza], name="城市广场党支部")
    secretary = make_user("b-secretary", "branch_secretary", plaza, password=PASSWORD)
    make_user("b-resident", "resident", plaza, password=PASSWORD)
    committee = s.committee_create(
        by=None, kind="consultation_committee", name="城市广场小区事务协商委员会", place=plaza, branch=branch
    )
    seats = [
        s.seat_assign(by=None, committee=committee, stakeholder=k, since=TERM, holder_name=n, organisation=o)
        for k, n, o in SEATS
    ]
    lamps = Category.objects.create(code="lamp", name="路灯", limit_days=5)
    garbage = Category.objects.create(code="garbage", name="垃圾清运", limit_days=5)
    lamp_demands = [
        demand_submit(by=None, channel="walk_in", category=lamps, place=plaza, description=text)
        for text in ("3栋门口路灯坏了一周", "中心花园路灯不亮")
    ]
    other = demand_submit(by=None, channel="phone", category=garbage, place=plaza, description="北门垃圾满溢")
    garbage_topic = s.topic_from_demands(
        by=secretary, committee=committee, demands=[other], title="北门垃圾清运"
    )
    return committee, seats, lamp_demands, other, garbage_topic


def test_the_secretary_takes_two_demands_to_a_meeting_and_the_residents_see_the_result(
    transactional_db, live_server, page, phone
):
    base = live_server.url
    committee, seats, lamp_demands, other, garbage_topic = build()
    sign_in(page, base, "b-secretary", password=PASSWORD)

    # A topic of the two street-lamp demands.
    page.goto(f"{base}/deliberation/committees/{committee.pk}/")
    page.get_by_test_id("topic-from-demands").click()
    for demand in lamp_demands:
        page.get_by_test_id(f"demand-{demand.pk}").check()
    page.fill("#id_title", "小区路灯维修")
    page.get_by_test_id("form-submit").click()
    page.wait_for_url(f"{base}/deliberation/committees/{committee.pk}/")
    lamp_topic = Topic.objects.get(title="小区路灯维修")
    expect(page.get_by_test_id(f"topic-{lamp_topic.pk}")).to_have_attribute("data-status", "accepted")

    # A meeting with both demand topics on the agenda, opened after the notice.
    page.get_by_test_id("schedule-meeting").click()
    page.fill("#id_title", "城市广场小区事务协商委员会第四次会议")
    when = timezone.localtime().replace(hour=19, minute=30)
    page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_venue", "城市广场党群服务站")
    page.get_by_test_id(f"topic-{lamp_topic.pk}").check()
    page.get_by_test_id(f"topic-{garbage_topic.pk}").check()
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "scheduled")
    meeting = Meeting.objects.get()
    expect(page.get_by_test_id("agenda").locator("li")).to_have_count(2)
    page.get_by_test_id("send-notice").click()
    page.get_by_test_id("open-meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "open")

    # Everyone is present; the motion on the lamps is voted in the room and passes.
    for seat in seats:
        page.get_by_test_id(f"present-{seat.pk}").check()
    page.get_by_test_id("attendance-save").click()
    expect(page.get_by_test_id("attendance-summary")).to_have_attribute("data-present", "5")
    item = AgendaItem.objects.get(meeting=meeting, topic=lamp_topic)
    page.get_by_test_id("motion-text").fill("由物业在两周内更换小区损坏路灯，并纳入每周设施巡查")
    page.get_by_test_id("motion-agenda").select_option(str(item.pk))
    page.get_by_test_id("motion-open").click()
    motion = Motion.objects.get()
    for seat, choice in zip(seats, VOTES, strict=True):
        page.get_by_test_id(f"vote-{motion.pk}-{seat.pk}").select_option(choice)
    page.get_by_test_id(f"votes-save-{motion.pk}").click()
    page.get_by_test_id(f"motion-close-{motion.pk}").click()
    expect(page.get_by_test_id(f"motion-result-{motion.pk}")).to_have_attribute("data-result", "passed")
    math = page.get_by_test_id(f"motion-math-{motion.pk}")
    expect(math).to_have_attribute("data-for", "4")
    expect(math).to_have_attribute("data-against", "1")

    # The resolution, its action, publication, and the close with the minutes.
    page.get_by_test_id(f"adopt-{motion.pk}").click()
    resolution = Resolution.objects.get()
    page.get_by_test_id(f"action-form-toggle-{resolution.pk}").click()
    page.get_by_test_id(f"action-title-{resolution.pk}").fill("更换小区损坏路灯")
    page.get_by_test_id(f"action-owner-name-{resolution.pk}").fill("城市广场物业服务中心")
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_test_id(f"action-deadline-{resolution.pk}").fill(deadline.isoformat())
    page.get_by_test_id(f"action-add-{resolution.pk}").click()
    action = ActionItem.objects.get()
    expect(page.get_by_test_id(f"action-{action.pk}")).to_have_attribute("data-status", "open")
    page.get_by_test_id(f"publish-{resolution.pk}").click()
    expect(page.get_by_test_id(f"published-{resolution.pk}")).to_be_visible()
    page.get_by_test_id("minutes").fill("五方代表到会，审议路灯维修，表决通过；北门垃圾清运下次会议再议。")
    page.get_by_test_id("meeting-close").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "closed")

    # Later: the lamps are replaced; marking the action done resolves both demands.
    page.goto(f"{base}/deliberation/actions/{action.pk}/")
    expect(page.get_by_test_id("action-demands").locator("li")).to_have_count(2)
    page.get_by_test_id("action-done-resolve").click()
    expect(page.get_by_test_id("action-status")).to_have_attribute("data-status", "done")
    statuses = dict(Demand.objects.values_list("pk", "status"))
    assert [statuses[d.pk] for d in lamp_demands] == [Status.RESOLVED, Status.RESOLVED]
    assert statuses[other.pk] != Status.RESOLVED  # its topic waits for another meeting

    # A resident of the estate reads the result on the phone.
    phone.goto(f"{base}/deliberation/public/")
    phone.fill("#id_username", "b-resident")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/deliberation/public/")
    card = phone.get_by_test_id(f"public-resolution-{resolution.pk}")
    expect(card).to_contain_text("由物业在两周内更换小区损坏路灯")
    expect(card.get_by_test_id(f"public-action-{action.pk}")).to_have_attribute("data-status", "done")
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

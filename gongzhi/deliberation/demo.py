"""Demo committees for the Bantian demo, written through the deliberation services (by=None, the system).

From the article: 五和新村's affairs consultation committee, the first in Shenzhen (branch, building heads,
property company, self-governing organisation, stationed unit, residents and migrants); 城市广场's estate
committee (owners' committee, property company, party members' and residents' representatives), which
from September 2018 solved noise and garbage problems and the five-year problem of access to medical care
(城广社康中心 went into construction); and 大光勘's party-and-masses joint meeting on collective assets.
Holders are illustrative, except 曾拥军 and the demo accounts `member` (城市广场) and `dgk` (大光勘).

Meetings keep their historical moments, passed to the services as `at`: topics are raised and screened on
the day the committee was set up; a meeting opens at its time, each motion is put some minutes later, its
votes follow, then the vote closes and the resolution is adopted; the meeting closes after its last motion
and each resolution is published on the day the plan gives, or the day after the meeting; action deadlines
and progress reports keep their dates. What no service takes a moment for stays the time of loading: when
rows were created (the committee, attendance recorded, action items added) and the audit log. The medical
demand was resolved by the demand demo before this runs: `topic_link_demand` puts it on its topic as it is,
and `action_link_demand` counts it among the demands the last action of the resolution resolved. 城市广场 also
has a meeting next week, with the notice sent now.

Idempotent: a committee already at its place is left as it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.deliberation import services as s
from gongzhi.deliberation.choices import MotionResult
from gongzhi.deliberation.models import ActionItem, Committee, Meeting, Resolution, Seat, Topic
from gongzhi.demands.models import DONE_STATES, Demand
from gongzhi.members.models import Member
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import notification_mark_read
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place

MEDICAL_AGENDA_REF = "城市广场小区事务协商委员会"

# Seats: [stakeholder, holder, organisation]; a holder is "member:N" (the branch's N-th member, 0 the
# secretary), "user:NAME" (a demo account) or a name. Attendance lists seat indices away. Votes are
# [for, against, abstaining] among the members present, in seat order. Actions: [title, carried out by,
# deadline, [[day, progress %, note], …]]; 100 % is done (and resolves the demands behind it, if open).
# A motion's `published` (a day, or "YYYY-MM-DD HH:MM") is when its resolution was published; by default
# the day after the meeting.
PLANS = yaml.safe_load("""
- place: wuhe-xincun
  branch: wuhe-xincun-zb
  kind: consultation_committee
  name: 五和新村事务协商委员会
  since: 2018-12-01
  venue: 五和新村党群服务站
  seats:
    - [branch, "member:0", 五和新村党支部]
    - [party_member_rep, "member:2", ""]
    - [building_head, 陈秀英, 五和新村楼栋长服务站]
    - [building_head, 刘建国, 五和新村楼栋长服务站]
    - [property_company, 黄志强, 五和新村物业管理处]
    - [self_governing_org, 林伟, 五和新村志愿者服务队]
    - [stationed_unit, 吴经理, 五和新村驻地企业]
    - [resident_rep, 何桂英, ""]
    - [resident_rep, 郭明, ""]
    - [migrant_rep, 罗海燕, 外来务工人员]
    - [community_police, 周警官, 坂田派出所五和警务室]
  topics:
    建立事务协商议事规则: [station, 以党支部为核心，楼栋长、物业、自治组织、驻地单位和居民共同协商片区事务。]
    五和新村环境卫生综合提升: [station, 外来人口聚集，垃圾收集点不足、清运不及时，楼道卫生差。]
    出租屋消防安全与电动车充电: [resident, 电动车入楼充电、出租屋消防设施不全，存在火灾隐患。]
  meetings:
    - title: 五和新村事务协商委员会成立暨第一次会议
      at: "2018-12-20 19:30"
      topics: [建立事务协商议事规则, 五和新村环境卫生综合提升]
      on_leave: [10]
      minutes: 五和新村党支部书记主持。全市首个“外卖地”辖区事务协商委员会成立，审议通过议事规则和环境卫生综合提升方案。
      motions:
        - text: 通过《五和新村事务协商委员会议事规则》：每月召开一次协商会议，议题经党支部审核后列入议程
          votes: [9, 0, 1]
          actions:
            - [在党群服务站公示议事规则, 五和新村党支部, 2019-01-10, [[2019-01-08, 100, 已在党群服务站和各楼栋公示]]]
        - text: 实施环境卫生综合提升：增设垃圾收集点4处，清运由每日一次增至两次，楼栋长包干楼道卫生
          votes: [8, 1, 1]
          topic: 1
          actions:
            - [增设垃圾收集点4处，清运每日两次, 五和新村物业管理处, 2019-03-31,
               [[2019-02-15, 50, 已增设2处收集点], [2019-03-25, 100, 4处收集点全部启用，清运每日两次]]]
            - [楼栋长包干楼道卫生责任区, 五和新村楼栋长服务站, 2019-01-31, [[2019-01-28, 100, 各楼栋责任区已落实到人]]]
    - title: 五和新村出租屋消防安全专题协商会
      at: "2019-06-18 19:30"
      topics: [出租屋消防安全与电动车充电]
      absent: [9]
      on_leave: [6]
      minutes: 审议出租屋消防安全和电动车充电问题，通过集中充电点建设方案；收费停车场动议未获通过，另行征求居民意见。
      motions:
        - text: 建设电动自行车集中充电点2处，禁止电动车入楼充电；楼栋长配合逐栋开展出租屋消防安全检查
          votes: [7, 1, 1]
          actions:
            - [建设电动自行车集中充电点2处, 五和新村党支部, 2019-09-30,
               [[2019-08-10, 60, 1号充电点已投入使用], [2019-09-20, 100, 2处充电点均已投入使用]]]
            - [出租屋逐栋消防安全检查, 五和新村楼栋长服务站, 2019-08-31, [[2019-08-28, 100, 已检查出租屋全部楼栋，隐患整改完毕]]]
        - {text: 在村口空地设置收费停车场, votes: [3, 5, 1], topic: null}

- place: city-plaza
  branch: city-plaza-zb
  kind: consultation_committee
  name: 城市广场小区事务协商委员会
  since: 2018-09-01
  venue: 城市广场党群服务站
  seats:
    - [branch, "member:0", 城市广场党支部]
    - [owners_committee, 刘淑芬, 城市广场业主委员会]
    - [property_company, 陈志明, 城市广场物业服务中心]
    - [party_member_rep, "member:2", ""]
    - [party_member_rep, "member:3", ""]
    - [resident_rep, "user:member", ""]
    - [resident_rep, 王秀兰, ""]
    - [resident_rep, 张建华, ""]
  medical_topic: 推动在小区配套用房建设城广社康中心，解决困扰居民5年的就医难问题
  topics:
    推动在小区配套用房建设城广社康中心，解决困扰居民5年的就医难问题: [resident, ""]
    小区噪音扰民治理: [resident, 商铺KTV外放、装修电钻、广场舞音响扰民。]
    垃圾清运与装修垃圾堆放: [resident, 收集点满溢、清运不及时，装修垃圾长期占用车位。]
    物业收费与设施维保公开: [resident, 停车收费标准未公示，电梯经常停运。]
  meetings:
    - title: 城市广场小区事务协商委员会第一次会议
      at: "2018-09-20 19:30"
      topics: [小区噪音扰民治理, 垃圾清运与装修垃圾堆放]
      minutes: 小区党支部书记主持，业委会、物业、党员代表和居民代表到会，协商解决噪音扰民和垃圾清运问题。
      motions:
        - text: 制定《城市广场文明公约》：装修作业限工作日8:00-12:00、14:00-18:00，广场舞晚9点前结束并控制音量，临街商铺晚10点后不得外放音响
          votes: [7, 0, 1]
          actions:
            - [文明公约张贴各楼栋并在业主群公示, 城市广场党支部, 2018-10-10, [[2018-10-08, 100, 已张贴公示]]]
        - text: 北门等收集点垃圾清运每日两次，各楼栋设装修垃圾集中堆放点、每周清运
          votes: [8, 0, 0]
          topic: 1
          actions:
            - [调整清运频次，设置装修垃圾堆放点, 城市广场物业服务中心, 2018-10-31, [[2018-10-20, 100, 已落实]]]
    - title: 城市广场小区事务协商委员会第二次会议
      at: "2018-11-22 19:30"
      topics: [物业收费与设施维保公开]
      on_leave: [7]
      minutes: 审议物业收费和设施维保公开；加装健身器材占用绿地的动议未获通过。
      motions:
        - text: 物业每月在公告栏和业主群公示停车收费标准及依据、电梯维保记录
          votes: [7, 0, 0]
          actions:
            - [按月公示停车收费和电梯维保记录, 城市广场物业服务中心, 2018-12-31, [[2018-12-27, 100, 已开始按月公示]]]
        - {text: 占用中心花园部分绿地加装健身器材, votes: [3, 3, 1], topic: null}
    - title: 城市广场小区事务协商委员会第三次会议（就医难问题专题）
      at: "2019-01-24 19:30"
      topics: [推动在小区配套用房建设城广社康中心，解决困扰居民5年的就医难问题]
      minutes: 协调社区党委、物业、居民代表共同研究困扰小区居民5年的就医难问题，决定推动城广社康中心建设。
      motions:
        - text: 由小区党支部牵头，协调社区党委、卫生健康部门和物业，落实小区配套用房作为社康中心用址，推动城广社康中心建设
          votes: [8, 0, 0]
          resolution: 推动城广社康中心建设
          medical: true
          actions:
            - [落实小区配套用房作为社康中心用址, 城市广场物业服务中心, 2019-03-31, [[2019-03-20, 100, 配套用房已腾退，确定为社康中心用址]]]
            - [协调卫生健康部门立项，启动城广社康中心建设, 城市广场党支部, 2019-04-30,
               [[2019-02-28, 30, 社区党委已向卫生健康部门报送选址], [2019-04-26, 100, 城广社康中心顺利投入建设]]]
  upcoming:
    topic: 电动自行车集中充电棚建设
    description: 电动自行车停放充电无序，存在消防隐患，希望在小区内建设集中充电棚。
    title: 城市广场小区事务协商委员会例会

- place: dagangkan
  branch: dagangkan-zb
  kind: joint_meeting
  name: 大光勘居民小组党群联席会议
  since: 2018-10-20
  venue: 大光勘党群服务站
  seats:
    - [branch, "user:dgk", 大光勘居民小组党支部]
    - [company, 钟建国, 大光勘股份合作公司]
    - [party_member_rep, "member:2", ""]
    - [party_member_rep, "member:3", ""]
    - [resident_rep, 曾桂英, ""]
    - [resident_rep, 赖国平, ""]
    - [resident_rep, 邱丽, ""]
    - [self_governing_org, 叶明, 大光勘客家文化促进会]
  topics:
    2018年度集体经济收益分配: [member, 集体经济营收预计约2800万元，研究收益分配方案。]
    集体物业出租管理: [station, 部分集体物业租赁合同到期，租金收取和公开不规范。]
  meetings:
    - title: 大光勘居民小组党群联席会议（集体资产专题）
      at: "2018-12-18 19:30"
      topics: [2018年度集体经济收益分配, 集体物业出租管理]
      absent: [6]
      minutes: 曾拥军主持。研究集体资产、资金、资源的管理处置：收益分配方案提交股东代表大会表决，集体物业公开招租。
      motions:
        - text: 审议2018年度收益分配方案：集体经济营收约2800万元，每股分红约8.1万元，提交股东代表大会表决
          votes: [6, 0, 1]
          actions:
            - [分配方案提交股东代表大会表决并公示结果, 大光勘股份合作公司, 2019-01-31, [[2019-01-20, 100, 股东代表大会表决通过，结果已公示]]]
        - text: 集体物业对外出租一律公开招租，租金纳入公司账户统一管理、每季度公示
          votes: [7, 0, 0]
          topic: 1
          rule: two_thirds
          actions:
            - [清理集体物业租赁合同，公开招租, 大光勘股份合作公司, 2019-06-30,
               [[2019-03-31, 50, 已清理合同23份], [2019-06-20, 100, 到期物业全部公开招租]]]
""")


def _day(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


# A sitting's timetable: motion n (from 0) is put MOTION_EVERY·n + MOTION_AFTER after the opening, the
# votes are given VOTE_AFTER later, the vote closes CLOSE_AFTER after the motion was put and the
# resolution is adopted a minute later; the meeting closes when a next motion would have been put.
MOTION_EVERY = datetime.timedelta(minutes=20)
MOTION_AFTER = datetime.timedelta(minutes=5)
VOTE_AFTER = datetime.timedelta(minutes=5)
CLOSE_AFTER = datetime.timedelta(minutes=10)
MINUTE = datetime.timedelta(minutes=1)


def _at(value) -> datetime.datetime:
    if isinstance(value, datetime.date):
        value = f"{value.isoformat()} 17:00"
    return timezone.make_aware(datetime.datetime.strptime(value, "%Y-%m-%d %H:%M"))


def _holder(spec: str, members: list[Member]) -> dict[str, Any]:
    if spec.startswith("member:"):
        index = int(spec.split(":")[1])
        return {"member": members[index]} if index < len(members) else {"holder_name": "党员代表"}
    if spec.startswith("user:"):
        user = User.objects.filter(username=spec.split(":")[1]).first()
        if user is None:
            return {"holder_name": "居民代表"}
        member = next((m for m in members if m.name == user.display_name), None)
        return {"user": user, **({"member": member} if member else {})}
    return {"holder_name": spec}


def _published(mp: dict, meeting: Meeting) -> datetime.datetime:
    """When the motion's resolution was published: the plan's day, or the day after the meeting."""
    if mp.get("published"):
        return _at(mp["published"])
    return _at(timezone.localdate(meeting.scheduled_at) + datetime.timedelta(days=1))


def _hold(committee: Committee, seats: list[Seat], topics: dict[str, Topic], plan: dict, venue: str) -> list:
    """One sitting from schedule to close, at its historical moments; returns the resolutions adopted,
    each with its motion's plan and when it is published."""
    held = _at(plan["at"])
    meeting = s.meeting_schedule(
        by=None,
        committee=committee,
        title=plan["title"],
        scheduled_at=held,
        venue=venue,
        topics=[topics[t] for t in plan["topics"]],
    )
    on_leave = set(plan.get("on_leave", ()))
    away = set(plan.get("absent", ())) | on_leave
    for i, seat in enumerate(seats):
        s.attendance_record(
            by=None, meeting=meeting, seat=seat, present=i not in away, on_leave=i in on_leave
        )
    s.meeting_open(by=None, meeting=meeting, at=held)
    present = [seat for i, seat in enumerate(seats) if i not in away]
    items = list(meeting.agenda_items.order_by("order"))
    adopted = []
    for n, mp in enumerate(plan["motions"]):
        index = mp.get("topic", 0)
        item = items[index] if index is not None else None
        put = held + MOTION_EVERY * n + MOTION_AFTER
        motion = s.motion_open(
            by=None, meeting=meeting, text=mp["text"], agenda_item=item, rule=mp.get("rule"), at=put
        )
        votes_for, against, abstain = mp["votes"]
        choices = ["for"] * votes_for + ["against"] * against + ["abstain"] * abstain
        for seat, choice in zip(present, choices, strict=False):
            s.vote_record(by=None, motion=motion, seat=seat, choice=choice, at=put + VOTE_AFTER)
        motion = s.motion_close(by=None, motion=motion, at=put + CLOSE_AFTER)
        if motion.result == MotionResult.PASSED:
            resolution = s.resolution_adopt(
                by=None, motion=motion, text=mp.get("resolution", ""), at=put + CLOSE_AFTER + MINUTE
            )
            adopted.append((resolution, mp, _published(mp, meeting)))
    closing = held + MOTION_EVERY * len(plan["motions"]) + MOTION_AFTER  # when a next motion would be put
    s.meeting_close(by=None, meeting=meeting, minutes=plan["minutes"], at=closing)
    return adopted


def _carry_out(resolution: Resolution, mp: dict, published: datetime.datetime) -> list[ActionItem]:
    """The resolution's actions, reported on at their historical dates until done; and its publication."""
    actions = []
    for title, owner, deadline, updates in mp.get("actions", ()):
        action = s.action_add(
            by=None, resolution=resolution, title=title, deadline=_day(deadline), owner_name=owner
        )
        for day, progress, note in updates:
            action = s.action_update(
                by=None,
                action=action,
                progress=progress,
                note=note,
                resolve_demands=progress == 100,
                at=_at(day),
            )
        actions.append(action)
    s.resolution_publish(by=None, resolution=resolution, at=published)
    return actions


def _medical_demand(place: Place) -> Demand | None:
    """The demand demo's five-year medical problem of 城市广场, put on this committee's agenda by name."""
    return (
        Demand.objects.filter(
            place_path__startswith=place.path, agenda_ref=MEDICAL_AGENDA_REF, category__code="medical"
        )
        .order_by("created_at")
        .first()
    )


def _topics(committee: Committee, plan: dict, medical: Demand | None) -> dict[str, Topic]:
    """The committee's topics, raised and accepted on the day it was set up; the medical one carries the
    demand."""
    since = _at(_day(plan["since"]))
    topics = {}
    for title, (source, description) in plan["topics"].items():
        is_medical = medical is not None and title == plan.get("medical_topic")
        topic = s.topic_raise(
            by=None,
            committee=committee,
            title=title,
            description=medical.description if is_medical else description,
            source=source,
            at=since,
        )
        topics[title] = s.topic_screen(by=None, topic=topic, decision="accepted", at=since)
        if is_medical:
            topics[title] = s.topic_link_demand(by=None, topic=topics[title], demand=medical)
    return topics


def _load(plan: dict, log: Callable[[str], None]) -> Committee | None:
    place = Place.objects.filter(code=plan["place"]).first()
    branch = PartyOrg.objects.filter(code=plan["branch"]).first()
    if place is None or branch is None:
        log(f"  {plan['name']}: no place {plan['place']} or branch {plan['branch']}; skipped.")
        return None
    if Committee.objects.filter(place=place, kind=plan["kind"]).exists():
        log(f"  {plan['name']}: already loaded.")
        return None
    committee = s.committee_create(by=None, kind=plan["kind"], name=plan["name"], place=place, branch=branch)
    members = list(Member.objects.filter(branch=branch).order_by("pk")[:4])
    seats = [
        s.seat_assign(
            by=None,
            committee=committee,
            stakeholder=stakeholder,
            since=_day(plan["since"]),
            organisation=org,
            **_holder(holder, members),
        )
        for stakeholder, holder, org in plan["seats"]
    ]
    medical = _medical_demand(place) if plan.get("medical_topic") else None
    topics = _topics(committee, plan, medical)
    for meeting in plan["meetings"]:
        for resolution, mp, published in _hold(committee, seats, topics, meeting, plan["venue"]):
            actions = _carry_out(resolution, mp, published)
            if mp.get("medical") and medical is not None:
                _credit(actions[-1], medical)
    log(f"  {plan['name']}: {len(seats)} seats, {len(plan['meetings'])} meetings.")
    return committee


def _credit(action: ActionItem, demand: Demand) -> None:
    """Count the medical demand among those the action resolved, unless the action resolved it itself
    (when the demand was still open as the demo loaded) or it was not resolved at all."""
    demand.refresh_from_db(fields=["status"])
    if demand.status in DONE_STATES and not action.demands_resolved.filter(pk=demand.pk).exists():
        s.action_link_demand(by=None, action=action, demand=demand)


def _upcoming(committee: Committee, plan: dict) -> Meeting:
    """A meeting next week on a topic a member raised, with the notice sent: the member's page shows it."""
    upcoming = plan["upcoming"]
    seat = Seat.objects.filter(committee=committee, user__isnull=False).select_related("user").first()
    topic = s.topic_raise(
        by=seat.user if seat else None,
        committee=committee,
        title=upcoming["topic"],
        description=upcoming["description"],
        source="resident",
    )
    topic = s.topic_screen(by=None, topic=topic, decision="accepted")
    day = timezone.localdate() + datetime.timedelta(days=7)
    when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(19, 30)))
    meeting = s.meeting_schedule(
        by=None,
        committee=committee,
        title=upcoming["title"],
        scheduled_at=when,
        venue=plan["venue"],
        mode="both",
        topics=[topic],
    )
    return s.meeting_send_notice(by=None, meeting=meeting)


def _settle_notifications(after_pk: int) -> None:
    """What the load told people about 2018–2019 is old news: mark it read."""
    news = Notification.objects.filter(pk__gt=after_pk, recipient__isnull=False, read_at__isnull=True)
    for notification in news.select_related("recipient").order_by("pk"):
        notification_mark_read(by=notification.recipient, notification=notification)


@transaction.atomic
def load_deliberation(log: Callable[[str], None] = print) -> int:
    """The demo committees, their meetings and what came of them. Returns how many committees were made."""
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    made = [(plan, c) for plan in PLANS if (c := _load(plan, log)) is not None]
    _settle_notifications(last)
    for plan, committee in made:
        if plan.get("upcoming"):
            _upcoming(committee, plan)
    log(f"Loaded {len(made)} consultation committees and joint meetings.")
    return len(made)

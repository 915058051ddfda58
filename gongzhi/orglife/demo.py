"""Demo organisational life: a record history for every branch with members, through the services.

Deterministic: each branch draws from its own `random.Random` seeded with its code, and the only input
that moves is today's date, where the history ends. Most branches meet every quota; about a third skip a
few months (and a few of those the last completed month, so the workbench alert has something to show).
城市广场's branch (founded 2018-08-01) holds its themed party day every month, so the article's "6 themed
party days since the branch was set up" (to the end of January 2019) comes out of the records.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from gongzhi.members.models import Member, Post, PostTitle
from gongzhi.orglife.models import LifeRecord
from gongzhi.orglife.rules import FREQUENCY, Frequency, Grade, LifeType, last_completed, periods_between
from gongzhi.orglife.selectors import BRANCH_KINDS, party_groups
from gongzhi.orglife.services import life_record_create
from gongzhi.party.models import PartyOrg

HISTORY_FROM = datetime.date(2018, 1, 1)
# Article figure: 城市广场's branch holds its themed party day every month from its founding to January 2019.
ARTICLE_WINDOW = ("city-plaza-zb", datetime.date(2018, 8, 1), datetime.date(2019, 1, 31))
# 五和新村's branch skips last month's themed day, so the 五和 demo account sees the alert on its workbench.
SHOWCASE_GAP = "wuhe-xincun-zb"

TOPICS = {
    LifeType.COMMITTEE_MEETING: [
        "研究部署本月党建工作",
        "讨论发展党员和入党积极分子培养",
        "研究党费收缴和党员管理",
        "研究居民诉求办理情况",
        "研究事务协商委员会议题",
        "研究主题党日活动安排",
    ],
    LifeType.GROUP_MEETING: ["学习党章党规", "交流思想，开展批评与自我批评", "讨论本组党员志愿服务安排"],
    LifeType.THEMED_DAY: [
        "重温入党誓词",
        "党员志愿服务：小区环境整治",
        "走访慰问困难党员和老党员",
        "垃圾分类宣传进楼栋",
        "消防安全隐患排查",
        "学习党史，参观红色教育基地",
        "文明城市创建志愿服务",
    ],
    LifeType.GENERAL_MEETING: [
        "审议支部季度工作报告",
        "讨论接收预备党员",
        "通报党费收缴情况，审议支部工作计划",
        "学习上级党组织文件精神",
    ],
    LifeType.LECTURE: [
        "书记讲党课：发挥党员先锋模范作用",
        "党课：党建引领基层治理",
        "党课：党员如何服务群众",
        "党课：学习新修订的《中国共产党支部工作条例》",
    ],
}


def _eligible(members: list[Member], day: datetime.date) -> list[Member]:
    return [m for m in members if m.joined_on <= day and (m.left_on is None or m.left_on > day)]


def _day_in(
    rng: random.Random, start: datetime.date, end: datetime.date, first: int, last: int
) -> datetime.date:
    """A day between the `first` and `last` day of the month of `start` (clamped to the period)."""
    day = start.replace(day=min(rng.randint(first, last), 28))
    return min(max(day, start), end)


def _topic(rng: random.Random, kind: str, day: datetime.date) -> str:
    if kind == LifeType.LIFE_MEETING:
        return f"{day.year}年度组织生活会：对照检查，开展批评与自我批评"
    if kind == LifeType.APPRAISAL:
        return f"{day.year}年度民主评议党员"
    return rng.choice(TOPICS[kind])


class _BranchHistory:
    """The plan of one branch's records: which periods, which days, who came."""

    def __init__(self, branch: PartyOrg, members: list[Member], today: datetime.date):
        self.branch = branch
        self.members = members
        self.today = today
        self.rng = random.Random(f"orglife:{branch.code}")
        self.start = max(HISTORY_FROM, branch.established_on or HISTORY_FROM)
        self.themed_day = self.rng.choice((5, 10, 15, 20, 25))  # a fixed day each month
        secretary = Post.objects.filter(org=branch, title=PostTitle.SECRETARY).order_by("-since").first()
        self.chair = secretary.member if secretary else (members[0] if members else None)
        self.skipped = self._gaps()
        self.location = f"{branch.place.name}党群服务站"

    def _gaps(self) -> set[tuple[str, str]]:
        """A few missed months in about a third of the branches, never inside the article's window."""
        if self.branch.code == SHOWCASE_GAP:
            return {(LifeType.THEMED_DAY, last_completed(Frequency.MONTHLY, self.today).label)}
        if self.rng.random() >= 0.35:
            return set()
        months = periods_between(Frequency.MONTHLY, self.start, self.today)[:-1]
        gaps: set[tuple[str, str]] = set()
        for _ in range(self.rng.randint(2, 5)):
            if months:
                gaps.add(
                    (
                        self.rng.choice((LifeType.COMMITTEE_MEETING, LifeType.THEMED_DAY)),
                        self.rng.choice(months).label,
                    )
                )
        if self.rng.random() < 0.4:
            gaps.add((LifeType.THEMED_DAY, last_completed(Frequency.MONTHLY, self.today).label))
        code, since, until = ARTICLE_WINDOW
        if self.branch.code == code:
            gaps = {
                (k, label)
                for k, label in gaps
                if not since.strftime("%Y-%m") <= label <= until.strftime("%Y-%m")
            }
        return gaps

    def _when(self, kind: str, start: datetime.date, end: datetime.date) -> datetime.date:
        rng = self.rng
        if kind == LifeType.THEMED_DAY:
            return _day_in(rng, start, end, self.themed_day, self.themed_day)
        if kind == LifeType.COMMITTEE_MEETING:
            return _day_in(rng, start, end, 2, 9)
        if kind == LifeType.GROUP_MEETING:
            return _day_in(rng, start, end, 11, 18)
        if kind == LifeType.GENERAL_MEETING:
            return _day_in(rng, start.replace(month=start.month + 2), end, 18, 26)
        if kind == LifeType.LECTURE:
            return _day_in(rng, start.replace(month=start.month + rng.randint(0, 2)), end, 8, 16)
        return _day_in(rng, start.replace(month=12), end, 10, 24)  # yearly: in December

    def _attendance(
        self, org: PartyOrg, day: datetime.date, thin: bool
    ) -> tuple[list[Member], list[Member], int]:
        people = [m for m in self.members if m.group_id == org.pk] if org.pk != self.branch.pk else []
        eligible = _eligible(people or self.members, day)
        share = self.rng.uniform(0.3, 0.45) if thin else self.rng.uniform(0.75, 1.0)
        attendees = self.rng.sample(eligible, max(1, round(len(eligible) * share))) if eligible else []
        if self.chair in eligible and self.chair not in attendees and not thin:
            attendees[0] = self.chair
        rest = [m for m in eligible if m not in attendees]
        on_leave = self.rng.sample(rest, min(len(rest), self.rng.randint(0, 2)))
        return attendees, on_leave, len(eligible)

    def records(self, org: PartyOrg, kinds: list[str]):
        """(org, kind, day, attendees, on_leave, expected, grades) for every planned record of `org`."""
        first = max(self.start, org.established_on or self.start)
        for kind in kinds:
            for period in periods_between(FREQUENCY[kind], first, self.today):
                if (kind, period.label) in self.skipped:
                    continue
                day = self._when(kind, period.start, period.end)
                if day < first or day > self.today:
                    continue
                thin = kind == LifeType.GENERAL_MEETING and bool(self.skipped) and self.rng.random() < 0.05
                attendees, on_leave, expected = self._attendance(org, day, thin)
                if not attendees:
                    continue
                grades = {}
                if kind == LifeType.APPRAISAL:
                    weights = (
                        Grade.EXCELLENT,
                        Grade.QUALIFIED,
                        Grade.QUALIFIED,
                        Grade.QUALIFIED,
                        Grade.QUALIFIED,
                    )
                    grades = {m: self.rng.choice(weights) for m in attendees}
                    if self.rng.random() < 0.1:
                        grades[attendees[-1]] = Grade.BASICALLY_QUALIFIED
                yield org, kind, day, attendees, on_leave, expected, grades


@transaction.atomic
def load_life(log: Callable[[str], None] = print) -> int:
    """Records for every active branch with members; skipped when any record exists. Returns how many."""
    if LifeRecord.objects.exists():
        log("Organisational life already loaded: nothing changed.")
        return 0
    today = timezone.localdate()
    branches = (
        PartyOrg.objects.filter(kind__in=BRANCH_KINDS, members__isnull=False, dissolved_on__isnull=True)
        .distinct()
        .select_related("place")
        .order_by("code")
    )
    created = 0
    for branch in branches:
        members = list(branch.members.order_by("pinyin", "id"))
        history = _BranchHistory(branch, members, today)
        units = [(branch, [k for k in FREQUENCY if k != LifeType.GROUP_MEETING])]
        units += [
            (g, [LifeType.GROUP_MEETING]) for g in party_groups(branch).filter(dissolved_on__isnull=True)
        ]
        count = 0
        for unit, kinds in units:
            for org, kind, day, attendees, on_leave, expected, grades in history.records(unit, kinds):
                chair = history.chair if history.chair in attendees else attendees[0]
                note_taker = next((m for m in attendees if m != chair), None)
                life_record_create(
                    by=None,
                    org=org,
                    type=kind,
                    held_on=day,
                    topic=_topic(history.rng, kind, day),
                    location=history.location,
                    chair=chair,
                    note_taker=note_taker,
                    expected=expected,
                    attendees=attendees,
                    on_leave=on_leave,
                    grades=grades,
                )
                count += 1
        log(f"  {branch.name}: {count} records")
        created += count
    log(f"Loaded {created} organisational life records.")
    return created

"""Demo collective economy for the Bantian demo: companies, their yearly figures and "四议两公开" decisions,
all written through the services.

The article's figures for 大光勘 are records here, not constants of any report: in 2018 revenue of
28,000,000 yuan ("约2800万元"), and a dividend per shareholder that grew from 2,000 yuan in 2004 to
81,000 yuan in 2018 ("约8.1万元", recorded as exactly 81,000). Each demo shareholder holds one share, so
the dividend per share is the dividend per shareholder. Every other figure is illustrative: a smooth,
monotone rise between the two dividend figures, revenue that is mostly rent (so a high margin), a
shareholder roll that grows slowly, and other companies with smaller figures.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.collective.models import Company, Step, Subject
from gongzhi.collective.services import (
    company_create,
    company_year_record,
    decision_propose,
    decision_record_step,
)
from gongzhi.members.models import Member
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place

# 大光勘: dividend per shareholder (yuan) and revenue (10,000 yuan) by year; 2004 and 2018 from the article.
DAGANGKAN_DIVIDEND = {
    2004: 2_000,
    2005: 2_600,
    2006: 3_300,
    2007: 4_500,
    2008: 5_600,
    2009: 7_000,
    2010: 9_200,
    2011: 12_000,
    2012: 16_500,
    2013: 21_000,
    2014: 28_000,
    2015: 36_000,
    2016: 47_000,
    2017: 62_000,
    2018: 81_000,
}
DAGANGKAN_REVENUE_WAN = {
    2004: 150,
    2005: 185,
    2006: 230,
    2007: 290,
    2008: 350,
    2009: 420,
    2010: 520,
    2011: 650,
    2012: 820,
    2013: 1_000,
    2014: 1_250,
    2015: 1_520,
    2016: 1_850,
    2017: 2_300,
    2018: 2_800,
}
# Other companies: (place code, company name, chairman, shareholders, revenue 2014 in yuan, dividend 2014).
OTHERS = [
    ("guangyayuan", "光雅园股份合作公司", "", 168, 5_200_000, 9_000),
    ("shangxue", "上雪股份合作公司", "", 412, 8_600_000, 7_500),
    ("nankeng-xiaozu", "南坑股份合作公司", "", 305, 6_100_000, 6_000),
]
YUAN = Decimal("1")


def _yuan(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(YUAN, rounding=ROUND_HALF_UP)


def _hundred(value: float) -> int:
    return round(value / 100.0) * 100


def _branch(place: Place) -> PartyOrg | None:
    return PartyOrg.objects.filter(code=f"{place.code}-zb", dissolved_on__isnull=True).first()


def _secretary(branch: PartyOrg | None) -> Member | None:
    if branch is None:
        return None
    post = branch.posts.filter(title="secretary", until__isnull=True).select_related("member").first()
    return post.member if post else None


def _dagangkan_years(last_year: int) -> list[dict]:
    """2004–2018 from the tables; after 2018 slower growth, with 2020's rent relief (减免租金) a dip."""
    rows = []
    revenue, dividend = Decimal(0), 0
    for year in range(2004, last_year + 1):
        if year in DAGANGKAN_DIVIDEND:
            revenue, dividend = Decimal(DAGANGKAN_REVENUE_WAN[year] * 10_000), DAGANGKAN_DIVIDEND[year]
        elif year == 2020:
            revenue = _yuan(revenue * Decimal("0.94"))
        else:
            revenue, dividend = _yuan(revenue * Decimal("1.03")), _hundred(dividend * 1.02)
        shareholders = 238 + min(year, 2018) - 2004
        margin = Decimal("0.45") + Decimal("0.32") * Decimal(min(year, 2018) - 2004) / 14
        rows.append(
            {
                "year": year,
                "shareholders": shareholders,
                "revenue": revenue,
                "profit": _yuan(revenue * margin),
                "dividend_per_share": Decimal(dividend),
                "note": "约8.1万元/股民；营收约2800万元" if year == 2018 else "",
            }
        )
    return rows


def _other_years(rng: random.Random, shareholders: int, revenue: int, dividend: int, last_year: int) -> list:
    rows = []
    for year in range(2014, last_year + 1):
        rows.append(
            {
                "year": year,
                "shareholders": shareholders,
                "revenue": _yuan(revenue),
                "profit": _yuan(revenue * rng.uniform(0.5, 0.62)),
                "dividend_per_share": Decimal(dividend),
            }
        )
        revenue = revenue * rng.uniform(1.03, 1.09)
        dividend = _hundred(dividend * rng.uniform(1.04, 1.1))
    return rows


def _dagangkan_decision(company: Company) -> None:
    """Leasing the collective building: all six steps, November 2018 to March 2019."""
    decision = decision_propose(
        by=None,
        company=company,
        title="大光勘综合楼公开招租",
        subject=Subject.ASSET,
        amount=Decimal("1860000"),
        description="集体所有的大光勘综合楼原租约到期，拟通过公开招租整体出租，租期五年，底价年租金180万元。",
        held_on=datetime.date(2018, 11, 5),
        note="支部委员会研究后提出招租方案。",
    )
    steps = [
        (
            Step.COMMITTEES_DISCUSSION,
            datetime.date(2018, 11, 12),
            {"present": 9, "entitled": 9},
            "党支部委员会与股份合作公司董事会联席商议，同意提交党员大会审议。",
        ),
        (
            Step.MEMBERS_REVIEW,
            datetime.date(2018, 11, 20),
            {"present": 11, "entitled": 12},
            "党员大会审议通过招租方案。",
        ),
        (
            Step.SHAREHOLDERS_DECISION,
            datetime.date(2018, 12, 2),
            {"present": 41, "entitled": 45, "votes_for": 38, "votes_against": 2, "votes_abstain": 1},
            "股东代表大会表决通过。",
        ),
        (
            Step.DECISION_PUBLISHED,
            datetime.date(2018, 12, 5),
            {},
            "决议在居民小组公开栏和公司公告栏公示7天，无异议。",
        ),
        (
            Step.RESULT_PUBLISHED,
            datetime.date(2019, 3, 20),
            {},
            "经公开招租，年租金186万元，租赁合同已签订，结果已公示。",
        ),
    ]
    for step, day, figures, note in steps:
        decision_record_step(by=None, decision=decision, step=step, held_on=day, note=note, **figures)


def _open_decision(company: Company, today: datetime.date) -> None:
    """Repairing roads with collective funds: discussed and reviewed, the shareholders yet to decide."""
    decision = decision_propose(
        by=None,
        company=company,
        title="使用集体资金修缮村内道路和排水设施",
        subject=Subject.FUND,
        amount=Decimal("1200000"),
        description="村内主干道破损、雨季积水，拟使用集体资金修缮道路并改造排水管网。",
        held_on=today - datetime.timedelta(days=40),
    )
    decision_record_step(
        by=None,
        decision=decision,
        step=Step.COMMITTEES_DISCUSSION,
        held_on=today - datetime.timedelta(days=33),
        present=7,
        entitled=8,
    )
    decision_record_step(
        by=None,
        decision=decision,
        step=Step.MEMBERS_REVIEW,
        held_on=today - datetime.timedelta(days=21),
        present=10,
        entitled=11,
    )


@transaction.atomic
def load_collective(log: Callable[[str], None] = print) -> int:
    """Companies with their years and two decisions; skipped when any company exists. Returns companies made."""
    if Company.objects.exists():
        log("Collective economy already loaded: nothing changed.")
        return 0
    places = Place.objects.in_bulk([code for code, *_rest in OTHERS] + ["dagangkan"], field_name="code")
    if "dagangkan" not in places:
        log("No 大光勘 resident group: load the Bantian demo territory first.")
        return 0
    today = timezone.localdate()
    last_year = today.year - 1
    dagangkan = places["dagangkan"]
    branch = _branch(dagangkan)
    zeng = Member.objects.filter(name="曾拥军", branch=branch).first() if branch else None
    company = company_create(
        by=None,
        code="dagangkan-company",
        name="大光勘股份合作公司",
        resident_group=dagangkan,
        branch=branch,
        chairman="曾拥军",
        chairman_member=zeng,
        registered_on=datetime.date(1993, 6, 1),
    )
    for row in _dagangkan_years(last_year):
        company_year_record(by=None, company=company, **row)
    _dagangkan_decision(company)
    made = 1
    for code, name, chairman, shareholders, revenue, dividend in OTHERS:
        place = places.get(code)
        if place is None:
            continue
        other_branch = _branch(place)
        secretary = _secretary(other_branch)
        other = company_create(
            by=None,
            code=f"{code}-company",
            name=name,
            resident_group=place,
            branch=other_branch,
            chairman=chairman or (secretary.name if secretary else ""),
            chairman_member=secretary,
            registered_on=datetime.date(1993, 6, 1),
        )
        for row in _other_years(random.Random(code), shareholders, revenue, dividend, last_year):
            company_year_record(by=None, company=other, **row)
        if code == "guangyayuan":
            _open_decision(other, today)
        made += 1
    log(f"Loaded {made} joint-stock cooperative companies and their figures by year.")
    return made

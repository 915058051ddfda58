"""Demo members for every branch of the Bantian demo, with the posts the article names.

Names and numbers are generated (deterministically, from each branch's code): they are not real people,
except 曾拥军, whose posts the article describes.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.db import transaction

from gongzhi.core.pii import id_number_check_char
from gongzhi.members.models import Member, OutsideTitle, PostTitle
from gongzhi.members.services import member_create, outside_post_add, post_appoint
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.territory.models import PlaceKind

SURNAMES = "曾李王张陈刘黄吴林何郭罗叶钟赖邱杨周谢邓徐朱彭廖"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海燕"
EDUCATION = ["bachelor", "college", "high_school", "secondary", "junior", "postgraduate"]


def _id_number(rng: random.Random, birth: datetime.date) -> str:
    first17 = f"440307{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_number_check_char(first17)


def _person(rng: random.Random, branch: PartyOrg, name: str | None = None, **extra) -> dict:
    birth = datetime.date(rng.randint(1950, 1995), rng.randint(1, 12), rng.randint(1, 28))
    joined = datetime.date(max(birth.year + 20, 1975) + rng.randint(0, 20), rng.randint(1, 12), 1)
    joined = min(joined, datetime.date(2017, 7, 1))
    data = {
        "name": name or rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "gender": rng.choice(["male", "female"]),
        "ethnicity": "汉族",
        "birth_date": birth,
        "id_number": _id_number(rng, birth),
        "phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
        "education": rng.choice(EDUCATION),
        "joined_on": joined,
        "status": "full",
        "full_on": joined + datetime.timedelta(days=366),
        "home_place": branch.place,
        "is_owner": branch.place.kind == PlaceKind.GARDEN_ESTATE and rng.random() < 0.7,
        "employer": rng.choice(["", "华为技术有限公司", "股份合作公司", "社区工作站", "个体经营", "退休"]),
    }
    data.update(extra)
    return data


@transaction.atomic
def load_members(log: Callable[[str], None] = print) -> int:
    """Members and secretaries for every active branch; skipped when the register already has members."""
    if Member.objects.exists():
        log("Members already loaded: nothing changed.")
        return 0
    branches = PartyOrg.objects.filter(kind=OrgKind.BRANCH, dissolved_on__isnull=True).select_related(
        "place", "parent"
    )
    created = 0
    for branch in branches:
        rng = random.Random(branch.code)
        since = branch.established_on or datetime.date(2018, 1, 1)
        if branch.code == "dagangkan-zb":
            secretary = _load_zeng_yongjun(branch, since)
        else:
            secretary = member_create(by=None, branch=branch, **_person(rng, branch, is_owner=True))
            post_appoint(by=None, org=branch, member=secretary, title=PostTitle.SECRETARY, since=since)
        members = [secretary]
        for _ in range(rng.randint(7, 14)):
            members.append(member_create(by=None, branch=branch, **_person(rng, branch)))
        post_appoint(by=None, org=branch, member=members[1], title=PostTitle.DEPUTY_SECRETARY, since=since)
        for member in members[2:4]:
            post_appoint(by=None, org=branch, member=member, title=PostTitle.COMMITTEE_MEMBER, since=since)
        created += len(members)
    log(f"Loaded {created} party members.")
    return created


def _load_zeng_yongjun(branch: PartyOrg, since: datetime.date) -> Member:
    """大光勘's secretary: also deputy secretary of the community committee, group leader and company chairman."""
    rng = random.Random("zeng-yongjun")
    zeng = member_create(
        by=None,
        branch=branch,
        **_person(
            rng,
            branch,
            name="曾拥军",
            gender="male",
            birth_date=datetime.date(1972, 3, 8),
            joined_on=datetime.date(1996, 7, 1),
            full_on=datetime.date(1997, 7, 1),
            employer="大光勘股份合作公司",
            is_owner=True,
        ),
    )
    post_appoint(by=None, org=branch, member=zeng, title=PostTitle.SECRETARY, since=since)
    community_committee = branch.parent
    if community_committee is not None:
        post_appoint(
            by=None, org=community_committee, member=zeng, title=PostTitle.DEPUTY_SECRETARY, since=since
        )
    outside_post_add(
        by=None,
        member=zeng,
        title=OutsideTitle.RESIDENT_GROUP_LEADER,
        organisation=branch.place.name,
        since=since,
    )
    outside_post_add(
        by=None,
        member=zeng,
        title=OutsideTitle.COMPANY_CHAIRMAN,
        organisation="大光勘股份合作公司",
        since=datetime.date(2011, 1, 1),
    )
    return zeng

"""Factories for tests. Writes in tests go through the services, like everywhere else."""

from __future__ import annotations

import datetime
import itertools

from gongzhi.accounts.models import User
from gongzhi.accounts.services import assignment_grant, user_create
from gongzhi.core.pii import id_number_check_char
from gongzhi.members.models import Member
from gongzhi.members.services import member_create
from gongzhi.party.models import PartyOrg
from gongzhi.party.services import OrgSpec, org_establish
from gongzhi.territory.models import Place, ServicePoint
from gongzhi.territory.services import place_create, service_point_create

_seq = itertools.count(1)
FOUNDED = datetime.date(2018, 9, 1)


def make_place(
    kind: str, parent: Place | None = None, name: str | None = None, code: str | None = None
) -> Place:
    n = next(_seq)
    return place_create(
        by=None,
        code=code or f"{kind.replace('_', '-')}-{n}",
        name=name or f"{kind}{n}",
        kind=kind,
        parent=parent,
    )


def make_point(
    place: Place, areas: list[Place], kind: str = "station", code: str | None = None
) -> ServicePoint:
    n = next(_seq)
    return service_point_create(
        by=None,
        code=code or f"point-{n}",
        name=f"{place.name}党群服务站{n}",
        kind=kind,
        place=place,
        areas=areas,
    )


def make_org(
    kind: str,
    place: Place,
    parent: PartyOrg | None = None,
    areas: list[Place] | None = None,
    name: str | None = None,
) -> PartyOrg:
    n = next(_seq)
    spec = OrgSpec(
        code=f"org-{n}",
        name=name or f"{place.name}党支部{n}",
        kind=kind,
        place=place,
        parent=parent,
        areas=areas or [],
    )
    return org_establish(by=None, spec=spec, on=FOUNDED)


def make_user(
    username: str, role: str | None = None, place: Place | None = None, password: str = "pw-for-tests-9"
) -> User:
    user = user_create(username=username, password=password, display_name=username, by=None)
    if role and place:
        assignment_grant(user=user, role=role, place=place, by=None)
    return user


def make_id_number(birth: datetime.date = datetime.date(1980, 5, 17), serial: int | None = None) -> str:
    """A valid 18-character ID number (Shenzhen region code 440307) with a correct check digit."""
    first17 = f"440307{birth:%Y%m%d}{(serial or next(_seq)) % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_member(branch: PartyOrg, name: str | None = None, **data) -> Member:
    n = next(_seq)
    # Adults born in the 1980s, whatever the sequence number has grown to in a long run.
    birth = data.pop("birth_date", datetime.date(1980, 1, 1) + datetime.timedelta(days=n % 3650))
    fields = {
        "name": name or f"党员{n}",
        "gender": "male",
        "birth_date": birth,
        "id_number": make_id_number(birth, n),
        "phone": f"138{n:08d}",
        "joined_on": datetime.date(2005, 7, 1),
        "status": "full",
        "full_on": datetime.date(2006, 7, 1),
    }
    fields.update(data)
    return member_create(by=None, branch=branch, **fields)


def plaza_with_medical_demand(submitted_at: datetime.datetime):
    """The Bantian territory and members, and 城市广场's medical demand (submitted at `submitted_at`, put on
    the agenda the deliberation demo looks for): what the deliberation demo builds on. (plaza, demand)"""
    from gongzhi.deliberation import demo
    from gongzhi.demands.models import Category
    from gongzhi.demands.services import demand_put_on_agenda, demand_submit
    from gongzhi.demo.loader import load_bantian
    from gongzhi.members.demo import load_members
    from gongzhi.territory.models import Place

    load_bantian(log=lambda _msg: None)
    load_members(log=lambda _msg: None)
    plaza = Place.objects.get(code="city-plaza")
    category = Category.objects.create(code="medical", name="就医", limit_days=10)
    medical = demand_submit(
        by=None,
        channel="walk_in",
        category=category,
        place=plaza,
        description="没有社康中心",
        at=submitted_at,
    )
    demand_put_on_agenda(by=None, demand=medical, agenda_ref=demo.MEDICAL_AGENDA_REF)
    return plaza, medical

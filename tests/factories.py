"""Factories for tests. Writes in tests go through the services, like everywhere else."""

from __future__ import annotations

import datetime
import itertools

from gongzhi.accounts.models import User
from gongzhi.accounts.services import assignment_grant, user_create
from gongzhi.party.models import PartyOrg
from gongzhi.party.services import OrgSpec, org_establish
from gongzhi.territory.models import Place, ServicePoint
from gongzhi.territory.services import place_create, service_point_create

_seq = itertools.count(1)
FOUNDED = datetime.date(2018, 9, 1)


def make_place(kind: str, parent: Place | None = None, name: str | None = None, code: str | None = None) -> Place:
    n = next(_seq)
    return place_create(by=None, code=code or f"{kind.replace('_', '-')}-{n}", name=name or f"{kind}{n}", kind=kind, parent=parent)


def make_point(place: Place, areas: list[Place], kind: str = "station", code: str | None = None) -> ServicePoint:
    n = next(_seq)
    return service_point_create(
        by=None, code=code or f"point-{n}", name=f"{place.name}党群服务站{n}", kind=kind, place=place, areas=areas
    )


def make_org(
    kind: str, place: Place, parent: PartyOrg | None = None, areas: list[Place] | None = None, name: str | None = None
) -> PartyOrg:
    n = next(_seq)
    spec = OrgSpec(code=f"org-{n}", name=name or f"{place.name}党支部{n}", kind=kind, place=place, parent=parent, areas=areas or [])
    return org_establish(by=None, spec=spec, on=FOUNDED)


def make_user(username: str, role: str | None = None, place: Place | None = None, password: str = "pw-for-tests-9") -> User:
    user = user_create(username=username, password=password, display_name=username, by=None)
    if role and place:
        assignment_grant(user=user, role=role, place=place, by=None)
    return user

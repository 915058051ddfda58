"""API for party organisations and their change history."""

from __future__ import annotations

import datetime

from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.party.models import OrgKind
from gongzhi.party.selectors import get_org_for_user, org_history, orgs_at_or_below, orgs_visible_to
from gongzhi.territory.selectors import get_place_for_user

router = Router(tags=["party"])


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    place: str
    parent: int | None
    established_on: datetime.date | None
    dissolved_on: datetime.date | None

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.code

    @staticmethod
    def resolve_parent(obj) -> int | None:
        return obj.parent_id


class OrgRef(Schema):
    id: int
    code: str
    name: str
    kind: str


class ChangeOut(Schema):
    id: int
    kind: str
    on: datetime.date
    note: str
    predecessors: list[OrgRef]
    successors: list[OrgRef]

    @staticmethod
    def resolve_predecessors(obj) -> list:
        return list(obj.predecessors.all())

    @staticmethod
    def resolve_successors(obj) -> list:
        return list(obj.successors.all())


@router.get("/organizations", response=Page[OrgOut])
def list_orgs(
    request,
    place: str | None = None,
    kind: str = "",
    q: str = "",
    include_dissolved: bool = False,
    limit: int = 100,
    offset: int = 0,
):
    """Organisations visible to the caller; `place` keeps those anchored at that place or below it."""
    orgs = orgs_visible_to(request.user).search(q)
    if place:
        anchor = get_place_for_user(request.user, place)
        orgs = orgs & orgs_at_or_below(anchor)
    if kind in OrgKind.values:
        orgs = orgs.filter(kind=kind)
    if not include_dissolved:
        orgs = orgs.filter(dissolved_on__isnull=True)
    return page_of(orgs.order_by("place__path", "kind", "code"), limit, offset)


@router.get("/organizations/{org_id}", response=OrgOut)
def get_org(request, org_id: int):
    return get_org_for_user(request.user, org_id)


@router.get("/organizations/{org_id}/history", response=Page[ChangeOut])
def get_org_history(request, org_id: int, limit: int = 100, offset: int = 0):
    """The change events the organisation took part in, with predecessors and successors."""
    org = get_org_for_user(request.user, org_id)
    return page_of(org_history(org), limit, offset)

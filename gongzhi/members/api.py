"""API for the member register: personal data is always masked here."""

from __future__ import annotations

import datetime

from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.members.selectors import get_member_for_user, members_visible_to
from gongzhi.party.selectors import get_org_for_user

router = Router(tags=["members"])


class PostOut(Schema):
    org: int
    org_name: str
    title: str
    since: datetime.date
    until: datetime.date | None

    @staticmethod
    def resolve_org(obj) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name


class OutsidePostOut(Schema):
    title: str
    organisation: str
    since: datetime.date
    until: datetime.date | None


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str
    phone: str
    status: str
    joined_on: datetime.date
    branch: int
    home_place: str | None
    is_owner: bool

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_branch(obj) -> int:
        return obj.branch_id

    @staticmethod
    def resolve_home_place(obj) -> str | None:
        return obj.home_place.code if obj.home_place_id else None


class MemberDetailOut(MemberOut):
    posts: list[PostOut]
    outside_posts: list[OutsidePostOut]

    @staticmethod
    def resolve_posts(obj) -> list:
        return list(obj.posts.select_related("org"))

    @staticmethod
    def resolve_outside_posts(obj) -> list:
        return list(obj.outside_posts.all())


@router.get("/members", response=Page[MemberOut])
def list_members(request, organization: int | None = None, q: str = "", limit: int = 100, offset: int = 0):
    """Members visible to the caller; `organization` keeps one branch's (or one group's) members."""
    members = members_visible_to(request.user).current().search(q)
    if organization is not None:
        org = get_org_for_user(request.user, organization)
        members = members.filter(branch=org) | members.filter(group=org)
    return page_of(members.order_by("pinyin", "id"), limit, offset)


@router.get("/members/{member_id}", response=MemberDetailOut)
def get_member(request, member_id: int):
    return get_member_for_user(request.user, member_id)

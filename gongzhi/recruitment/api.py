"""API for recruitment: recruits by organisation and stage, personal fields masked."""

from __future__ import annotations

import datetime

from django.utils import timezone
from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.party.selectors import get_org_for_user
from gongzhi.recruitment.models import Stage
from gongzhi.recruitment.selectors import get_recruit_for_user, recruits_of_org, recruits_visible_to

router = Router(tags=["recruitment"])


class PersonRef(Schema):
    id: int
    name: str


class RecruitOut(Schema):
    id: int
    name: str
    gender: str
    branch: int
    branch_name: str
    stage: str
    id_number_masked: str
    phone_masked: str
    applied_on: datetime.date
    talked_on: datetime.date | None
    activist_on: datetime.date | None
    candidate_on: datetime.date | None
    approved_on: datetime.date | None
    full_on: datetime.date | None
    next_due: datetime.date | None
    overdue: bool
    next_stage_from: datetime.date | None

    @staticmethod
    def resolve_branch(obj) -> int:
        return obj.branch_id

    @staticmethod
    def resolve_branch_name(obj) -> str:
        return obj.branch.name


class ReviewOut(Schema):
    on: datetime.date
    note: str


class RecruitDetailOut(RecruitOut):
    member: int | None
    contacts: list[PersonRef]
    introducers: list[PersonRef]
    reviews: list[ReviewOut]
    vetted_on: datetime.date | None
    training_start: datetime.date | None
    training_end: datetime.date | None
    training_hours: int | None
    vote_on: datetime.date | None
    eligible_voters: int | None
    votes_for: int | None
    votes_against: int | None
    extended_on: datetime.date | None
    extended_months: int | None
    extension_reason: str

    @staticmethod
    def resolve_member(obj) -> int | None:
        return obj.member_id

    @staticmethod
    def resolve_contacts(obj) -> list:
        return list(obj.contacts.all())

    @staticmethod
    def resolve_introducers(obj) -> list:
        return list(obj.introducers.all())

    @staticmethod
    def resolve_reviews(obj) -> list:
        return list(obj.reviews.all())


@router.get("/recruits", response=Page[RecruitOut])
def list_recruits(
    request,
    organization: int | None = None,
    stage: str = "",
    q: str = "",
    overdue: bool = False,
    limit: int = 100,
    offset: int = 0,
):
    """Recruits visible to the caller, soonest deadline first; `organization` keeps its own and its branches'."""
    recruits = recruits_visible_to(request.user).search(q)
    if organization is not None:
        recruits = recruits_of_org(recruits, get_org_for_user(request.user, organization))
    if stage in Stage.values:
        recruits = recruits.filter(stage=stage)
    if overdue:
        recruits = recruits.overdue(timezone.localdate())
    return page_of(recruits, limit, offset)


@router.get("/recruits/{recruit_id}", response=RecruitDetailOut)
def get_recruit(request, recruit_id: int):
    recruit = get_recruit_for_user(request.user, recruit_id)
    return recruit

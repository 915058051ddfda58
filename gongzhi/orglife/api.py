"""API for organisational life: compliance of an organisation, and its records."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.orglife.models import LifeRecord
from gongzhi.orglife.rules import LifeType
from gongzhi.orglife.selectors import (
    get_record_for_user,
    life_compliance,
    records_of,
    records_visible_to,
    with_counts,
)
from gongzhi.party.selectors import get_org_for_user

router = Router(tags=["orglife"])


class TypeCount(Schema):
    required: int
    held: int


class ComplianceOut(Schema):
    year: int
    by_type: dict[str, TypeCount]
    missed: list[dict[str, str]]


class LifeRecordOut(Schema):
    id: int
    organization: int
    organization_name: str
    type: str
    held_on: datetime.date
    location: str
    topic: str
    chair: int | None
    note_taker: int | None
    expected: int
    attended: int
    on_leave: int
    attachments: int
    voting_members: int | None
    below_quorum: bool

    @staticmethod
    def resolve_organization(obj) -> int:
        return obj.org_id

    @staticmethod
    def resolve_organization_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_chair(obj) -> int | None:
        return obj.chair_id

    @staticmethod
    def resolve_note_taker(obj) -> int | None:
        return obj.note_taker_id

    @staticmethod
    def resolve_attended(obj) -> int:
        return obj.attended_count

    @staticmethod
    def resolve_on_leave(obj) -> int:
        return obj.leave_count

    @staticmethod
    def resolve_attachments(obj) -> int:
        return obj.attachment_count


class LifeRecordDetailOut(LifeRecordOut):
    resolutions: str
    attendee_ids: list[int]
    on_leave_ids: list[int]
    grades: dict[str, str]

    @staticmethod
    def resolve_attendee_ids(obj) -> list[int]:
        return sorted(m.pk for m in obj.attendees.all())

    @staticmethod
    def resolve_on_leave_ids(obj) -> list[int]:
        return sorted(m.pk for m in obj.on_leave.all())

    @staticmethod
    def resolve_grades(obj) -> dict[str, str]:
        return {str(g.member_id): g.grade for g in obj.grades.all()}


@router.get("/organizations/{org_id}/life", response=ComplianceOut)
def get_org_life(
    request,
    org_id: int,
    year: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    """Required and held periods per type, and the missed ones: for a calendar `year` (default this year),
    or for the window `since`..`until` (then `year` is the year of `until`). Only periods that have ended
    and lie wholly inside the window and the organisation's life count."""
    org = get_org_for_user(request.user, org_id)
    today = timezone.localdate()
    if since is not None or until is not None:
        until = until or today
        since = since or org.established_on or datetime.date(until.year, 1, 1)
        year = until.year
    else:
        year = year or today.year
        if not 1 <= year <= 9999:
            raise Http404
        since, until = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return {"year": year, **life_compliance(org, since, until, today=today)}


@router.get("/life-records", response=Page[LifeRecordOut])
def list_life_records(
    request,
    organization: int | None = None,
    type: str = "",
    year: int | None = None,
    limit: int = 100,
    offset: int = 0,
):
    """Records visible to the caller, newest first; `organization` keeps those of one organisation and its
    party groups."""
    if organization is not None:
        records = records_of(get_org_for_user(request.user, organization))
    else:
        records = with_counts(records_visible_to(request.user)).order_by("-held_on", "-id")
    if type in LifeType.values:
        records = records.filter(type=type)
    if year:
        records = records.filter(held_on__year=year)
    return page_of(records, limit, offset)


@router.get("/life-records/{record_id}", response=LifeRecordDetailOut)
def get_life_record(request, record_id: int):
    record = get_record_for_user(request.user, record_id)
    return with_counts(
        LifeRecord.objects.filter(pk=record.pk)
        .select_related("org")
        .prefetch_related("attendees", "on_leave", "grades")
    ).get()

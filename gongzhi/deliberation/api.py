"""API for deliberation: committees, meetings (attendance, motions with counts, resolutions), resolutions,
action items, and the stats contract. Read-only; writes go through the pages and their services.

Scoped like the pages: outside what the caller may see, a record or place is unknown (404). A resident
sees only the published resolutions of committees serving their own place.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation import selectors
from gongzhi.deliberation.choices import ActionStatus
from gongzhi.territory.models import Place
from gongzhi.territory.selectors import get_place_for_user

router = Router(tags=["deliberation"])


class StatsOut(Schema):
    committees: int
    meetings: int
    resolutions: int
    actions_done: int
    actions_open: int
    demands_resolved_by_resolutions: int


class CommitteeOut(Schema):
    id: int
    kind: str
    name: str
    place: str
    place_name: str
    branch: int
    branch_name: str
    quorum: str
    majority_rule: str
    active: bool

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.code

    @staticmethod
    def resolve_place_name(obj) -> str:
        return obj.place.name

    @staticmethod
    def resolve_branch(obj) -> int:
        return obj.branch_id

    @staticmethod
    def resolve_branch_name(obj) -> str:
        return obj.branch.name

    @staticmethod
    def resolve_quorum(obj) -> str:
        return obj.quorum_label


class SeatOut(Schema):
    id: int
    stakeholder: str
    holder: str
    organisation: str
    since: datetime.date
    until: datetime.date | None


class CommitteeDetailOut(CommitteeOut):
    seats: list[SeatOut]
    composition_warnings: list[str]

    @staticmethod
    def resolve_seats(obj) -> list:
        return list(obj.seats.select_related("user", "member").order_by("stakeholder", "id"))

    @staticmethod
    def resolve_composition_warnings(obj) -> list[str]:
        return selectors.composition_warnings(obj)


class MeetingOut(Schema):
    id: int
    committee: int
    title: str
    scheduled_at: datetime.datetime
    venue: str
    mode: str
    status: str
    notice_sent_at: datetime.datetime | None
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_committee(obj) -> int:
        return obj.committee_id


class AgendaItemOut(Schema):
    order: int
    topic: int
    title: str


class AttendanceOut(Schema):
    seat: int
    stakeholder: str
    holder: str
    present: bool
    how: str
    on_leave: bool


class MotionOut(Schema):
    id: int
    text: str
    rule: str
    status: str
    result: str
    result_note: str
    agenda_item: int | None
    votes_for: int
    votes_against: int
    votes_abstain: int
    present_count: int | None
    members_count: int | None


class ResolutionOut(Schema):
    id: int
    meeting: int
    committee: int
    committee_name: str
    place: str
    text: str
    adopted_at: datetime.datetime
    published: bool
    published_at: datetime.datetime | None
    actions: int
    actions_done: int

    @staticmethod
    def resolve_meeting(obj) -> int:
        return obj.meeting_id

    @staticmethod
    def resolve_committee(obj) -> int:
        return obj.meeting.committee_id

    @staticmethod
    def resolve_committee_name(obj) -> str:
        return obj.meeting.committee.name

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.meeting.committee.place.code

    @staticmethod
    def resolve_actions(obj) -> int:
        return obj.n_actions

    @staticmethod
    def resolve_actions_done(obj) -> int:
        return obj.n_done


class MeetingDetailOut(MeetingOut):
    minutes: str
    agenda: list[AgendaItemOut]
    attendance: list[AttendanceOut]
    motions: list[MotionOut]
    resolutions: list[ResolutionOut]

    @staticmethod
    def resolve_agenda(obj) -> list[dict]:
        items = obj.agenda_items.select_related("topic")
        return [{"order": i.order, "topic": i.topic_id, "title": i.topic.title} for i in items]

    @staticmethod
    def resolve_attendance(obj) -> list[dict]:
        return [
            {
                "seat": a.seat_id,
                "stakeholder": a.seat.stakeholder,
                "holder": a.seat.holder,
                "present": a.present,
                "how": a.how,
                "on_leave": a.on_leave,
            }
            for a in selectors.attendance_of(obj)
        ]

    @staticmethod
    def resolve_motions(obj) -> list[dict]:
        """Counts frozen at closing for a closed vote, live counts for an open one."""
        motions = []
        for m in selectors.motions_with_counts(obj):
            closed = m.votes_for is not None
            motions.append(
                {
                    **{k: getattr(m, k) for k in ("id", "text", "rule", "status", "result", "result_note")},
                    "agenda_item": m.agenda_item_id,
                    "votes_for": m.votes_for if closed else m.n_for,
                    "votes_against": m.votes_against if closed else m.n_against,
                    "votes_abstain": m.votes_abstain if closed else m.n_abstain,
                    "present_count": m.present_count,
                    "members_count": m.members_count,
                }
            )
        return motions

    @staticmethod
    def resolve_resolutions(obj) -> list:
        return list(_with_action_counts(obj.resolutions.select_related("meeting__committee__place")))


class ActionOut(Schema):
    id: int
    resolution: int
    committee: int
    title: str
    owner: str
    deadline: datetime.date
    status: str
    progress: int
    overdue: bool

    @staticmethod
    def resolve_resolution(obj) -> int:
        return obj.resolution_id

    @staticmethod
    def resolve_committee(obj) -> int:
        return obj.resolution.meeting.committee_id

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner_display

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status != ActionStatus.DONE and obj.deadline < timezone.localdate()


def _with_action_counts(resolutions):
    return resolutions.annotate(
        n_actions=Count("actions"), n_done=Count("actions", filter=Q(actions__status=ActionStatus.DONE))
    )


def _place_for(user, code: str) -> Place:
    """A place the caller can see, or (for a resident) their own place or one containing it; else 404."""
    place = Place.objects.filter(code=code.strip().lower()).first()
    if place is None:
        raise Http404
    if can(user, Action.VIEW, place.path):
        return place
    if any(path.startswith(place.path) for path in selectors.resident_place_paths(user)):
        return place
    raise Http404


# Declared before anything under /deliberation/ that could take a parameter.
@router.get("/deliberation/stats", response=StatsOut)
def get_deliberation_stats(request, place: str = ""):
    """Committees, meetings, resolutions, actions and demands resolved by resolutions, at or below a place."""
    if not place:
        raise ValidationError({"place": [_("This field is required.")]})
    return selectors.deliberation_stats(get_place_for_user(request.user, place))


@router.get("/committees", response=Page[CommitteeOut])
def list_committees(request, place: str = "", limit: int = 100, offset: int = 0):
    committees = selectors.committees_visible_to(request.user)
    if place:
        committees = committees.filter(place__path__startswith=get_place_for_user(request.user, place).path)
    return page_of(committees.order_by("place__path", "kind", "id"), limit, offset)


@router.get("/committees/{int:committee_id}", response=CommitteeDetailOut)
def get_committee(request, committee_id: int):
    """A committee with its seats and what its composition lacks."""
    return selectors.get_committee_for_user(request.user, committee_id)


@router.get("/meetings", response=Page[MeetingOut])
def list_meetings(request, committee: int | None = None, limit: int = 100, offset: int = 0):
    meetings = selectors.meetings_visible_to(request.user)
    if committee is not None:
        meetings = meetings.filter(committee=selectors.get_committee_for_user(request.user, committee))
    return page_of(meetings.order_by("-scheduled_at", "-id"), limit, offset)


@router.get("/meetings/{int:meeting_id}", response=MeetingDetailOut)
def get_meeting(request, meeting_id: int):
    """A meeting with its agenda, attendance, motions with vote counts and resolutions."""
    return selectors.get_meeting_for_user(request.user, meeting_id)


@router.get("/resolutions", response=Page[ResolutionOut])
def list_resolutions(
    request, place: str = "", published: bool | None = None, limit: int = 100, offset: int = 0
):
    """Resolutions the caller may see; a resident sees the published ones of their own place only."""
    resolutions = selectors.resolutions_visible_to(request.user)
    if place:
        resolutions = resolutions.filter(
            meeting__committee__place__path__startswith=_place_for(request.user, place).path
        )
    if published is not None:
        resolutions = resolutions.filter(published=published)
    return page_of(_with_action_counts(resolutions).order_by("-adopted_at", "-id"), limit, offset)


@router.get("/actions", response=Page[ActionOut])
def list_actions(request, committee: int | None = None, status: str = "", limit: int = 100, offset: int = 0):
    actions = selectors.actions_visible_to(request.user)
    if committee is not None:
        actions = actions.filter(
            resolution__meeting__committee=selectors.get_committee_for_user(request.user, committee)
        )
    if status:
        if status == "overdue":
            actions = actions.overdue(timezone.localdate())
        elif status in ActionStatus.values:
            actions = actions.filter(status=status)
        else:
            raise ValidationError({"status": [_("Unknown status: %(s)s") % {"s": status}]})
    return page_of(actions.order_by("deadline", "id"), limit, offset)

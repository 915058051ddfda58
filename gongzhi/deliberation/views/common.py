"""What the deliberation pages share: fetching a record together with the right to act on it, the badges,
the arithmetic shown beside a vote, and the candidates for owners and seats."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from gongzhi.accounts.models import User
from gongzhi.core.roles import Action, Role
from gongzhi.deliberation import selectors
from gongzhi.deliberation.choices import ActionStatus, MeetingStatus, MotionResult, TopicStatus
from gongzhi.deliberation.models import ActionItem, Committee, Motion, Resolution, Seat, Topic
from gongzhi.territory.models import Place

MEETING_BADGES = {
    MeetingStatus.SCHEDULED: "text-bg-info",
    MeetingStatus.OPEN: "text-bg-warning",
    MeetingStatus.CLOSED: "text-bg-secondary",
}
TOPIC_BADGES = {
    TopicStatus.PROPOSED: "text-bg-info",
    TopicStatus.ACCEPTED: "text-bg-success",
    TopicStatus.MERGED: "text-bg-light",
    TopicStatus.DECLINED: "text-bg-secondary",
}
RESULT_BADGES = {
    MotionResult.NONE: "text-bg-warning",
    MotionResult.PASSED: "text-bg-success",
    MotionResult.FAILED: "text-bg-danger",
}
ACTION_BADGES = {
    ActionStatus.OPEN: "text-bg-light",
    ActionStatus.IN_PROGRESS: "text-bg-primary",
    ActionStatus.DONE: "text-bg-success",
}


def badges() -> dict[str, Any]:
    return {
        "meeting_badges": MEETING_BADGES,
        "topic_badges": TOPIC_BADGES,
        "result_badges": RESULT_BADGES,
        "action_badges": ACTION_BADGES,
    }


def service_errors(exc: Any) -> list[str]:
    """A service's refusal as sentences to show above the page."""
    return list(exc.messages)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to after a POST, when it is a page of this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def quorum_needed(members: int, numerator: int, denominator: int) -> int:
    """The fewest members present that make a quorum: the smallest p with p * den >= members * num."""
    return -(-members * numerator // denominator)


def get_motion_for_user(user: Any, pk: int, action: str = Action.VIEW) -> Motion:
    motion = Motion.objects.filter(pk=pk).first()
    if motion is None:
        raise Http404
    motion.meeting = selectors.get_meeting_for_user(user, motion.meeting_id, action)
    return motion


def get_resolution_for_user(user: Any, pk: int, action: str = Action.VIEW) -> Resolution:
    resolution = Resolution.objects.select_related("motion").filter(pk=pk).first()
    if resolution is None:
        raise Http404
    resolution.meeting = selectors.get_meeting_for_user(user, resolution.meeting_id, action)
    return resolution


def get_topic_for_user(user: Any, pk: int, action: str = Action.VIEW) -> Topic:
    topic = Topic.objects.select_related("raised_by", "screened_by", "merged_into").filter(pk=pk).first()
    if topic is None:
        raise Http404
    topic.committee = selectors.get_committee_for_user(user, topic.committee_id, action)
    return topic


def get_seat_for_user(user: Any, pk: int, action: str = Action.VIEW) -> Seat:
    seat = Seat.objects.select_related("user", "member").filter(pk=pk).first()
    if seat is None:
        raise Http404
    seat.committee = selectors.get_committee_for_user(user, seat.committee_id, action)
    return seat


def get_action_for_user(user: Any, pk: int) -> tuple[ActionItem, bool]:
    """The action item and whether the user sees it as its owner only (no view of the committee)."""
    action = (
        ActionItem.objects.select_related(
            "owner", "resolution__meeting__committee__place", "resolution__motion__agenda_item__topic"
        )
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    if selectors.actions_visible_to(user).filter(pk=pk).exists():
        return action, False
    if user.is_authenticated and action.owner_id == user.pk:
        return action, True
    raise Http404


def owner_choices(committee: Committee) -> list[tuple[int, str]]:
    """Accounts that may carry out an action: the committee's seat holders and the staff, secretaries and
    grid workers of the place, the places inside it and those above it."""
    place: Place = committee.place
    above = _prefixes(place.path)
    staff = Q(
        assignments__active=True,
        assignments__role__in=[r for r in Role.values if r not in (Role.RESIDENT, Role.AUDITOR)],
    ) & (Q(assignments__place__path__startswith=place.path) | Q(assignments__place__path__in=above))
    holders = Q(seats__committee=committee, seats__until__isnull=True)
    users = User.objects.filter(staff | holders, is_active=True).distinct().order_by("display_name", "pk")
    return [(u.pk, str(u)) for u in users]


def seat_user_candidates(committee: Committee) -> QuerySet[User]:
    """Accounts that may hold a seat: anyone assigned at the place or inside it (residents included), and
    the staff of the places above it."""
    place = committee.place
    return (
        User.objects.filter(is_active=True, assignments__active=True)
        .filter(
            Q(assignments__place__path__startswith=place.path)
            | Q(assignments__place__path__in=_prefixes(place.path))
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]

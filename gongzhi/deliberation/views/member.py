"""A committee member's page: the agendas of their committees and the motions open to their online vote."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gongzhi.deliberation import selectors
from gongzhi.deliberation.choices import MeetingMode, MeetingStatus
from gongzhi.deliberation.models import Motion, Seat, Vote
from gongzhi.deliberation.views.common import badges

RECENT = 5


def mine_context(request: HttpRequest, errors: list[str] | tuple = ()) -> dict[str, Any]:
    user = request.user
    seats = (
        Seat.objects.current(timezone.localdate())
        .filter(user=user)
        .select_related("committee__place")
        .order_by("committee__name")
    )
    meetings = selectors.meetings_for_member(user)
    in_session = (
        Motion.objects.filter(
            meeting__status=MeetingStatus.OPEN, meeting__committee__in=selectors.seated_committee_ids(user)
        )
        .select_related("meeting__committee", "agenda_item__topic")
        .order_by("meeting__scheduled_at", "id")
    )
    motions = list(in_session)
    votable = set(selectors.open_motions_for_member(user).values_list("pk", flat=True))
    mine = {v.motion_id: v for v in Vote.objects.filter(seat__user=user, motion__in=[m.pk for m in motions])}
    for motion in motions:
        motion.my_vote = mine.get(motion.pk)
        motion.in_room_only = motion.meeting.mode == MeetingMode.IN_PERSON
        motion.can_vote = motion.pk in votable and motion.my_vote is None and not motion.in_room_only
    return {
        "seats": seats,
        "upcoming": meetings.exclude(status=MeetingStatus.CLOSED).order_by("scheduled_at", "id"),
        "recent": meetings.filter(status=MeetingStatus.CLOSED).order_by("-scheduled_at", "-id")[:RECENT],
        "motions": motions,
        "errors": list(errors),
        **badges(),
    }


def render_mine(request: HttpRequest, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "deliberation/mine.html", mine_context(request, **kwargs), status=status)


@login_required
def my_committees(request: HttpRequest) -> HttpResponse:
    return render_mine(request)

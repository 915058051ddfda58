"""The meeting page: agenda, notice, attendance, motions with their votes and arithmetic, resolutions and
their actions, minutes, what closing still needs, and amendments. Built in a fixed number of queries.

A refused action draws the page again with status 400: the refused form keeps what was typed and shows
the service's message, and the other forms start empty."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation import selectors
from gongzhi.deliberation.choices import (
    AttendanceMode,
    MeetingMode,
    MeetingStatus,
    MotionResult,
    MotionStatus,
    TopicStatus,
    VoteChannel,
    VoteChoice,
)
from gongzhi.deliberation.forms import (
    ActionAddForm,
    AgendaAddForm,
    MinutesForm,
    MotionForm,
    ResolutionForm,
    default_deadline,
)
from gongzhi.deliberation.models import ActionItem, Meeting, Motion, Seat, Vote
from gongzhi.deliberation.views.common import badges, owner_choices, quorum_needed
from gongzhi.territory.forms import bootstrapify


def meeting_seats(meeting: Meeting) -> list[Seat]:
    """The seats whose term covers the meeting's day: the members who count."""
    day = timezone.localdate(meeting.scheduled_at)
    seats = Seat.objects.filter(committee_id=meeting.committee_id).current(day)
    return list(seats.select_related("user", "member").order_by("stakeholder", "id"))


def motions_of(meeting: Meeting) -> list[Motion]:
    votes = Vote.objects.select_related("seat__user", "seat__member").order_by("seat__stakeholder", "seat_id")
    return list(
        selectors.motions_with_counts(meeting)
        .select_related("resolution")
        .prefetch_related(
            Prefetch("votes", votes),
            Prefetch("resolution__actions", ActionItem.objects.select_related("owner")),
        )
    )


def resolution_of(motion: Motion):
    try:
        return motion.resolution
    except Motion.resolution.RelatedObjectDoesNotExist:
        return None


def arithmetic(motion: Motion, members: int, present: int, numerator: int, denominator: int) -> dict:
    """What the vote rests on: frozen on a closed motion, counted live on an open one."""
    closed = motion.status == MotionStatus.CLOSED
    if closed:
        members, present = motion.members_count or 0, motion.present_count or 0
        counts = (motion.votes_for or 0, motion.votes_against or 0, motion.votes_abstain or 0)
    else:
        counts = (motion.n_for, motion.n_against, motion.n_abstain)
    needed = quorum_needed(members, numerator, denominator)
    return {
        "members": members,
        "present": present,
        "needed": needed,
        "quorum": members > 0 and present >= needed,
        "for": counts[0],
        "against": counts[1],
        "abstain": counts[2],
        "cast": sum(counts),
        "closed": closed,
    }


def _motion_rows(
    meeting: Meeting, motions: list[Motion], seats: list[Seat], present: set[int], ctx: dict[str, Any]
) -> None:
    committee = meeting.committee
    owners: list | None = None
    for motion in motions:
        votes = list(motion.votes.all())
        motion.by_seat = {v.seat_id: v for v in votes}
        motion.vote_list = votes
        motion.math = arithmetic(
            motion, len(seats), len(present), committee.quorum_numerator, committee.quorum_denominator
        )
        motion.unvoted = [s for s in seats if s.pk in present and s.pk not in motion.by_seat]
        motion.my_vote = motion.by_seat.get(ctx["my_seat"].pk) if ctx["my_seat"] else None
        motion.can_vote_online = (
            ctx["my_seat"] is not None
            and motion.status == MotionStatus.OPEN
            and meeting.status == MeetingStatus.OPEN
            and meeting.mode != MeetingMode.IN_PERSON
            and motion.my_vote is None
        )
        motion.res = resolution_of(motion)
        failed = ctx["failed"]
        if (
            ctx["can_change"]
            and meeting.status == MeetingStatus.OPEN
            and motion.result == MotionResult.PASSED
            and motion.res is None
        ):
            key = f"adopt-{motion.pk}"
            motion.adopt_form = failed.get(key) or ResolutionForm(
                auto_id=f"id_m{motion.pk}_%s", initial={"text": motion.text}
            )
        if motion.res is not None and ctx["can_change"]:
            owners = owners if owners is not None else owner_choices(committee)
            key = f"action-{motion.res.pk}"
            motion.res.action_form = failed.get(key) or ActionAddForm(
                auto_id=f"id_r{motion.res.pk}_%s",
                owner_choices=owners,
                initial={"deadline": default_deadline()},
            )
            bootstrapify(motion.res.action_form)


def _checklist(meeting: Meeting, seats, rows, motions) -> list[dict[str, Any]]:
    missing = sum(1 for s in seats if s.pk not in rows)
    return [
        {
            "ok": not missing,
            "text": _("Attendance recorded for every seat")
            if not missing
            else ngettext("Attendance missing for %(n)d seat", "Attendance missing for %(n)d seats", missing)
            % {"n": missing},
        },
        {"ok": bool(meeting.minutes), "text": _("Minutes written")},
        {
            "ok": not any(m.status == MotionStatus.OPEN for m in motions),
            "text": _("No vote still open"),
        },
        {
            "ok": all(m.res is not None for m in motions if m.result == MotionResult.PASSED),
            "text": _("A resolution adopted for every motion that passed"),
        },
    ]


def meeting_context(
    request: HttpRequest,
    meeting: Meeting,
    failed: dict[str, forms.Form] | None = None,
    errors: list[str] | tuple = (),
) -> dict[str, Any]:
    user, committee = request.user, meeting.committee
    failed = failed or {}
    can_change = can(user, Action.CHANGE, committee.place.path)
    seats = meeting_seats(meeting)
    rows = {a.seat_id: a for a in meeting.attendance.all()}
    present = {seat_id for seat_id, row in rows.items() if row.present}
    agenda = list(meeting.agenda_items.select_related("topic"))
    motions = motions_of(meeting)
    my_seat = next((s for s in seats if user.is_authenticated and s.user_id == user.pk), None)
    ctx: dict[str, Any] = {"can_change": can_change, "my_seat": my_seat, "failed": failed}
    _motion_rows(meeting, motions, seats, present, ctx)
    is_open = meeting.status == MeetingStatus.OPEN
    not_closed = meeting.status != MeetingStatus.CLOSED
    context: dict[str, Any] = {
        "meeting": meeting,
        "committee": committee,
        "crumbs": [*committee.place.ancestors(), committee.place],
        "seats": seats,
        "attendance": [(seat, rows.get(seat.pk)) for seat in seats],
        "n_present": len(present),
        "n_leave": sum(1 for r in rows.values() if r.on_leave),
        "needed": quorum_needed(len(seats), committee.quorum_numerator, committee.quorum_denominator),
        "agenda": agenda,
        "motions": motions,
        "amendments": list(meeting.amendments.select_related("by")),
        "checklist": _checklist(meeting, seats, rows, motions) if is_open else [],
        "can_change": can_change,
        "my_seat": my_seat,
        "is_open": is_open,
        "not_closed": not_closed,
        "errors": list(errors),
        "failed_keys": set(failed),
        "attendance_modes": AttendanceMode.choices,
        "vote_choices": VoteChoice.choices,
        "vote_channels": [
            (VoteChannel.ROOM, VoteChannel.ROOM.label),
            (VoteChannel.PAPER, VoteChannel.PAPER.label),
        ],
        **badges(),
    }
    if can_change and not_closed:
        on_agenda = {item.topic_id for item in agenda}
        topics = committee.topics.filter(status=TopicStatus.ACCEPTED).exclude(pk__in=on_agenda)
        context["agenda_form"] = failed.get("agenda") or bootstrapify(AgendaAddForm(topics=topics))
        context["minutes_form"] = failed.get("minutes") or bootstrapify(
            MinutesForm(initial={"minutes": meeting.minutes})
        )
    if can_change and is_open:
        choices = [(item.pk, f"{item.order}. {item.topic.title}") for item in agenda]
        context["motion_form"] = failed.get("motion") or bootstrapify(MotionForm(agenda_choices=choices))
    return context


def render_meeting(request: HttpRequest, meeting: Meeting, status: int = 200, **kwargs: Any) -> HttpResponse:
    context = meeting_context(request, meeting, **kwargs)
    return render(request, "deliberation/meeting_detail.html", context, status=status)

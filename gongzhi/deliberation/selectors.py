"""Reads on deliberation that pages, API and alerts share, scoped to the user.

Who sees what:
  staff, secretaries, auditors, committee members (any role with `view` at the committee's place) see its
  committees, topics, meetings, resolutions and actions;
  a seat holder sees their committee and its meetings (the agenda), even without a role there;
  a resident sees only published resolutions of committees serving their own place (the place of their
  resident assignment, or a place containing it).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.roles import Action, Role
from gongzhi.core.scoping import can, scope_q
from gongzhi.deliberation import rules
from gongzhi.deliberation.choices import ActionStatus, MotionStatus, VoteChoice
from gongzhi.deliberation.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Committee,
    Meeting,
    Motion,
    Resolution,
    Seat,
    Topic,
)
from gongzhi.demands.models import Demand
from gongzhi.territory.models import Place


def _today() -> datetime.date:
    return timezone.localdate()


def seated_committee_ids(user: Any, on: datetime.date | None = None) -> QuerySet:
    """Ids of the committees where `user` holds a current seat (a subquery, not evaluated)."""
    if not user.is_authenticated:
        return Seat.objects.none().values("committee_id")
    return Seat.objects.current(on or _today()).filter(user=user).values("committee_id")


def committees_visible_to(user: Any) -> QuerySet[Committee]:
    q = scope_q(user, Action.VIEW, "place__path")
    if user.is_authenticated:
        q |= Q(pk__in=seated_committee_ids(user))
    return Committee.objects.filter(q).select_related("place", "branch")


def get_committee_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Committee:
    """404 outside what the user sees; 403 for an action they may not take there."""
    committee = committees_visible_to(user).filter(pk=pk).first()
    if committee is None:
        raise Http404
    if action != Action.VIEW and not can(user, action, committee.place.path):
        raise PermissionDenied
    return committee


def topics_of(committee: Committee, status: str | None = None) -> QuerySet[Topic]:
    topics = committee.topics.select_related("raised_by", "screened_by", "merged_into")
    topics = topics.annotate(n_demands=Count("demands"))
    return topics.filter(status=status) if status else topics


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(committee__in=committees_visible_to(user).values("pk")).select_related(
        "committee", "committee__place"
    )


def meetings_for_member(user: Any) -> QuerySet[Meeting]:
    """Meetings of the committees where the user holds a seat, with their agenda: a member's view."""
    return (
        Meeting.objects.filter(committee__in=seated_committee_ids(user))
        .select_related("committee", "committee__place")
        .prefetch_related(Prefetch("agenda_items", AgendaItem.objects.select_related("topic")))
    )


def get_meeting_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Meeting:
    meeting = meetings_visible_to(user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    if action != Action.VIEW and not can(user, action, meeting.committee.place.path):
        raise PermissionDenied
    return meeting


def motions_with_counts(meeting: Meeting) -> QuerySet[Motion]:
    """The meeting's motions with live counts (`n_for`, `n_against`, `n_abstain`); once closed, the frozen
    fields on the motion are the record."""
    return meeting.motions.select_related("agenda_item__topic").annotate(
        n_for=Count("votes", filter=Q(votes__choice=VoteChoice.FOR)),
        n_against=Count("votes", filter=Q(votes__choice=VoteChoice.AGAINST)),
        n_abstain=Count("votes", filter=Q(votes__choice=VoteChoice.ABSTAIN)),
    )


def attendance_of(meeting: Meeting) -> QuerySet[Attendance]:
    return meeting.attendance.select_related("seat", "seat__user", "seat__member")


def open_motions_for_member(user: Any) -> QuerySet[Motion]:
    """Motions a seat holder may vote on online right now."""
    return Motion.objects.filter(
        status=MotionStatus.OPEN, meeting__status="open", meeting__committee__in=seated_committee_ids(user)
    ).select_related("meeting")


def resident_place_paths(user: Any) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(
        user.assignments.filter(active=True, role=Role.RESIDENT).values_list("place__path", flat=True)
    )


def _prefixes(path: str) -> list[str]:
    """'/1/5/23/' → ['/1/', '/1/5/', '/1/5/23/']: the paths of the place and every place above it."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def published_resolutions_for_resident(user: Any) -> QuerySet[Resolution]:
    """Published resolutions of committees whose place is the resident's place or contains it."""
    paths = sorted({p for path in resident_place_paths(user) for p in _prefixes(path)})
    return _resolutions().filter(published=True, meeting__committee__place__path__in=paths)


def _resolutions() -> QuerySet[Resolution]:
    return Resolution.objects.select_related("meeting", "meeting__committee", "meeting__committee__place")


def resolutions_visible_to(user: Any) -> QuerySet[Resolution]:
    """Everything in the user's scope and seats; for a resident also the published ones of their place."""
    q = Q(meeting__committee__in=committees_visible_to(user).values("pk"))
    paths = sorted({p for path in resident_place_paths(user) for p in _prefixes(path)})
    if paths:
        q |= Q(published=True, meeting__committee__place__path__in=paths)
    return _resolutions().filter(q)


def actions_visible_to(user: Any) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(
        resolution__meeting__committee__in=committees_visible_to(user).values("pk")
    ).select_related("owner", "resolution", "resolution__meeting__committee")


def overdue_actions_visible_to(user: Any, today: datetime.date | None = None) -> QuerySet[ActionItem]:
    """Unfinished actions past their deadline, for the branch's alert."""
    return actions_visible_to(user).overdue(today or _today()).order_by("deadline", "id")


def composition_warnings(committee: Committee, on: datetime.date | None = None) -> list[str]:
    """What the committee's current seats lack under its kind's composition rule, in words; [] when complete.
    A warning, not a refusal: a committee may sit while a seat waits to be filled."""
    seated = set(
        Seat.objects.current(on or _today()).filter(committee=committee).values_list("stakeholder", flat=True)
    )
    return [
        _("No seat for: %(who)s.") % {"who": rules.requirement_label(req)}
        for req in rules.missing_stakeholders(committee.kind, committee.place.kind, seated)
    ]


def deliberation_stats(place: Place) -> dict[str, int]:
    """The contract of GET /api/v1/deliberation/stats: counts for committees at or below `place`."""
    below = Q(place__path__startswith=place.path)
    committees = Committee.objects.filter(below)
    actions = ActionItem.objects.filter(resolution__meeting__committee__in=committees).aggregate(
        done=Count("pk", filter=Q(status=ActionStatus.DONE)),
        open=Count("pk", filter=~Q(status=ActionStatus.DONE)),
    )
    return {
        "committees": committees.count(),
        "meetings": Meeting.objects.filter(committee__in=committees).count(),
        "resolutions": Resolution.objects.filter(meeting__committee__in=committees).count(),
        "actions_done": actions["done"],
        "actions_open": actions["open"],
        "demands_resolved_by_resolutions": Demand.objects.filter(
            resolving_actions__resolution__meeting__committee__in=committees
        )
        .distinct()
        .count(),
    }

"""Writes on motions, votes and resolutions: putting a motion, voting, closing the vote, adopting and
publishing the resolution."""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.roles import Role
from gongzhi.deliberation import rules
from gongzhi.deliberation.choices import (
    AttendanceMode,
    MajorityRule,
    MeetingMode,
    MeetingStatus,
    MotionResult,
    MotionStatus,
    VoteChannel,
    VoteChoice,
)
from gongzhi.deliberation.models import AgendaItem, Attendance, Meeting, Motion, Resolution, Seat, Vote
from gongzhi.deliberation.services._common import (
    audit,
    authorise,
    current_seats,
    link,
    locked_meeting,
    moment,
    require_seat_of,
    require_status,
)
from gongzhi.notifications.services import in_site_language, notify


def _locked_motion(motion: Motion) -> tuple[Motion, Meeting]:
    """The motion and its meeting under row locks: two votes at once are counted one after the other."""
    meeting = locked_meeting(motion.meeting)
    return Motion.objects.select_for_update(of=("self",)).get(pk=motion.pk), meeting


def _require_open_vote(motion: Motion, meeting: Meeting) -> None:
    require_status(meeting, MeetingStatus.OPEN)
    if motion.status != MotionStatus.OPEN:
        raise ValidationError(_("The vote on this motion is closed."))


def _check_choice(choice: str) -> None:
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": [_("Vote for, against, or abstain.")]})


def _already_voted(motion: Motion, seat: Seat) -> None:
    if Vote.objects.filter(motion=motion, seat=seat).exists():
        raise ValidationError(_("This seat has already voted on the motion."))


@transaction.atomic
def motion_open(
    *,
    by: Any,
    meeting: Meeting,
    text: str,
    agenda_item: AgendaItem | None = None,
    rule: str | None = None,
    at: datetime.datetime | None = None,
) -> Motion:
    """Put a motion to the vote, under the committee's majority rule or a special one (two thirds).
    `at`: when, if not now (demo data and imports); not before the meeting opened."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    require_status(meeting, MeetingStatus.OPEN)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": [_("This item is on another meeting's agenda.")]})
    rule = rule or meeting.committee.majority_rule
    if rule not in MajorityRule.values:
        raise ValidationError({"rule": [_("Choose a majority rule.")]})
    motion = Motion(
        meeting=meeting,
        agenda_item=agenda_item,
        text=text.strip(),
        rule=rule,
        opened_at=moment(at, meeting.opened_at),
    )
    motion.full_clean()
    motion.save()
    audit(
        by, "motion_open", motion, meeting.committee, {"status": [None, motion.status], "rule": [None, rule]}
    )
    return motion


@transaction.atomic
def vote_cast(*, by: Any, motion: Motion, choice: str, at: datetime.datetime | None = None) -> Vote:
    """A seat holder votes online, in person through their account, while the vote is open. The vote
    marks them present online. `at`: when it was cast, if not now (demo data and imports); not before
    the motion was put."""
    motion, meeting = _locked_motion(motion)
    if by is None or not by.is_authenticated:
        raise PermissionDenied
    seat = current_seats(meeting).filter(user=by).first()
    if seat is None:
        raise PermissionDenied
    _require_open_vote(motion, meeting)
    if meeting.mode == MeetingMode.IN_PERSON:
        raise ValidationError(_("This meeting is held in person only: vote in the room."))
    _check_choice(choice)
    _already_voted(motion, seat)
    cast_at = moment(at, motion.opened_at)
    attendance, _created = Attendance.objects.get_or_create(meeting=meeting, seat=seat)
    if not attendance.present:
        # recorded_at (auto_now) stays the clock's time even when the vote is backdated, as audit rows do.
        attendance.present, attendance.how, attendance.on_leave = True, AttendanceMode.ONLINE, False
        attendance.save()
    vote = Vote.objects.create(
        motion=motion,
        seat=seat,
        choice=choice,
        channel=VoteChannel.ONLINE,
        cast_at=cast_at,
        recorded_by=by,
    )
    audit(
        by, "vote_cast", vote, meeting.committee, {"choice": [None, choice], "channel": [None, vote.channel]}
    )
    return vote


@transaction.atomic
def vote_record(
    *,
    by: Any,
    motion: Motion,
    seat: Seat,
    choice: str,
    channel: str = VoteChannel.ROOM,
    at: datetime.datetime | None = None,
) -> Vote:
    """The organiser records a vote given in the room or on paper by a member present. `at`: when it was
    given, if not now (demo data and imports); not before the motion was put."""
    motion, meeting = _locked_motion(motion)
    authorise(by, meeting.committee)
    _require_open_vote(motion, meeting)
    if channel not in (VoteChannel.ROOM, VoteChannel.PAPER):
        raise ValidationError({"channel": [_("Online votes are cast by the member themselves.")]})
    require_seat_of(meeting, seat)
    _check_choice(choice)
    if not Attendance.objects.filter(meeting=meeting, seat=seat, present=True).exists():
        raise ValidationError({"seat": [_("Record this member as present before recording their vote.")]})
    _already_voted(motion, seat)
    cast_at = moment(at, motion.opened_at)
    vote = Vote.objects.create(
        motion=motion,
        seat=seat,
        choice=choice,
        channel=channel,
        cast_at=cast_at,
        recorded_by=by if by is not None and by.is_authenticated else None,
    )
    audit(by, "vote_record", vote, meeting.committee, {"choice": [None, choice], "channel": [None, channel]})
    return vote


@transaction.atomic
def motion_close(*, by: Any, motion: Motion, at: datetime.datetime | None = None) -> Motion:
    """Close the vote and decide it with `rules.outcome`: below quorum it fails ("no quorum") whatever the
    votes; otherwise it passes or fails by the motion's majority rule. The counts are frozen on the motion.
    `at`: when the vote closed, if not now (demo data and imports); not before the motion or a vote."""
    motion, meeting = _locked_motion(motion)
    authorise(by, meeting.committee)
    _require_open_vote(motion, meeting)
    committee = meeting.committee
    closed_at = moment(at, motion.opened_at, motion.votes.aggregate(last=Max("cast_at"))["last"])
    members = current_seats(meeting).count()
    present = Attendance.objects.filter(
        meeting=meeting, present=True, seat__in=current_seats(meeting)
    ).count()
    counts = motion.votes.aggregate(
        f=Count("pk", filter=Q(choice=VoteChoice.FOR)),
        a=Count("pk", filter=Q(choice=VoteChoice.AGAINST)),
        x=Count("pk", filter=Q(choice=VoteChoice.ABSTAIN)),
    )
    result = rules.outcome(
        motion.rule,
        members=members,
        present=present,
        votes_for=counts["f"],
        votes_against=counts["a"],
        abstain=counts["x"],
        ratio=Fraction(committee.quorum_numerator, committee.quorum_denominator),
    )
    motion.status = MotionStatus.CLOSED
    motion.result = result.result
    motion.result_note = result.note
    motion.members_count, motion.present_count = members, present
    motion.votes_for, motion.votes_against, motion.votes_abstain = counts["f"], counts["a"], counts["x"]
    motion.closed_at = closed_at
    motion.save()
    audit(
        by,
        "motion_close",
        motion,
        committee,
        {
            "result": [MotionResult.NONE, motion.result],
            "note": [None, motion.result_note],
            "counts": [None, [members, present, counts["f"], counts["a"], counts["x"]]],
        },
    )
    return motion


@transaction.atomic
def resolution_adopt(
    *, by: Any, motion: Motion, text: str = "", at: datetime.datetime | None = None
) -> Resolution:
    """Adopt the resolution a passed motion carries (its text, unless worded anew). `at`: when, if not now
    (demo data and imports); not before the vote closed."""
    motion, meeting = _locked_motion(motion)
    authorise(by, meeting.committee)
    require_status(meeting, MeetingStatus.OPEN)
    if motion.result != MotionResult.PASSED:
        raise ValidationError(_("Only a motion that passed becomes a resolution."))
    if Resolution.objects.filter(motion=motion).exists():
        raise ValidationError(_("This motion's resolution has already been adopted."))
    resolution = Resolution(
        meeting=meeting,
        motion=motion,
        text=(text or motion.text).strip(),
        adopted_at=moment(at, motion.closed_at),
    )
    resolution.full_clean()
    resolution.save()
    audit(by, "resolution_adopt", resolution, meeting.committee, {"text": [None, resolution.text]})
    return resolution


def residents_of(place_path: str):
    """Accounts holding a resident role at the place or inside it."""
    return User.objects.filter(
        is_active=True,
        assignments__active=True,
        assignments__role=Role.RESIDENT,
        assignments__place__path__startswith=place_path,
    ).distinct()


@transaction.atomic
def resolution_publish(*, by: Any, resolution: Resolution, at: datetime.datetime | None = None) -> Resolution:
    """Publish a resolution to the residents of the place. Publishing is not a change to the record: it
    may follow the meeting's closing (and usually does). `at`: when, if not now (demo data and imports);
    not before the resolution was adopted."""
    resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("meeting__committee__place")
        .get(pk=resolution.pk)
    )
    committee = resolution.meeting.committee
    authorise(by, committee)
    if resolution.published:
        raise ValidationError(_("This resolution is already published."))
    resolution.published = True
    resolution.published_at = moment(at, resolution.adopted_at)
    resolution.save(update_fields=["published", "published_at"])
    audit(by, "resolution_publish", resolution, committee, {"published": [False, True]})
    with in_site_language():
        notify(
            recipients=residents_of(committee.place.path),
            subject=_("%(committee)s resolved: %(text)s")
            % {"committee": committee.name, "text": resolution.text[:80]},
            link=link("resolution", resolution.pk),
        )
    return resolution

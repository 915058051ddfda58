"""Writes on meetings: scheduling with an agenda, the notice, opening, attendance, minutes, closing, and
amending the record of a closed meeting."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.deliberation.choices import (
    AttendanceMode,
    MeetingMode,
    MeetingStatus,
    MotionResult,
    MotionStatus,
    TopicStatus,
)
from gongzhi.deliberation.models import (
    AgendaItem,
    Amendment,
    Attendance,
    Committee,
    Meeting,
    Motion,
    Resolution,
    Seat,
    Topic,
)
from gongzhi.deliberation.services._common import (
    audit,
    authorise,
    current_seats,
    link,
    locked_meeting,
    moment,
    refuse_if_closed,
    require_seat_of,
    require_status,
)
from gongzhi.notifications.services import in_site_language, notify

# What an amendment may correct on each record of a closed meeting. Votes are not amendable: a result
# rests on them, and a wrong vote is a matter for a new motion at another meeting.
AMENDABLE: dict[type[Model], tuple[str, ...]] = {
    Meeting: ("title", "venue", "minutes"),
    Motion: ("text",),
    Resolution: ("text",),
    Attendance: ("present", "how", "on_leave"),
}


def _add_topic(meeting: Meeting, topic: Topic, order: int) -> AgendaItem:
    topic = Topic.objects.get(pk=topic.pk)  # its status as screened, not as the caller last read it
    if topic.committee_id != meeting.committee_id:
        raise ValidationError({"topics": [_("“%(t)s” belongs to another committee.") % {"t": topic}]})
    if topic.status != TopicStatus.ACCEPTED:
        raise ValidationError({"topics": [_("“%(t)s” has not been accepted for an agenda.") % {"t": topic}]})
    if AgendaItem.objects.filter(meeting=meeting, topic=topic).exists():
        raise ValidationError({"topics": [_("“%(t)s” is already on the agenda.") % {"t": topic}]})
    return AgendaItem.objects.create(meeting=meeting, topic=topic, order=order)


@transaction.atomic
def meeting_schedule(
    *,
    by: Any,
    committee: Committee,
    title: str,
    scheduled_at: datetime.datetime,
    venue: str = "",
    mode: str = MeetingMode.IN_PERSON,
    topics: Iterable[Topic] = (),
) -> Meeting:
    """Schedule a sitting with an agenda of accepted topics, in the order given."""
    authorise(by, committee)
    if not committee.active:
        raise ValidationError(_("This committee no longer meets."))
    meeting = Meeting(
        committee=committee,
        title=title.strip(),
        scheduled_at=scheduled_at,
        venue=venue.strip(),
        mode=mode,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    meeting.full_clean()
    meeting.save()
    for order, topic in enumerate(topics, start=1):
        _add_topic(meeting, topic, order)
    audit(by, "meeting_schedule", meeting, committee, {"status": [None, meeting.status]})
    return meeting


@transaction.atomic
def agenda_add(*, by: Any, meeting: Meeting, topic: Topic) -> AgendaItem:
    """Add an accepted topic at the end of the agenda of a meeting not yet closed."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    refuse_if_closed(meeting)
    last = meeting.agenda_items.aggregate(m=Max("order"))["m"] or 0
    item = _add_topic(meeting, topic, last + 1)
    audit(by, "agenda_add", meeting, meeting.committee, {"agenda": [None, str(topic.pk)]})
    return item


@transaction.atomic
def meeting_send_notice(*, by: Any, meeting: Meeting, at: datetime.datetime | None = None) -> Meeting:
    """Tell every current seat holder with an account of the meeting: time, venue, mode and agenda.
    `at`: when the notice went out, if not now (demo data and imports)."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    require_status(meeting, MeetingStatus.SCHEDULED)
    agenda = "\n".join(f"{i.order}. {i.topic.title}" for i in meeting.agenda_items.select_related("topic"))
    holders = [s.user for s in current_seats(meeting).filter(user__isnull=False).select_related("user")]
    with in_site_language():
        notify(
            recipients=holders,
            subject=_("Meeting notice: %(title)s, %(when)s")
            % {
                "title": meeting.title,
                "when": timezone.localtime(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M"),
            },
            body=f"{meeting.venue} · {meeting.get_mode_display()}\n{agenda}".strip(),
            link=link("meeting", meeting.pk),
        )
    meeting.notice_sent_at = moment(at)
    meeting.save(update_fields=["notice_sent_at"])
    audit(by, "meeting_send_notice", meeting, meeting.committee, {"notified": [None, len(holders)]})
    return meeting


@transaction.atomic
def meeting_open(*, by: Any, meeting: Meeting, at: datetime.datetime | None = None) -> Meeting:
    """Open the sitting: motions can now be put and voted on. `at`: when it opened, if not now (demo data
    and imports); the steps that follow may not come before it."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    require_status(meeting, MeetingStatus.SCHEDULED)
    meeting.status = MeetingStatus.OPEN
    meeting.opened_at = moment(at)
    meeting.save(update_fields=["status", "opened_at"])
    audit(
        by, "meeting_open", meeting, meeting.committee, {"status": [MeetingStatus.SCHEDULED, meeting.status]}
    )
    return meeting


@transaction.atomic
def attendance_record(
    *,
    by: Any,
    meeting: Meeting,
    seat: Seat,
    present: bool,
    how: str = AttendanceMode.IN_PERSON,
    on_leave: bool = False,
) -> Attendance:
    """Record whether a seat is present (in person or online), absent, or absent on leave."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    refuse_if_closed(meeting)
    require_seat_of(meeting, seat)
    if present and on_leave:
        raise ValidationError({"on_leave": [_("A member on leave is not present.")]})
    if not present and seat.votes.filter(motion__meeting=meeting, motion__status=MotionStatus.OPEN).exists():
        raise ValidationError({"present": [_("This member has voted on an open motion: they are present.")]})
    row, created = Attendance.objects.get_or_create(meeting=meeting, seat=seat)
    before = {"present": None if created else row.present, "how": None if created else row.how}
    row.present, row.how, row.on_leave = present, how, on_leave
    row.full_clean()
    row.save()
    audit(
        by,
        "attendance_record",
        row,
        meeting.committee,
        {"present": [before["present"], present], "how": [before["how"], how]},
    )
    return row


@transaction.atomic
def meeting_save_minutes(*, by: Any, meeting: Meeting, minutes: str) -> Meeting:
    """Draft or correct the minutes while the meeting is not closed."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    refuse_if_closed(meeting)
    before = meeting.minutes
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes"])
    audit(by, "meeting_save_minutes", meeting, meeting.committee, {"minutes": [before, meeting.minutes]})
    return meeting


@transaction.atomic
def meeting_close(
    *, by: Any, meeting: Meeting, minutes: str | None = None, at: datetime.datetime | None = None
) -> Meeting:
    """Close the sitting. It needs the attendance of every seat, the minutes, no vote still open, and a
    resolution for every motion that passed. From then on the record changes only by amendment. `at`: when
    it closed, if not now (demo data and imports); not before the opening, a vote or a resolution."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    require_status(meeting, MeetingStatus.OPEN)
    if minutes is not None:
        meeting.minutes = minutes.strip()
    errors: list[str] = []
    missing = current_seats(meeting).exclude(attendance__meeting=meeting).count()
    if missing:
        errors.append(_("Record the attendance of every member (%(n)d missing).") % {"n": missing})
    if not meeting.minutes:
        errors.append(_("Write the minutes."))
    if meeting.motions.filter(status=MotionStatus.OPEN).exists():
        errors.append(_("Close every vote first."))
    if meeting.motions.filter(result=MotionResult.PASSED, resolution__isnull=True).exists():
        errors.append(_("Adopt a resolution for every motion that passed."))
    if errors:
        raise ValidationError(errors)
    last = meeting.motions.aggregate(
        closed=Max("closed_at"), vote=Max("votes__cast_at"), adopted=Max("resolution__adopted_at")
    )
    meeting.closed_at = moment(at, meeting.opened_at, *last.values())
    meeting.status = MeetingStatus.CLOSED
    meeting.save(update_fields=["status", "closed_at", "minutes"])
    resolutions = sorted(str(pk) for pk in meeting.resolutions.values_list("pk", flat=True))
    audit(
        by,
        "meeting_close",
        meeting,
        meeting.committee,
        {"status": [MeetingStatus.OPEN, meeting.status], "resolutions": [None, resolutions]},
    )
    return meeting


def _as_field_value(obj: Model, field: str, value: Any) -> Any:
    if field in ("present", "on_leave"):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def meeting_amend(
    *,
    by: Any,
    meeting: Meeting,
    reason: str,
    field: str,
    value: Any,
    target: Model | None = None,
    at: datetime.datetime | None = None,
) -> Amendment:
    """Correct one field of a closed meeting's record (the meeting itself, or one of its motions,
    resolutions or attendance rows as `target`), with a reason. The amendment and an audit row keep the
    value before and after. `at`: when it was amended, if not now (demo data and imports); not before the
    meeting closed or its previous amendment."""
    meeting = locked_meeting(meeting)
    authorise(by, meeting.committee)
    if meeting.status != MeetingStatus.CLOSED:
        raise ValidationError(_("Only a closed meeting's record is amended; change an open one directly."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the record is amended.")]})
    obj = meeting if target is None else type(target).objects.select_for_update().get(pk=target.pk)
    if obj is not meeting and getattr(obj, "meeting_id", None) != meeting.pk:
        raise ValidationError({"target": [_("This record is not part of the meeting.")]})
    if field not in AMENDABLE.get(type(obj), ()):
        raise ValidationError({"field": [_("This field cannot be amended.")]})
    before = getattr(obj, field)
    setattr(obj, field, _as_field_value(obj, field, value))
    after = getattr(obj, field)
    if before == after:
        raise ValidationError({"value": [_("The new value is the same as the old one.")]})
    amended_at = moment(at, meeting.closed_at, meeting.amendments.aggregate(last=Max("at"))["last"])
    obj.full_clean()
    obj.save(update_fields=[field])
    label = "meeting" if obj is meeting else f"{obj._meta.model_name}:{obj.pk}"
    amendment = Amendment.objects.create(
        meeting=meeting,
        by=by if by is not None and by.is_authenticated else None,
        reason=reason.strip(),
        target=label,
        field=field,
        before=str(before),
        after=str(after),
        at=amended_at,
    )
    audit(
        by,
        "meeting_amend",
        obj,
        meeting.committee,
        {
            field: [str(before), str(after)],
            "reason": [None, amendment.reason],
            "amendment": [None, amendment.pk],
        },
    )
    return amendment

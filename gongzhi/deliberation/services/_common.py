"""Helpers every deliberation service shares: authorising, locking, refusing writes to a closed record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation.models import Committee, Meeting, MeetingStatus, Seat


def authorise(by: Any, committee: Committee, action: str = Action.CHANGE) -> None:
    """Organisers are those who may change records at the committee's place. `by=None` is the system."""
    if by is not None and not can(by, action, committee.place.path):
        raise PermissionDenied


def audit(by: Any, action: str, obj: Model, committee: Committee, changes: dict | None = None) -> None:
    audit_record(actor=by, action=action, obj=obj, place_path=committee.place.path, changes=changes or {})


def locked_meeting(meeting: Meeting) -> Meeting:
    """The meeting re-read under a row lock, so its status is the database's and not a stale copy's."""
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee", "committee__place")
        .get(pk=meeting.pk)
    )


def refuse_if_closed(meeting: Meeting) -> None:
    """A closed meeting's record is frozen: only `meeting_amend` may change it."""
    if meeting.status == MeetingStatus.CLOSED:
        raise ValidationError(_("This meeting is closed: its record can only be amended, with a reason."))


def require_status(meeting: Meeting, *states: str) -> None:
    refuse_if_closed(meeting)
    if meeting.status not in states:
        raise ValidationError(
            _("The meeting is “%(status)s”: this cannot be done now.")
            % {"status": meeting.get_status_display()}
        )


def meeting_day(meeting: Meeting):
    return timezone.localdate(meeting.scheduled_at)


def current_seats(meeting: Meeting):
    """The committee's seats whose term covers the meeting's day: the members that count for quorum."""
    return Seat.objects.filter(committee_id=meeting.committee_id).current(meeting_day(meeting))


def require_seat_of(meeting: Meeting, seat: Seat) -> None:
    if seat.committee_id != meeting.committee_id or not seat.is_current(meeting_day(meeting)):
        raise ValidationError({"seat": [_("This seat does not sit on this committee on the meeting's day.")]})


def link(name: str, *args: Any) -> str:
    """A page address for notifications, if the pages are installed; otherwise none."""
    try:
        return reverse(f"deliberation:{name}", args=args)
    except NoReverseMatch:
        return ""

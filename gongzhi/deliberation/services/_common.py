"""Helpers every deliberation service shares: authorising, locking, refusing writes to a closed record."""

from __future__ import annotations

import datetime
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
from gongzhi.demands.models import Demand


def authorise(by: Any, committee: Committee, action: str = Action.CHANGE) -> None:
    """Organisers are those who may change records at the committee's place. `by=None` is the system."""
    if by is not None and not can(by, action, committee.place.path):
        raise PermissionDenied


def audit(by: Any, action: str, obj: Model, committee: Committee, changes: dict | None = None) -> None:
    audit_record(actor=by, action=action, obj=obj, place_path=committee.place.path, changes=changes or {})


def check_demand_at(by: Any, committee: Committee, demand: Demand, field: str = "demand") -> None:
    """A demand a committee takes up lies at its place (or inside it) and, for a user, is one they may
    see. `by=None` is the system."""
    if not demand.place_path.startswith(committee.place.path):
        raise ValidationError({field: [_("Demand %(n)s is not at this committee's place.") % {"n": demand}]})
    if by is not None and not can(by, Action.VIEW, demand.place_path):
        raise PermissionDenied


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


def moment(at: datetime.datetime | None, *after: datetime.datetime | None) -> datetime.datetime:
    """The moment a service stamps: `at` (demo data and imports backdate with it) or now. It may not come
    before the moments of the steps it follows (`after`; those not taken yet are None)."""
    now = at or timezone.now()
    earlier = [t for t in after if t is not None and t > now]
    if earlier:
        raise ValidationError(
            _("This would come before the step it follows (%(then)s).")
            % {"then": timezone.localtime(max(earlier)).strftime("%Y-%m-%d %H:%M")}
        )
    return now


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

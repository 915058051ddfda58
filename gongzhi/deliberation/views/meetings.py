"""Meetings: scheduling with an agenda, the notice, opening, attendance, minutes, closing, amending a
closed record, and the minutes as documents. Every POST calls a service and redirects to the meeting; a
refusal draws the meeting page again with status 400 and the message, and nothing is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.roles import Action
from gongzhi.deliberation import minutes, selectors, services
from gongzhi.deliberation.choices import AttendanceMode, TopicStatus
from gongzhi.deliberation.forms import AgendaAddForm, AmendForm, MeetingScheduleForm, MinutesForm
from gongzhi.deliberation.models import Attendance, Meeting, Motion, Resolution
from gongzhi.deliberation.services.meetings import AMENDABLE
from gongzhi.deliberation.views.common import service_errors
from gongzhi.deliberation.views.meeting_page import meeting_seats, render_meeting
from gongzhi.territory.forms import bootstrapify


def _back(meeting: Meeting, anchor: str = "") -> HttpResponse:
    response = redirect("deliberation:meeting", meeting.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.get_committee_for_user(request.user, pk, Action.CHANGE)
    topics = committee.topics.filter(status=TopicStatus.ACCEPTED).order_by("created_at", "id")
    form = bootstrapify(MeetingScheduleForm(request.POST or None, topics=topics))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(by=request.user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The meeting “%(title)s” was scheduled.") % {"title": meeting.title})
            return _back(meeting)
    context = {
        "form": form,
        "committee": committee,
        "title": _("Schedule a meeting"),
        "testid": "meeting-form",
    }
    return render(request, "deliberation/form.html", context, status=400 if form.errors else 200)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_meeting(request, selectors.get_meeting_for_user(request.user, pk))


@login_required
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    topics = meeting.committee.topics.filter(status=TopicStatus.ACCEPTED)
    form = AgendaAddForm(request.POST, topics=topics)
    if form.is_valid():
        try:
            services.agenda_add(by=request.user, meeting=meeting, topic=form.cleaned_data["topic"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The topic was added to the agenda."))
            return _back(meeting, "agenda")
    return render_meeting(request, meeting, status=400, failed={"agenda": bootstrapify(form)})


def _step(request: HttpRequest, pk: int, service, done: str, anchor: str = "") -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    try:
        service(by=request.user, meeting=meeting)
    except ValidationError as exc:
        return render_meeting(request, meeting, status=400, errors=service_errors(exc))
    messages.success(request, done)
    return _back(meeting, anchor)


@login_required
@require_POST
def meeting_send_notice(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.meeting_send_notice, _("The notice was sent to the members."))


@login_required
@require_POST
def meeting_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.meeting_open, _("The meeting is in session."))


def _attendance_wanted(request: HttpRequest, seat_id: int) -> tuple[bool, str, bool]:
    present = request.POST.get(f"present_{seat_id}") == "on"
    how = request.POST.get(f"how_{seat_id}", AttendanceMode.IN_PERSON)
    on_leave = request.POST.get(f"leave_{seat_id}") == "on"
    if how not in AttendanceMode.values:
        raise ValidationError(_("Choose in person or online."))
    return present, how if present else AttendanceMode.IN_PERSON, on_leave


@login_required
@require_POST
def attendance_save(request: HttpRequest, pk: int) -> HttpResponse:
    """One form for every seat: present (in person or online), or absent, on leave or not. Only rows that
    change are written; any refusal leaves all of them as they were."""
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    rows = {a.seat_id: a for a in Attendance.objects.filter(meeting=meeting)}
    try:
        with transaction.atomic():
            changed = 0
            for seat in meeting_seats(meeting):
                present, how, on_leave = _attendance_wanted(request, seat.pk)
                row = rows.get(seat.pk)
                if row is not None and (row.present, row.how, row.on_leave) == (present, how, on_leave):
                    continue
                services.attendance_record(
                    by=request.user, meeting=meeting, seat=seat, present=present, how=how, on_leave=on_leave
                )
                changed += 1
    except ValidationError as exc:
        return render_meeting(request, meeting, status=400, errors=service_errors(exc))
    messages.success(request, _("Attendance recorded (%(n)d changed).") % {"n": changed})
    return _back(meeting, "attendance")


@login_required
@require_POST
def minutes_save(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_save_minutes(
                by=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The minutes were saved."))
            return _back(meeting, "minutes")
    return render_meeting(request, meeting, status=400, failed={"minutes": bootstrapify(form)})


@login_required
@require_POST
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the sitting with the minutes as typed; what is still missing is listed when it cannot."""
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    form = MinutesForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("minutes", "")
    try:
        services.meeting_close(by=request.user, meeting=meeting, minutes=text)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render_meeting(
            request,
            meeting,
            status=400,
            errors=service_errors(exc),
            failed={"minutes": bootstrapify(form)},
        )
    messages.success(request, _("The meeting was closed; its record can now only be amended."))
    return _back(meeting)


def _amend_records(meeting: Meeting) -> list[tuple[str, str]]:
    """Every field an amendment may correct, as `model:pk:field` with a label."""
    choices = [
        (f"meeting:{meeting.pk}:{f}", f"{_('Meeting')} · {Meeting._meta.get_field(f).verbose_name}")
        for f in AMENDABLE[Meeting]
    ]
    for motion in meeting.motions.all():
        choices.append((f"motion:{motion.pk}:text", f"{_('Motion')} · {motion.text[:40]}"))
    for resolution in meeting.resolutions.all():
        choices.append((f"resolution:{resolution.pk}:text", f"{_('Resolution')} · {resolution.text[:40]}"))
    for row in meeting.attendance.select_related("seat__user", "seat__member"):
        for f in AMENDABLE[Attendance]:
            label = Attendance._meta.get_field(f).verbose_name
            choices.append((f"attendance:{row.pk}:{f}", f"{_('Attendance')} · {row.seat.holder} · {label}"))
    return choices


def _amend_target(meeting: Meeting, record: str):
    kind, pk, field = record.split(":")
    models = {"meeting": Meeting, "motion": Motion, "resolution": Resolution, "attendance": Attendance}
    if kind == "meeting":
        return None, field
    target = models[kind].objects.filter(pk=int(pk), meeting=meeting).first()
    if target is None:
        raise ValidationError({"record": [_("This record is not part of the meeting.")]})
    return target, field


@login_required
def meeting_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct one field of a closed meeting's record, with a reason; the amendment is kept and audited."""
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    form = bootstrapify(AmendForm(request.POST or None, records=_amend_records(meeting)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target, field = _amend_target(meeting, data["record"])
            services.meeting_amend(
                by=request.user,
                meeting=meeting,
                reason=data["reason"],
                field=field,
                value=data["value"],
                target=target,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The record was amended."))
            return _back(meeting, "amendments")
    context = {
        "form": form,
        "committee": meeting.committee,
        "meeting": meeting,
        "title": _("Amend the record of %(title)s") % {"title": meeting.title},
        "testid": "amend-form",
    }
    return render(request, "deliberation/form.html", context, status=400 if form.errors else 200)


@login_required
def minutes_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """The minutes as a Word document or a PDF, for whoever may see the meeting."""
    if fmt not in minutes.FORMATS:
        raise Http404
    meeting = selectors.get_meeting_for_user(request.user, pk)
    data, content_type = minutes.render(meeting, fmt)
    return minutes.as_response(data, content_type, f"{meeting.title}.{fmt}")

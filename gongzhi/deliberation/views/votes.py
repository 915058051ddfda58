"""Motions, votes and resolutions: putting a motion, recording the room's votes, a member's online vote,
closing the vote, adopting the resolution, its page, and publishing it to the residents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation import selectors, services
from gongzhi.deliberation.choices import VoteChannel, VoteChoice
from gongzhi.deliberation.forms import MotionForm, ResolutionForm, VoteForm
from gongzhi.deliberation.models import ActionItem
from gongzhi.deliberation.views.common import (
    badges,
    get_motion_for_user,
    get_resolution_for_user,
    quorum_needed,
    safe_next,
    service_errors,
)
from gongzhi.deliberation.views.meeting_page import meeting_seats, render_meeting
from gongzhi.deliberation.views.member import render_mine
from gongzhi.deliberation.views.public import render_public_resolution
from gongzhi.territory.forms import bootstrapify


def _to_meeting(meeting_id: int, anchor: str) -> HttpResponse:
    return redirect(reverse("deliberation:meeting", args=[meeting_id]) + f"#{anchor}")


@login_required
@require_POST
def motion_open(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.CHANGE)
    items = list(meeting.agenda_items.select_related("topic"))
    form = MotionForm(request.POST, agenda_choices=[(i.pk, i.topic.title) for i in items])
    if form.is_valid():
        data = form.cleaned_data
        item = next((i for i in items if i.pk == data["agenda_item"]), None)
        try:
            motion = services.motion_open(
                by=request.user,
                meeting=meeting,
                text=data["text"],
                agenda_item=item,
                rule=data["rule"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The motion is put to the vote."))
            return _to_meeting(meeting.pk, f"motion-{motion.pk}")
    return render_meeting(request, meeting, status=400, failed={"motion": bootstrapify(form)})


@login_required
@require_POST
def votes_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The votes given in the room or on paper, one select per member present; blanks are skipped. Any
    refusal leaves every vote of the batch unrecorded."""
    motion = get_motion_for_user(request.user, pk, Action.CHANGE)
    meeting = motion.meeting
    recorded = 0
    try:
        with transaction.atomic():
            for seat in meeting_seats(meeting):
                choice = request.POST.get(f"vote_{seat.pk}", "")
                if not choice:
                    continue
                channel = request.POST.get(f"channel_{seat.pk}", VoteChannel.ROOM)
                if choice not in VoteChoice.values:
                    raise ValidationError(_("Vote for, against, or abstain."))
                services.vote_record(
                    by=request.user, motion=motion, seat=seat, choice=choice, channel=channel
                )
                recorded += 1
    except ValidationError as exc:
        return render_meeting(request, meeting, status=400, errors=service_errors(exc))
    messages.success(
        request, ngettext("%(n)d vote recorded.", "%(n)d votes recorded.", recorded) % {"n": recorded}
    )
    return _to_meeting(meeting.pk, f"motion-{motion.pk}")


@login_required
@require_POST
def vote_cast(request: HttpRequest, pk: int) -> HttpResponse:
    """A seat holder's own vote, online, while the vote is open; the service checks the seat and the state."""
    motion = get_motion_for_user(request.user, pk)
    form = VoteForm(request.POST)
    fallback = reverse("deliberation:mine")
    try:
        if not form.is_valid():
            raise ValidationError(_("Vote for, against, or abstain."))
        vote = services.vote_cast(by=request.user, motion=motion, choice=form.cleaned_data["choice"])
    except ValidationError as exc:
        return render_mine(request, status=400, errors=service_errors(exc))
    messages.success(
        request, _("Your vote was recorded: %(choice)s.") % {"choice": vote.get_choice_display()}
    )
    return redirect(safe_next(request, fallback))


@login_required
@require_POST
def motion_close(request: HttpRequest, pk: int) -> HttpResponse:
    motion = get_motion_for_user(request.user, pk, Action.CHANGE)
    try:
        motion = services.motion_close(by=request.user, motion=motion)
    except ValidationError as exc:
        return render_meeting(request, motion.meeting, status=400, errors=service_errors(exc))
    messages.success(
        request,
        _("The vote is closed: %(result)s (for %(f)d, against %(a)d, abstaining %(x)d).")
        % {
            "result": motion.get_result_display(),
            "f": motion.votes_for,
            "a": motion.votes_against,
            "x": motion.votes_abstain,
        },
    )
    return _to_meeting(motion.meeting_id, f"motion-{motion.pk}")


@login_required
@require_POST
def resolution_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    motion = get_motion_for_user(request.user, pk, Action.CHANGE)
    form = ResolutionForm(request.POST, auto_id=f"id_m{motion.pk}_%s")
    if form.is_valid():
        try:
            services.resolution_adopt(by=request.user, motion=motion, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The resolution was adopted."))
            return _to_meeting(motion.meeting_id, f"motion-{motion.pk}")
    failed = {f"adopt-{motion.pk}": bootstrapify(form)}
    return render_meeting(request, motion.meeting, status=400, failed=failed, errors=form.non_field_errors())


@login_required
def resolution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff read the resolution with its vote and actions; a resident of the place reads it published."""
    try:
        resolution = get_resolution_for_user(request.user, pk)
    except Http404:
        published = selectors.published_resolutions_for_resident(request.user).filter(pk=pk).first()
        if published is None:
            raise
        return render_public_resolution(request, published)
    meeting, motion = resolution.meeting, resolution.motion
    committee = meeting.committee
    context = {
        "resolution": resolution,
        "motion": motion,
        "meeting": meeting,
        "committee": committee,
        "crumbs": [*committee.place.ancestors(), committee.place],
        "needed": quorum_needed(
            motion.members_count or 0, committee.quorum_numerator, committee.quorum_denominator
        ),
        "actions": ActionItem.objects.filter(resolution=resolution).select_related("owner"),
        "can_change": can(request.user, Action.CHANGE, committee.place.path),
        **badges(),
    }
    return render(request, "deliberation/resolution_detail.html", context)


@login_required
@require_POST
def resolution_publish(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = get_resolution_for_user(request.user, pk, Action.CHANGE)
    try:
        services.resolution_publish(by=request.user, resolution=resolution)
    except ValidationError as exc:
        return render_meeting(request, resolution.meeting, status=400, errors=service_errors(exc))
    messages.success(request, _("The resolution was published to the residents."))
    fallback = (
        reverse("deliberation:meeting", args=[resolution.meeting_id]) + f"#motion-{resolution.motion_id}"
    )
    return redirect(safe_next(request, fallback))

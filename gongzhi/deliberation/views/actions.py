"""Action items: adding one under a resolution, its page with the timeline of progress, and reporting
progress, up to "done, resolve its demands"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import User
from gongzhi.core.forms import add_service_errors
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation import services
from gongzhi.deliberation.choices import ActionStatus
from gongzhi.deliberation.forms import ActionAddForm, ActionUpdateForm
from gongzhi.deliberation.models import ActionItem
from gongzhi.deliberation.views.common import (
    badges,
    get_action_for_user,
    get_resolution_for_user,
    owner_choices,
    safe_next,
)
from gongzhi.deliberation.views.meeting_page import render_meeting
from gongzhi.territory.forms import bootstrapify


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = get_resolution_for_user(request.user, pk, Action.CHANGE)
    committee = resolution.meeting.committee
    owners = owner_choices(committee)
    form = ActionAddForm(request.POST, auto_id=f"id_r{resolution.pk}_%s", owner_choices=owners)
    if form.is_valid():
        data = form.cleaned_data
        # The form accepts only the listed candidates.
        owner = User.objects.get(pk=data["owner"]) if data["owner"] else None
        try:
            action = services.action_add(
                by=request.user,
                resolution=resolution,
                title=data["title"],
                deadline=data["deadline"],
                owner=owner,
                owner_name=data["owner_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The action “%(title)s” was added.") % {"title": action.title})
            fallback = reverse("deliberation:meeting", args=[resolution.meeting_id])
            return redirect(safe_next(request, fallback + f"#motion-{resolution.motion_id}"))
    failed = {f"action-{resolution.pk}": form}
    return render_meeting(request, resolution.meeting, status=400, failed=failed)


def _action_context(request: HttpRequest, action: ActionItem, owner_only: bool, form=None) -> dict[str, Any]:
    resolution = action.resolution
    committee = resolution.meeting.committee
    can_change = can(request.user, Action.CHANGE, committee.place.path)
    item = resolution.motion.agenda_item
    demands = item.topic.demands.select_related("category", "place").order_by("created_at") if item else []
    may_update = action.status != ActionStatus.DONE and (can_change or action.owner_id == request.user.pk)
    return {
        "action": action,
        "resolution": resolution,
        "meeting": resolution.meeting,
        "committee": committee,
        "crumbs": [] if owner_only else [*committee.place.ancestors(), committee.place],
        "updates": action.updates.select_related("by"),
        "topic": item.topic if item else None,
        "demands": demands,
        "resolved": action.demands_resolved.select_related("category").order_by("created_at"),
        "can_change": can_change,
        "may_update": may_update,
        "form": form or bootstrapify(ActionUpdateForm(initial={"progress": action.progress})),
        **badges(),
    }


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action, owner_only = get_action_for_user(request.user, pk)
    return render(request, "deliberation/action_detail.html", _action_context(request, action, owner_only))


@login_required
@require_POST
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress by the organisers or the owner; "done, resolve its demands" only by the organisers."""
    action, owner_only = get_action_for_user(request.user, pk)
    committee = action.resolution.meeting.committee
    if action.owner_id != request.user.pk and not can(request.user, Action.CHANGE, committee.place.path):
        raise PermissionDenied
    form = bootstrapify(ActionUpdateForm(request.POST))
    if form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_update(
                by=request.user,
                action=action,
                progress=data["progress"],
                note=data["note"],
                status=data["status"] or None,
                resolve_demands=data["resolve_demands"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if action.status == ActionStatus.DONE:
                n = action.demands_resolved.count()
                messages.success(
                    request,
                    ngettext("Done; %(n)d demand resolved.", "Done; %(n)d demands resolved.", n) % {"n": n},
                )
            else:
                messages.success(request, _("Progress recorded: %(p)d%%.") % {"p": action.progress})
            return redirect("deliberation:action", action.pk)
    context = _action_context(request, action, owner_only, form=form)
    return render(request, "deliberation/action_detail.html", context, status=400)

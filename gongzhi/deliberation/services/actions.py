"""Writes on action items: the accountability that follows a resolution until it is carried out."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation.choices import ActionStatus
from gongzhi.deliberation.models import ActionItem, ActionUpdate, Resolution
from gongzhi.deliberation.services._common import audit, authorise, check_demand_at, link
from gongzhi.demands.models import DONE_STATES, Demand
from gongzhi.demands.services import demand_resolve
from gongzhi.notifications.services import in_site_language, notify


@transaction.atomic
def action_add(
    *,
    by: Any,
    resolution: Resolution,
    title: str,
    deadline: datetime.date,
    owner: Any = None,
    owner_name: str = "",
) -> ActionItem:
    """Give a resolution an action item with an owner (an account, or a named person or unit) and a deadline.
    Action items may be added after the meeting closed: they are the follow-up, not the record."""
    committee = resolution.meeting.committee
    authorise(by, committee)
    if owner is None and not owner_name.strip():
        raise ValidationError({"owner": [_("Name who carries this out.")]})
    action = ActionItem(
        resolution=resolution,
        title=title.strip(),
        deadline=deadline,
        owner=owner,
        owner_name=owner_name.strip(),
    )
    action.full_clean()
    action.save()
    audit(by, "action_add", action, committee, {"deadline": [None, deadline.isoformat()]})
    if owner is not None:
        with in_site_language():
            notify(
                recipients=[owner],
                subject=_("Action for you: %(title)s, due %(day)s")
                % {"title": action.title, "day": deadline.isoformat()},
                link=link("action", action.pk),
            )
    return action


def demands_behind(resolution: Resolution) -> list[Demand]:
    """The open demands of the topic the resolution's motion was put under."""
    item = resolution.motion.agenda_item
    if item is None:
        return []
    return list(item.topic.demands.open().select_related("place").order_by("pk"))


@transaction.atomic
def action_update(
    *,
    by: Any,
    action: ActionItem,
    progress: int,
    note: str = "",
    status: str | None = None,
    resolve_demands: bool = False,
    at: datetime.datetime | None = None,
) -> ActionItem:
    """Report progress (0–100 %) on an action item; the organisers or the owner may. 100 % means done and
    done means 100 %. When done with `resolve_demands`, every open demand of the topic behind the
    resolution is resolved with a reply naming the resolution (organisers only)."""
    action = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("resolution__meeting__committee__place", "resolution__motion__agenda_item__topic")
        .get(pk=action.pk)
    )
    resolution = action.resolution
    committee = resolution.meeting.committee
    is_owner = by is not None and action.owner_id is not None and action.owner_id == by.pk
    if not is_owner:
        authorise(by, committee)
    if action.status == ActionStatus.DONE:
        raise ValidationError(_("This action is done."))
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": [_("Progress is a percentage from 0 to 100.")]})
    if status is None:
        status = (
            ActionStatus.DONE
            if progress == 100
            else ActionStatus.IN_PROGRESS
            if progress
            else ActionStatus.OPEN
        )
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    if status == ActionStatus.DONE:
        progress = 100
    elif progress == 100:
        raise ValidationError({"status": [_("At 100 % the action is done.")]})
    now = at or timezone.now()
    before = {"status": action.status, "progress": action.progress}
    action.status, action.progress = status, progress
    action.done_at = now if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "progress", "done_at"])
    actor = by if by is not None and by.is_authenticated else None
    ActionUpdate.objects.create(
        action=action, at=now, by=actor, note=note.strip(), progress=progress, status=status
    )
    audit(
        by,
        "action_update",
        action,
        committee,
        {"status": [before["status"], status], "progress": [before["progress"], progress]},
    )
    if status == ActionStatus.DONE and resolve_demands:
        if by is not None and not can(by, Action.CHANGE, committee.place.path):
            raise PermissionDenied
        reply = _("Resolved by the resolution of %(committee)s (%(day)s): %(text)s") % {
            "committee": committee.name,
            "day": timezone.localdate(resolution.adopted_at).isoformat(),
            "text": resolution.text,
        }
        if note.strip():
            reply = f"{reply}\n{note.strip()}"
        resolved = [demand_resolve(by=by, demand=d, reply=reply, at=now) for d in demands_behind(resolution)]
        action.demands_resolved.add(*resolved)
    return action


@transaction.atomic
def action_link_demand(*, by: Any, action: ActionItem, demand: Demand) -> ActionItem:
    """Count a demand already resolved (by its own handling) among those a done action item resolved, when
    it is on the topic behind the resolution: `action_update` resolves only demands still open. The
    demand is left as it is. Organisers only; `by=None` is the system."""
    action = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("resolution__meeting__committee__place", "resolution__motion__agenda_item__topic")
        .get(pk=action.pk)
    )
    demand = Demand.objects.get(pk=demand.pk)  # its status now, not as the caller last read it
    committee = action.resolution.meeting.committee
    authorise(by, committee)
    check_demand_at(by, committee, demand)
    if action.status != ActionStatus.DONE:
        raise ValidationError(_("This action is not done yet."))
    if demand.status not in DONE_STATES:  # resolved, and perhaps rated since
        raise ValidationError({"demand": [_("Demand %(n)s has not been resolved.") % {"n": demand}]})
    item = action.resolution.motion.agenda_item
    if item is None or not item.topic.demands.filter(pk=demand.pk).exists():
        raise ValidationError(
            {"demand": [_("Demand %(n)s is not on the topic behind this resolution.") % {"n": demand}]}
        )
    if action.demands_resolved.filter(pk=demand.pk).exists():
        raise ValidationError({"demand": [_("Demand %(n)s is already linked.") % {"n": demand}]})
    action.demands_resolved.add(demand)
    audit(by, "action_link_demand", action, committee, {"demands_resolved": [None, [str(demand.pk)]]})
    return action

"""Writes on topics: raising them, turning demands into one, linking a demand to one, and the branch's
screening."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.roles import Action, Role
from gongzhi.core.scoping import can
from gongzhi.deliberation.choices import TopicSource, TopicStatus
from gongzhi.deliberation.models import Committee, Seat, Topic
from gongzhi.deliberation.services._common import audit, authorise, check_demand_at, link, moment
from gongzhi.demands.models import Demand
from gongzhi.demands.services import demand_put_on_agenda
from gongzhi.notifications.services import in_site_language, notify


def agenda_ref(topic: Topic) -> str:
    """What a demand's `agenda_ref` says when the demand went onto this topic."""
    return f"deliberation:topic:{topic.pk}"


def _may_raise(user: Any, committee: Committee) -> bool:
    """Anyone who can view the place; a resident of the place (or of a place inside it); a seat holder."""
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    if can(user, Action.VIEW, committee.place.path):
        return True
    path = committee.place.path
    if user.assignments.filter(active=True, role=Role.RESIDENT, place__path__startswith=path).exists():
        return True
    return Seat.objects.current(timezone.localdate()).filter(committee=committee, user=user).exists()


@transaction.atomic
def topic_raise(
    *,
    by: Any,
    committee: Committee,
    title: str,
    description: str = "",
    source: str = TopicSource.RESIDENT,
    at: datetime.datetime | None = None,
) -> Topic:
    """Put a matter before the committee. It waits, `proposed`, for the branch to screen it. `at`: when it
    was raised, if not now (demo data and imports)."""
    if not _may_raise(by, committee):
        raise PermissionDenied
    if not committee.active:
        raise ValidationError(_("This committee no longer meets."))
    if source not in TopicSource.values or source == TopicSource.DEMAND:
        raise ValidationError({"source": [_("Choose where the topic comes from.")]})
    actor = by if by is not None and by.is_authenticated else None
    topic = Topic(
        committee=committee,
        title=title.strip(),
        description=description.strip(),
        source=source,
        raised_by=actor,
    )
    topic.full_clean()
    topic.save()
    if at is not None:  # `created_at` is stamped on insert: backdate it after
        topic.created_at = at
        Topic.objects.filter(pk=topic.pk).update(created_at=at)
    audit(by, "topic_raise", topic, committee, {"status": [None, topic.status]})
    return topic


@transaction.atomic
def topic_from_demands(
    *, by: Any, committee: Committee, demands: Iterable[Demand], title: str, description: str = ""
) -> Topic:
    """Make an accepted topic of open demands at the committee's place and put each demand on the agenda."""
    authorise(by, committee)
    demands = list(demands)
    if not demands:
        raise ValidationError({"demands": [_("Choose at least one demand.")]})
    for demand in demands:
        check_demand_at(by, committee, demand, "demands")
        if not demand.is_open:
            raise ValidationError({"demands": [_("Demand %(n)s is no longer open.") % {"n": demand}]})
    actor = by if by is not None and by.is_authenticated else None
    now = timezone.now()
    topic = Topic(
        committee=committee,
        title=title.strip(),
        description=description.strip(),
        source=TopicSource.DEMAND,
        raised_by=actor,
        status=TopicStatus.ACCEPTED,
        screened_by=actor,
        screened_at=now,
    )
    topic.full_clean()
    topic.save()
    topic.demands.set(demands)
    for demand in demands:
        demand_put_on_agenda(by=by, demand=demand, agenda_ref=agenda_ref(topic), note=topic.title)
    audit(by, "topic_from_demands", topic, committee, {"demands": [None, sorted(str(d.pk) for d in demands)]})
    return topic


@transaction.atomic
def topic_link_demand(*, by: Any, topic: Topic, demand: Demand) -> Topic:
    """Put one more demand on an existing topic, open or not: a demand resolved before the committee took
    it up still belongs to the matter it deliberated. An open demand also goes on the agenda (as with
    `topic_from_demands`); a closed one is left as it is (its status, reply and agenda reference)."""
    topic = Topic.objects.select_for_update(of=("self",)).select_related("committee__place").get(pk=topic.pk)
    demand = Demand.objects.get(pk=demand.pk)  # its status now, not as the caller last read it
    committee = topic.committee
    authorise(by, committee)
    check_demand_at(by, committee, demand)
    if topic.status in (TopicStatus.MERGED, TopicStatus.DECLINED):
        raise ValidationError(_("“%(t)s” was merged or declined: choose another topic.") % {"t": topic})
    if topic.demands.filter(pk=demand.pk).exists():
        raise ValidationError({"demand": [_("Demand %(n)s is already linked.") % {"n": demand}]})
    topic.demands.add(demand)
    if demand.is_open:
        demand_put_on_agenda(by=by, demand=demand, agenda_ref=agenda_ref(topic), note=topic.title)
    audit(by, "topic_link_demand", topic, committee, {"demands": [None, [str(demand.pk)]]})
    return topic


@transaction.atomic
def topic_screen(
    *,
    by: Any,
    topic: Topic,
    decision: str,
    into: Topic | None = None,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> Topic:
    """The branch screens a proposed topic: `accepted` (it waits for an agenda), `merged` into another
    topic of the committee (its demands go along), or `declined` with a reason the raiser is told.
    `at`: when it was screened, if not now (demo data and imports)."""
    topic = Topic.objects.select_for_update(of=("self",)).select_related("committee__place").get(pk=topic.pk)
    authorise(by, topic.committee)
    if topic.status != TopicStatus.PROPOSED:
        raise ValidationError(_("This topic has already been screened."))
    if decision == TopicStatus.MERGED:
        if into is None or into.pk == topic.pk or into.committee_id != topic.committee_id:
            raise ValidationError({"into": [_("Choose another topic of the same committee.")]})
        if into.status not in (TopicStatus.PROPOSED, TopicStatus.ACCEPTED):
            raise ValidationError({"into": [_("That topic was itself merged or declined.")]})
        topic.merged_into = into
        into.demands.add(*topic.demands.all())
    elif decision == TopicStatus.DECLINED:
        if not reason.strip():
            raise ValidationError({"reason": [_("Say why the topic is declined.")]})
        topic.decline_reason = reason.strip()
    elif decision != TopicStatus.ACCEPTED:
        raise ValidationError({"decision": [_("Accept, merge or decline the topic.")]})
    topic.status = decision
    topic.screened_by = by if by is not None and by.is_authenticated else None
    topic.screened_at = moment(at, topic.created_at)
    topic.save(update_fields=["status", "merged_into", "decline_reason", "screened_by", "screened_at"])
    audit(by, "topic_screen", topic, topic.committee, {"status": [TopicStatus.PROPOSED, decision]})
    if topic.raised_by_id:
        with in_site_language():
            notify(
                recipients=[topic.raised_by],
                subject=_("Your topic “%(title)s”: %(status)s")
                % {"title": topic.title, "status": topic.get_status_display()},
                body=topic.decline_reason,
                link=link("topic", topic.pk),
            )
    return topic

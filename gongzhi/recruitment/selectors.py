"""Reads on recruitment, scoped through the recruit's branch, shared by pages and API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.core.roles import Action
from gongzhi.core.scoping import get_for_user, scope_q
from gongzhi.members.models import Member, MemberStatus
from gongzhi.party.models import PartyOrg
from gongzhi.recruitment import rules
from gongzhi.recruitment.models import Recruit, Stage


def recruits_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Recruit]:
    """Recruits in the user's scope, soonest deadline first (those with none last)."""
    return (
        Recruit.objects.filter(scope_q(user, action, "branch__place__path"))
        .select_related("branch__place")
        .order_by(F("next_due").asc(nulls_last=True), "pinyin", "id")
    )


def get_recruit_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Recruit:
    return get_for_user(
        Recruit.objects.select_related("branch__place", "member"),
        user,
        action=action,
        path_of=lambda r: r.branch.place.path,
        pk=pk,
    )


def recruits_of_org(queryset: QuerySet[Recruit], org: PartyOrg) -> QuerySet[Recruit]:
    """Recruits of `org` itself or of the branches under it (the organisation tree is at most 3 deep)."""
    return queryset.filter(Q(branch=org) | Q(branch__parent=org) | Q(branch__parent__parent=org))


def stage_counts(queryset: QuerySet[Recruit], today: datetime.date) -> dict[str, dict[str, int]]:
    """{stage: {"count", "overdue"}} for the tabs, in one query."""
    rows = (
        queryset.order_by()
        .values("stage")
        .annotate(count=Count("id"), overdue=Count("id", filter=Q(next_due__lt=today)))
    )
    counts = {s: {"count": 0, "overdue": 0} for s in Stage.values}
    for row in rows:
        counts[row["stage"]] = {"count": row["count"], "overdue": row["overdue"]}
    return counts


def full_members_of(branch: PartyOrg) -> QuerySet[Member]:
    """Who can be a contact person or an introducer: current full members of the branch."""
    return Member.objects.current().filter(branch=branch, status=MemberStatus.FULL).order_by("pinyin", "id")


@dataclass(frozen=True)
class TimelineEntry:
    on: datetime.date
    title: str
    detail: str = ""
    late: bool = False


def recruit_timeline(recruit: Recruit) -> list[TimelineEntry]:
    """The steps taken so far, oldest first, with the people involved and late steps flagged."""
    entries = [TimelineEntry(recruit.applied_on, _("Application received"))]
    if recruit.talked_on:
        late = recruit.talked_on > rules.talk_due(recruit.applied_on)
        entries.append(
            TimelineEntry(recruit.talked_on, _("Talk with the applicant"), recruit.talk_note, late)
        )
    if recruit.activist_on:
        names = "、".join(m.name for m in recruit.contacts.all())
        entries.append(TimelineEntry(recruit.activist_on, _("Became an activist"), _("Contacts: %s") % names))
    previous = recruit.activist_on
    for review in recruit.reviews.all():
        late = previous is not None and review.on > rules.review_due(recruit.activist_on, previous)
        entries.append(TimelineEntry(review.on, _("Review"), review.note, late))
        previous = review.on
    if recruit.candidate_on:
        names = "、".join(m.name for m in recruit.introducers.all())
        entries.append(
            TimelineEntry(
                recruit.candidate_on, _("Became a development candidate"), _("Introducers: %s") % names
            )
        )
    if recruit.vetted_on:
        entries.append(
            TimelineEntry(recruit.vetted_on, _("Political vetting completed"), recruit.vetting_note)
        )
    if recruit.training_end:
        detail = _("%(start)s to %(end)s, %(hours)s hours") % {
            "start": recruit.training_start.isoformat(),
            "end": recruit.training_end.isoformat(),
            "hours": recruit.training_hours,
        }
        entries.append(TimelineEntry(recruit.training_end, _("Training completed"), detail))
    if recruit.vote_on:
        detail = _("%(for)s for, %(against)s against, of %(eligible)s entitled to vote") % {
            "for": recruit.votes_for,
            "against": recruit.votes_against,
            "eligible": recruit.eligible_voters,
        }
        entries.append(TimelineEntry(recruit.vote_on, _("Branch general meeting voted to admit"), detail))
    if recruit.approved_on:
        entries.append(
            TimelineEntry(recruit.approved_on, _("Approved by the higher committee: probationary member"))
        )
    if recruit.extended_on:
        detail = _("By %(months)s months: %(reason)s") % {
            "months": recruit.extended_months,
            "reason": recruit.extension_reason,
        }
        entries.append(TimelineEntry(recruit.extended_on, _("Probation extended"), detail))
    if recruit.full_on:
        entries.append(TimelineEntry(recruit.full_on, _("Became a full member")))
    return sorted(entries, key=lambda e: e.on)

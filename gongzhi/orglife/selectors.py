"""Reads on organisational life, scoped to the user: records, compliance with the required frequencies, and
the branches whose last completed period has a missed quota (an alert for the branch and its community)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from gongzhi.core.roles import Action
from gongzhi.core.scoping import get_for_user, scope_q
from gongzhi.orglife.models import LifeRecord
from gongzhi.orglife.rules import (
    FREQUENCY,
    TYPE_ORDER,
    LifeType,
    counts,
    last_completed,
    period_of,
    periods_between,
)
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.party.selectors import orgs_visible_to

BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)
BRANCH_TYPES = [t for t in TYPE_ORDER if t != LifeType.GROUP_MEETING]


def records_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[LifeRecord]:
    return LifeRecord.objects.filter(scope_q(user, action, "org__place__path")).select_related(
        "org", "chair", "note_taker"
    )


def with_counts(records: QuerySet[LifeRecord]) -> QuerySet[LifeRecord]:
    """Attendance, leave and attachments counted in the same query, for lists."""
    return records.annotate(
        attended_count=Count("attendees", distinct=True),
        leave_count=Count("on_leave", distinct=True),
        attachment_count=Count("attachments", distinct=True),
    )


def get_record_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> LifeRecord:
    return get_for_user(
        LifeRecord.objects.select_related("org__place", "org__parent", "chair", "note_taker", "created_by"),
        user,
        action=action,
        path_of=lambda r: r.org.place.path,
        pk=pk,
    )


def records_of(org: PartyOrg) -> QuerySet[LifeRecord]:
    """The records of an organisation and of its party groups, newest first, ready for a list."""
    return with_counts(LifeRecord.objects.of_org(org).select_related("org", "chair")).order_by(
        "-held_on", "-id"
    )


def party_groups(branch: PartyOrg) -> QuerySet[PartyOrg]:
    return PartyOrg.objects.filter(parent=branch, kind=OrgKind.GROUP).order_by("code")


def compliance_units(org: PartyOrg) -> list[tuple[PartyOrg, list[str]]]:
    """Who owes what: a branch owes every type but group meetings, each of its party groups owes those."""
    if org.kind in BRANCH_KINDS:
        return [(org, BRANCH_TYPES)] + [(g, [LifeType.GROUP_MEETING]) for g in party_groups(org)]
    if org.kind == OrgKind.GROUP:
        return [(org, [LifeType.GROUP_MEETING])]
    return []


def held_periods(records: QuerySet[LifeRecord]) -> dict[tuple[int, str], set[str]]:
    """(org id, type) → labels of the periods with at least one record that counts as held."""
    held: dict[tuple[int, str], set[str]] = defaultdict(set)
    for org_id, kind, day in records.counted().values_list("org_id", "type", "held_on"):
        held[(org_id, kind)].add(period_of(FREQUENCY[kind], day).label)
    return held


def life_compliance(
    org: PartyOrg, since: datetime.date, until: datetime.date, *, today: datetime.date | None = None
) -> dict[str, Any]:
    """Required and held periods per type, and the missed ones, for `org` over [since, until].

    Only periods that have fully ended by today and lie wholly inside both the window and the life of the
    organisation (or party group) count. A general meeting below quorum does not count as held. Missed
    party group meetings name the group.
    """
    today = today or timezone.localdate()
    by_type = {kind: {"required": 0, "held": 0} for kind in TYPE_ORDER}
    missed: list[dict[str, Any]] = []
    units = compliance_units(org)
    until = min(until, today)
    if not units or since > until:
        return {"by_type": by_type, "missed": missed}
    records = LifeRecord.objects.filter(org__in=[u for u, _types in units], held_on__range=(since, until))
    held = held_periods(records)
    for unit, kinds in units:
        start = max(since, unit.established_on) if unit.established_on else since
        for kind in kinds:
            for period in periods_between(FREQUENCY[kind], start, until):
                if not counts(
                    period,
                    since=since,
                    until=until,
                    today=today,
                    established_on=unit.established_on,
                    dissolved_on=unit.dissolved_on,
                ):
                    continue
                by_type[kind]["required"] += 1
                if period.label in held[(unit.pk, kind)]:
                    by_type[kind]["held"] += 1
                else:
                    entry: dict[str, Any] = {"type": kind, "period": period.label}
                    if unit.kind == OrgKind.GROUP and unit.pk != org.pk:
                        entry["group"] = unit.name
                    missed.append((period.start, TYPE_ORDER.index(kind), entry))
    return {"by_type": by_type, "missed": [e for _s, _i, e in sorted(missed, key=lambda m: m[:2])]}


def missed_quotas_visible_to(user: Any, *, today: datetime.date | None = None) -> list[PartyOrg]:
    """Active branches in the user's scope that missed a quota in the last completed period of some type.

    Each branch comes with `life_missed`: the missed {"type", "period"} entries, in calendar order.
    """
    today = today or timezone.localdate()
    branches = list(
        orgs_visible_to(user)
        .filter(kind__in=BRANCH_KINDS)
        .active_on(today)
        .select_related("parent")
        .order_by("place__path", "code")
    )
    if not branches:
        return []
    last = {kind: last_completed(FREQUENCY[kind], today) for kind in TYPE_ORDER}
    since = min(p.start for p in last.values())
    until = max(p.end for p in last.values())
    ids = [b.pk for b in branches]
    groups: dict[int, list[PartyOrg]] = defaultdict(list)
    for group in PartyOrg.objects.filter(kind=OrgKind.GROUP, parent_id__in=ids).order_by("code"):
        groups[group.parent_id].append(group)
    records = LifeRecord.objects.filter(
        Q(org_id__in=ids) | Q(org__parent_id__in=ids), held_on__range=(since, until)
    )
    held = held_periods(records)
    flagged: list[PartyOrg] = []
    for branch in branches:
        units = [(branch, BRANCH_TYPES)] + [(g, [LifeType.GROUP_MEETING]) for g in groups[branch.pk]]
        branch.life_missed = []
        for unit, kinds in units:
            for kind in kinds:
                period = last[kind]
                required = counts(
                    period,
                    since=period.start,
                    until=period.end,
                    today=today,
                    established_on=unit.established_on,
                    dissolved_on=unit.dissolved_on,
                )
                if required and period.label not in held[(unit.pk, kind)]:
                    entry: dict[str, Any] = {"type": kind, "period": period.label}
                    if unit is not branch:
                        entry["group"] = unit.name
                    branch.life_missed.append(entry)
        if branch.life_missed:
            branch.life_missed.sort(key=lambda e: (last[e["type"]].start, TYPE_ORDER.index(e["type"])))
            flagged.append(branch)
    return flagged


def life_branches_visible_to(user: Any) -> QuerySet[PartyOrg]:
    """Branches and general branches (active ones first) whose organisational life the user may read."""
    return (
        orgs_visible_to(user)
        .filter(kind__in=BRANCH_KINDS)
        .annotate(record_count=Count("life_records", distinct=True))
        .order_by(F("dissolved_on").asc(nulls_first=True), "place__path", "code")
    )

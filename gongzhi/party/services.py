"""Writes on party organisations: creation, change events, and coverage of residential areas.

Organisations are never deleted: they are dissolved, merged, split, renamed or reorganised, each as an
`OrgChange` linking predecessors to successors, so the history of the network can always be told.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.pinyin import initials_index
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.party.models import ALLOWED_ORG_PARENTS, ChangeKind, OrgChange, OrgCoverage, OrgKind, PartyOrg
from gongzhi.territory.models import Place
from gongzhi.territory.services import community_prefix

ORG_FIELDS = ["code", "name", "kind", "place", "parent", "established_on", "dissolved_on", "note"]


@dataclass
class OrgSpec:
    """What a new organisation will be: used by establish, merge, split and reorganise."""

    code: str
    name: str
    kind: str
    place: Place
    parent: PartyOrg | None = None
    areas: list[Place] = field(default_factory=list)
    note: str = ""


def _authorise(user: Any, place: Place) -> None:
    if user is not None and not can(user, Action.CHANGE, place.path):
        raise PermissionDenied


def _common_place(places: list[Place]) -> Place:
    """The lowest place above (or equal to) all of `places`: where an event is scoped."""
    paths = [p.path.strip("/").split("/") for p in places]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return Place.objects.get(pk=int(common[-1]))


def _check_spec(spec: OrgSpec) -> None:
    allowed = ALLOWED_ORG_PARENTS.get(spec.kind, ())
    if spec.parent is None and allowed:
        raise ValidationError({"parent": _("An organisation of this kind needs a parent organisation.")})
    if spec.parent is not None:
        if spec.parent.kind not in allowed:
            raise ValidationError(
                {
                    "parent": _("“%(kind)s” cannot sit under “%(parent_kind)s”.")
                    % {"kind": OrgKind(spec.kind).label, "parent_kind": OrgKind(spec.parent.kind).label}
                }
            )
        if not spec.parent.is_active:
            raise ValidationError({"parent": _("The parent organisation has been dissolved.")})
    if not spec.place.is_open:
        raise ValidationError({"place": _("The place is closed.")})


def _new_org(by: Any, spec: OrgSpec, on: datetime.date) -> PartyOrg:
    _authorise(by, spec.place)
    _check_spec(spec)
    org = PartyOrg(
        code=spec.code,
        name=spec.name.strip(),
        kind=spec.kind,
        place=spec.place,
        parent=spec.parent,
        established_on=on,
        note=spec.note,
    )
    org.pinyin = initials_index(org.name)
    org.full_clean()
    org.save()
    audit_record(
        actor=by,
        action="create",
        obj=org,
        place_path=spec.place.path,
        changes=diff({}, snapshot(org, ORG_FIELDS)),
    )
    for area in spec.areas:
        coverage_add(by=by, org=org, area=area, since=on)
    return org


def _end_org(by: Any, org: PartyOrg, on: datetime.date) -> None:
    _authorise(by, org.place)
    if not org.is_active:
        raise ValidationError(_("%(name)s has already been dissolved.") % {"name": org.name})
    if org.children.filter(dissolved_on__isnull=True).exists():
        raise ValidationError(
            _("%(name)s still has organisations under it: dissolve or move them first.") % {"name": org.name}
        )
    before = snapshot(org, ORG_FIELDS)
    org.coverage.filter(until__isnull=True).update(until=on)
    org.dissolved_on = on
    org.save(update_fields=["dissolved_on"])
    audit_record(
        actor=by,
        action="dissolve",
        obj=org,
        place_path=org.place.path,
        changes=diff(before, snapshot(org, ORG_FIELDS)),
    )


def _record_change(
    by: Any, kind: str, on: datetime.date, note: str, before: list[PartyOrg], after: list[PartyOrg]
) -> OrgChange:
    place = _common_place([o.place for o in [*before, *after]])
    change = OrgChange.objects.create(
        kind=kind, on=on, note=note, place=place, recorded_by=by if by else None
    )
    change.predecessors.set(before)
    change.successors.set(after)
    audit_record(
        actor=by,
        action=f"org_{kind}",
        obj=change,
        place_path=place.path,
        changes={
            "predecessors": [None, [o.code for o in before]],
            "successors": [None, [o.code for o in after]],
        },
    )
    return change


@transaction.atomic
def org_establish(*, by: Any, spec: OrgSpec, on: datetime.date, note: str = "") -> PartyOrg:
    """Set up a new organisation, covering `spec.areas` from `on`."""
    org = _new_org(by, spec, on)
    _record_change(by, ChangeKind.ESTABLISH, on, note, [], [org])
    return org


@transaction.atomic
def org_rename(*, by: Any, org: PartyOrg, name: str, on: datetime.date, note: str = "") -> PartyOrg:
    """Give an organisation a new name; it stays the same organisation."""
    _authorise(by, org.place)
    if not org.is_active:
        raise ValidationError(_("A dissolved organisation cannot be renamed."))
    before = snapshot(org, ORG_FIELDS)
    old_name = org.name
    org.name = name.strip()
    org.pinyin = initials_index(org.name)
    org.full_clean()
    org.save()
    audit_record(
        actor=by,
        action="update",
        obj=org,
        place_path=org.place.path,
        changes=diff(before, snapshot(org, ORG_FIELDS)),
    )
    _record_change(by, ChangeKind.RENAME, on, note or f"{old_name} → {org.name}", [org], [org])
    return org


@transaction.atomic
def org_dissolve(*, by: Any, org: PartyOrg, on: datetime.date, note: str = "") -> OrgChange:
    """Dissolve an organisation: its coverage ends, so its areas become blank spots unless covered."""
    _end_org(by, org, on)
    return _record_change(by, ChangeKind.DISSOLVE, on, note, [org], [])


@transaction.atomic
def org_merge(*, by: Any, orgs: list[PartyOrg], into: OrgSpec, on: datetime.date, note: str = "") -> PartyOrg:
    """Merge two or more organisations into a new one, which takes over all their areas."""
    if len(orgs) < 2:
        raise ValidationError(_("A merger needs at least two organisations."))
    areas = {a.pk: a for o in orgs for a in _covered_areas(o, on)}
    areas.update({a.pk: a for a in into.areas})
    for org in orgs:
        _end_org(by, org, on)
    into.areas = list(areas.values())
    new = _new_org(by, into, on)
    _record_change(by, ChangeKind.MERGE, on, note, orgs, [new])
    return new


@transaction.atomic
def org_split(
    *, by: Any, org: PartyOrg, into: list[OrgSpec], on: datetime.date, note: str = ""
) -> list[PartyOrg]:
    """Split one organisation into two or more; each new one names the areas it takes."""
    if len(into) < 2:
        raise ValidationError(_("A split needs at least two new organisations."))
    _end_org(by, org, on)
    new = [_new_org(by, spec, on) for spec in into]
    _record_change(by, ChangeKind.SPLIT, on, note, [org], new)
    return new


@transaction.atomic
def org_reorganise(
    *, by: Any, orgs: list[PartyOrg], into: list[OrgSpec], on: datetime.date, note: str = ""
) -> list[PartyOrg]:
    """Replace a set of organisations by a new set in one event (e.g. company branches → area branches)."""
    if not orgs or not into:
        raise ValidationError(_("A reorganisation needs organisations before and after."))
    for org in orgs:
        _end_org(by, org, on)
    new = [_new_org(by, spec, on) for spec in into]
    _record_change(by, ChangeKind.REORGANISE, on, note, orgs, new)
    return new


def _covered_areas(org: PartyOrg, on: datetime.date) -> list[Place]:
    return [c.area for c in org.coverage.active_on(on).select_related("area")]


@transaction.atomic
def coverage_add(*, by: Any, org: PartyOrg, area: Place, since: datetime.date) -> OrgCoverage:
    """Make `org` responsible for `area` from `since`: the area stops being a blank spot."""
    _authorise(by, area)
    if not area.is_residential:
        raise ValidationError({"area": _("%(name)s is not a residential area.") % {"name": area.name}})
    if not org.is_active:
        raise ValidationError({"org": _("A dissolved organisation cannot take on areas.")})
    if not area.path.startswith(community_prefix(org.place.path)):
        raise ValidationError(
            {"area": _("%(name)s lies outside the community of this organisation.") % {"name": area.name}}
        )
    if org.coverage.filter(area=area, until__isnull=True).exists():
        raise ValidationError(
            {"area": _("%(org)s already covers %(area)s.") % {"org": org.name, "area": area.name}}
        )
    coverage = OrgCoverage(org=org, area=area, since=since)
    coverage.full_clean()
    coverage.save()
    audit_record(
        actor=by,
        action="cover",
        obj=coverage,
        place_path=area.path,
        changes={"area": [None, area.code], "since": [None, since.isoformat()]},
    )
    return coverage


@transaction.atomic
def coverage_end(*, by: Any, coverage: OrgCoverage, on: datetime.date) -> OrgCoverage:
    """End an organisation's responsibility for an area from `on` (the area is uncovered that day)."""
    _authorise(by, coverage.area)
    if coverage.until is not None:
        raise ValidationError(_("This coverage has already ended."))
    if on < coverage.since:
        raise ValidationError(_("Coverage cannot end before it began."))
    coverage.until = on
    coverage.save(update_fields=["until"])
    audit_record(
        actor=by,
        action="uncover",
        obj=coverage,
        place_path=coverage.area.path,
        changes={"until": [None, on.isoformat()]},
    )
    return coverage

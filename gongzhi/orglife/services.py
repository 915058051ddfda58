"""Writes on organisational life: recording meetings and activities, correcting them, adding evidence.

Every write is authorised against the organisation's place and audited. A record is refused when it is
dated in the future, before the organisation was established, or for an organisation that has been
dissolved (its books are closed). A branch general meeting is kept but flagged when no more than half of
the branch's voting (full) members were present: it does not count as held.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.members.models import Member, MemberStatus
from gongzhi.orglife.files import check_upload
from gongzhi.orglife.models import LifeAttachment, LifeGrade, LifeRecord
from gongzhi.orglife.rules import Grade, LifeType
from gongzhi.party.models import OrgKind, PartyOrg

RECORD_FIELDS = [
    "org",
    "type",
    "held_on",
    "location",
    "chair",
    "note_taker",
    "expected",
    "topic",
    "resolutions",
    "voting_members",
    "below_quorum",
]
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)
EDITABLE = {
    "org",
    "type",
    "held_on",
    "location",
    "chair",
    "note_taker",
    "expected",
    "attendees",
    "on_leave",
    "topic",
    "resolutions",
    "grades",
}


def _authorise(user: Any, org: PartyOrg) -> None:
    if user is not None and not can(user, Action.CHANGE, org.place.path):
        raise PermissionDenied


def branch_of(org: PartyOrg) -> PartyOrg:
    """The branch whose members take part: the organisation itself, or a party group's branch."""
    return org.parent if org.kind == OrgKind.GROUP and org.parent is not None else org


def members_on(org: PartyOrg, day: datetime.date) -> QuerySet[Member]:
    """Members of the branch (or of the party group) on `day`."""
    qs = Member.objects.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
    return qs.filter(group=org) if org.kind == OrgKind.GROUP else qs.filter(branch=org)


def voting_members_on(branch: PartyOrg, day: datetime.date) -> QuerySet[Member]:
    """Full members of the branch on `day`: only they vote, so only they make the quorum."""
    return (
        members_on(branch, day)
        .filter(status=MemberStatus.FULL)
        .filter(Q(full_on__isnull=True) | Q(full_on__lte=day))
    )


def _is_voting(member: Member, day: datetime.date) -> bool:
    return member.status == MemberStatus.FULL and (member.full_on is None or member.full_on <= day)


@dataclass
class _Draft:
    org: PartyOrg
    type: str
    held_on: datetime.date
    topic: str
    location: str = ""
    chair: Member | None = None
    note_taker: Member | None = None
    expected: int | None = None
    attendees: list[Member] = field(default_factory=list)
    on_leave: list[Member] = field(default_factory=list)
    resolutions: str = ""
    grades: dict[Member, str] = field(default_factory=dict)


def _check_org(org: PartyOrg, kind: str, held_on: datetime.date | None, errors: dict[str, list[str]]) -> None:
    if org.dissolved_on is not None:
        raise ValidationError(_("%(name)s has been dissolved: its records are closed.") % {"name": org.name})
    if kind == LifeType.GROUP_MEETING and org.kind != OrgKind.GROUP:
        errors.setdefault("type", []).append(
            _("A party group meeting is recorded for one of the branch's party groups.")
        )
    elif kind != LifeType.GROUP_MEETING and org.kind not in BRANCH_KINDS:
        errors.setdefault("type", []).append(_("Only a branch or a general branch records this type."))
    if held_on is None:
        return
    if held_on > timezone.localdate():
        errors.setdefault("held_on", []).append(_("A record cannot be dated in the future."))
    if org.established_on and held_on < org.established_on:
        errors.setdefault("held_on", []).append(
            _("%(name)s was established on %(date)s: a record cannot be dated earlier.")
            % {"name": org.name, "date": org.established_on.isoformat()}
        )


def _check_people(draft: _Draft, branch: PartyOrg, errors: dict[str, list[str]]) -> None:
    day = draft.held_on
    people = [("chair", draft.chair), ("note_taker", draft.note_taker)]
    people += [("attendees", m) for m in draft.attendees] + [("on_leave", m) for m in draft.on_leave]
    people += [("grades", m) for m in draft.grades]
    for name, member in people:
        if member is None:
            continue
        if member.branch_id != branch.pk:
            errors.setdefault(name, []).append(
                _("%(member)s is not a member of %(branch)s.")
                % {"member": member.name, "branch": branch.name}
            )
        elif member.joined_on > day or (member.left_on is not None and member.left_on <= day):
            errors.setdefault(name, []).append(
                _("%(member)s was not a member of the branch on that day.") % {"member": member.name}
            )
    both = {m.pk for m in draft.attendees} & {m.pk for m in draft.on_leave}
    if both:
        errors.setdefault("on_leave", []).append(_("A member cannot both attend and be on leave."))
    if draft.grades and draft.type != LifeType.APPRAISAL:
        errors.setdefault("grades", []).append(_("Only a democratic appraisal of members gives grades."))
    if any(grade not in Grade.values for grade in draft.grades.values()):
        errors.setdefault("grades", []).append(_("Unknown grade."))
    if draft.expected is not None and len(draft.attendees) + len(draft.on_leave) > draft.expected:
        errors.setdefault("expected", []).append(
            _("%(n)d attended or were on leave, more than the %(expected)d expected.")
            % {"n": len(draft.attendees) + len(draft.on_leave), "expected": draft.expected}
        )


def _validate(draft: _Draft) -> dict[str, Any]:
    """Check a draft; the values the service computes (expected, quorum) or a ValidationError."""
    errors: dict[str, list[str]] = {}
    if draft.type not in LifeType.values:
        raise ValidationError({"type": [_("Unknown type of organisational life.")]})
    if draft.held_on is None:
        errors["held_on"] = [_("Enter the date it was held.")]
    if not (draft.topic or "").strip():
        errors["topic"] = [_("Enter the topic.")]
    _check_org(draft.org, draft.type, draft.held_on, errors)
    if errors:
        raise ValidationError(errors)
    branch = branch_of(draft.org)
    _check_people(draft, branch, errors)
    if errors:
        raise ValidationError(errors)
    expected = draft.expected
    if expected is None:
        expected = max(
            members_on(draft.org, draft.held_on).count(), len(draft.attendees) + len(draft.on_leave)
        )
    computed: dict[str, Any] = {"expected": expected, "voting_members": None, "below_quorum": False}
    if draft.type == LifeType.GENERAL_MEETING:
        voting = voting_members_on(branch, draft.held_on).count()
        present = sum(1 for m in draft.attendees if _is_voting(m, draft.held_on))
        computed.update(voting_members=voting, below_quorum=present * 2 <= voting)
    return computed


def _save(record: LifeRecord, draft: _Draft, computed: dict[str, Any]) -> dict[str, list[Any]]:
    """Write the draft onto the record with its people and grades; the changes for the audit row."""
    before = snapshot(record, RECORD_FIELDS) if record.pk else {}
    before_people = (
        {
            "attendees": sorted(record.attendees.values_list("pk", flat=True)),
            "on_leave": sorted(record.on_leave.values_list("pk", flat=True)),
            "grades": sorted(f"{g.member_id}:{g.grade}" for g in record.grades.all()),
        }
        if record.pk
        else {}
    )
    for name in ("org", "type", "held_on", "chair", "note_taker"):
        setattr(record, name, getattr(draft, name))
    record.location = draft.location.strip()
    record.topic = draft.topic.strip()
    record.resolutions = draft.resolutions.strip()
    for name, value in computed.items():
        setattr(record, name, value)
    # The related rows are objects already in hand: skip the existence queries full_clean would run.
    record.full_clean(exclude=["org", "chair", "note_taker", "created_by"])
    is_new = record.pk is None
    record.save()
    if is_new:
        record.attendees.add(*draft.attendees)
        record.on_leave.add(*draft.on_leave)
    else:
        record.attendees.set(draft.attendees)
        record.on_leave.set(draft.on_leave)
        record.grades.all().delete()
    LifeGrade.objects.bulk_create(
        LifeGrade(record=record, member=m, grade=g) for m, g in draft.grades.items()
    )
    after_people = {
        "attendees": sorted(m.pk for m in draft.attendees),
        "on_leave": sorted(m.pk for m in draft.on_leave),
        "grades": sorted(f"{m.pk}:{g}" for m, g in draft.grades.items()),
    }
    return diff({**before, **before_people}, {**snapshot(record, RECORD_FIELDS), **after_people})


@transaction.atomic
def life_record_create(
    *,
    by: Any,
    org: PartyOrg,
    type: str,
    held_on: datetime.date,
    topic: str,
    location: str = "",
    chair: Member | None = None,
    note_taker: Member | None = None,
    expected: int | None = None,
    attendees: Iterable[Member] = (),
    on_leave: Iterable[Member] = (),
    resolutions: str = "",
    grades: dict[Member, str] | None = None,
) -> LifeRecord:
    """Record a meeting or activity of `org` (a branch, or a party group for a group meeting).

    `expected` defaults to the members on the day. A general meeting is flagged below quorum when no more
    than half of the branch's voting members attended; it is kept, but it does not count as held.
    """
    _authorise(by, org)
    draft = _Draft(
        org=org,
        type=type,
        held_on=held_on,
        topic=topic,
        location=location,
        chair=chair,
        note_taker=note_taker,
        expected=expected,
        attendees=list(attendees),
        on_leave=list(on_leave),
        resolutions=resolutions,
        grades=dict(grades or {}),
    )
    computed = _validate(draft)
    record = LifeRecord(created_by=by if by is not None and by.is_authenticated else None)
    changes = _save(record, draft, computed)
    audit_record(actor=by, action="create", obj=record, place_path=org.place.path, changes=changes)
    return record


@transaction.atomic
def life_record_update(*, by: Any, record: LifeRecord, **data: Any) -> LifeRecord:
    """Correct a record; fields left out keep their values. The same rules as for a new record apply."""
    unknown = set(data) - EDITABLE
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    _authorise(by, record.org)
    if "org" in data:
        _authorise(by, data["org"])
    draft = _Draft(
        org=data.get("org", record.org),
        type=data.get("type", record.type),
        held_on=data.get("held_on", record.held_on),
        topic=data.get("topic", record.topic),
        location=data.get("location", record.location),
        chair=data.get("chair", record.chair),
        note_taker=data.get("note_taker", record.note_taker),
        expected=data.get("expected", record.expected),
        attendees=list(data["attendees"]) if "attendees" in data else list(record.attendees.all()),
        on_leave=list(data["on_leave"]) if "on_leave" in data else list(record.on_leave.all()),
        resolutions=data.get("resolutions", record.resolutions),
        grades=dict(data["grades"] or {})
        if "grades" in data
        else {g.member: g.grade for g in record.grades.select_related("member")},
    )
    computed = _validate(draft)
    changes = _save(record, draft, computed)
    if changes:
        audit_record(actor=by, action="update", obj=record, place_path=record.org.place.path, changes=changes)
    return record


@transaction.atomic
def life_attachment_add(*, by: Any, record: LifeRecord, kind: str, file: UploadedFile) -> LifeAttachment:
    """Keep a photo or sign-in sheet of `record`, after checking its type by its first bytes and its size.

    The file is stored under a new random name with the extension of the type found; the name it was
    uploaded with is kept for display only. A refused file leaves nothing behind.
    """
    _authorise(by, record.org)
    if record.org.dissolved_on is not None:
        raise ValidationError(
            _("%(name)s has been dissolved: its records are closed.") % {"name": record.org.name}
        )
    content_type, extension = check_upload(kind, file)
    attachment = LifeAttachment(
        record=record,
        kind=kind,
        original_name=os.path.basename(file.name or "")[:200] or extension,
        content_type=content_type,
        size=file.size,
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", file, save=False)
    stored = attachment.file.name
    try:
        attachment.full_clean()
        attachment.save()
        audit_record(
            actor=by,
            action="attach",
            obj=attachment,
            place_path=record.org.place.path,
            changes={
                "record": [None, record.pk],
                "kind": [None, kind],
                "original_name": [None, attachment.original_name],
                "size": [None, attachment.size],
            },
        )
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment

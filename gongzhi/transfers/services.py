"""Writes on transfers: issuing (or registering) a transfer letter, and receiving it."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.members.models import Member
from gongzhi.members.services import member_update
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.transfers import rules
from gongzhi.transfers.models import Direction, Transfer, TransferStatus

TRANSFER_FIELDS = [
    "direction",
    "branch",
    "member",
    "person_name",
    "counterpart",
    "absence_months",
    "letter_kind",
    "issued_on",
    "valid_until",
    "received_on",
    "status",
]
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def _authorise(user: Any, branch: PartyOrg) -> None:
    if user is not None and not can(user, Action.CHANGE, branch.place.path):
        raise PermissionDenied


def _check_people(direction: str, branch: PartyOrg, member: Member | None, person_name: str) -> dict:
    errors: dict[str, list[str]] = {}
    if member is not None and member.branch_id != branch.pk:
        errors["member"] = [_("%(name)s is not a member of this branch.") % {"name": member.name}]
    elif direction == Direction.OUT:
        if member is None:
            errors["member"] = [_("Choose the member who is leaving.")]
        elif member.left_on is not None:
            errors["member"] = [_("%(name)s has already left the register.") % {"name": member.name}]
        elif Transfer.objects.filter(direction=Direction.OUT).open_for(member).exists():
            errors["member"] = [_("A letter issued for %(name)s is still valid.") % {"name": member.name}]
    elif member is None and not person_name:
        errors["person_name"] = [_("Choose the member, or give the name of a person not registered yet.")]
    return errors


@transaction.atomic
def transfer_issue(
    *,
    by: Any,
    direction: str,
    branch: PartyOrg,
    counterpart: str,
    absence_months: int,
    issued_on: datetime.date,
    member: Member | None = None,
    person_name: str = "",
    note: str = "",
) -> Transfer:
    """Issue a transfer letter for a member leaving `branch`, or register one brought by a person arriving.

    Out: the member must be current and have no letter still valid. In: a registered member of the branch,
    or the name of a person not registered yet. The letter kind follows from the absence (over six months:
    introduction letter, else certificate letter); it is valid for three months from `issued_on`.
    """
    _authorise(by, branch)
    person_name = (person_name or "").strip()
    counterpart = (counterpart or "").strip()
    errors: dict[str, list[str]] = {}
    if direction not in Direction.values:
        errors["direction"] = [_("Choose transfer out or transfer in.")]
    if branch.kind not in BRANCH_KINDS or not branch.is_active:
        errors["branch"] = [_("Transfers are made by an active party branch or general branch.")]
    if not errors:
        errors.update(_check_people(direction, branch, member, person_name))
    if not counterpart:
        errors["counterpart"] = [_("Name the other party organisation.")]
    if absence_months is None or absence_months < 1:
        errors["absence_months"] = [_("The expected absence is at least one month.")]
    if issued_on > timezone.localdate():
        errors["issued_on"] = [_("A letter cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    transfer = Transfer(
        direction=direction,
        branch=branch,
        member=member,
        person_name="" if member is not None else person_name,
        counterpart=counterpart,
        absence_months=absence_months,
        letter_kind=rules.letter_kind_for(absence_months),
        issued_on=issued_on,
        valid_until=rules.valid_until_for(issued_on),
        note=note,
        recorded_by=by if by is not None and by.is_authenticated else None,
    )
    transfer.full_clean()
    transfer.save()
    audit_record(
        actor=by,
        action=f"transfer_{direction}_issue",
        obj=transfer,
        place_path=branch.place.path,
        changes=diff({}, snapshot(transfer, TRANSFER_FIELDS)),
    )
    return transfer


@transaction.atomic
def transfer_receive(*, by: Any, transfer: Transfer, received_on: datetime.date | None = None) -> Transfer:
    """Record that the letter was received: by the other organisation (out) or by the branch (in).

    Refused once the letter has expired: a new letter must be issued. Receiving an out-transfer takes the
    member off the branch's register on that day.
    """
    _authorise(by, transfer.branch)
    received_on = received_on or timezone.localdate()
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("branch__place", "member__branch__place")
        .get(pk=transfer.pk)
    )
    if transfer.status == TransferStatus.RECEIVED:
        raise ValidationError(
            _("This letter was already received on %(day)s.") % {"day": transfer.received_on}
        )
    if received_on < transfer.issued_on:
        raise ValidationError(
            _("A letter cannot be received before it was issued (%(day)s).") % {"day": transfer.issued_on}
        )
    if received_on > timezone.localdate():
        raise ValidationError(_("A receipt cannot be dated in the future."))
    if received_on > transfer.valid_until:
        raise ValidationError(
            _("This letter expired on %(day)s and can no longer be received: issue a new letter.")
            % {"day": transfer.valid_until}
        )
    before = snapshot(transfer, TRANSFER_FIELDS)
    transfer.status = TransferStatus.RECEIVED
    transfer.received_on = received_on
    transfer.save(update_fields=["status", "received_on"])
    audit_record(
        actor=by,
        action=f"transfer_{transfer.direction}_receive",
        obj=transfer,
        place_path=transfer.branch.place.path,
        changes=diff(before, snapshot(transfer, TRANSFER_FIELDS)),
    )
    if transfer.direction == Direction.OUT:
        member_update(by=by, member=transfer.member, left_on=received_on)
    return transfer

"""API for transfers of party membership."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Router, Schema

from gongzhi.core.api import Page, page_of
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere
from gongzhi.party.selectors import get_org_for_user
from gongzhi.transfers.models import TransferStatus
from gongzhi.transfers.selectors import transfers_visible_to

router = Router(tags=["transfers"])


class TransferOut(Schema):
    id: int
    direction: str
    organization: int
    member: int | None
    name: str
    counterpart: str
    absence_months: int
    letter_kind: str
    issued_on: datetime.date
    valid_until: datetime.date
    received_on: datetime.date | None
    status: str

    @staticmethod
    def resolve_organization(obj) -> int:
        return obj.branch_id

    @staticmethod
    def resolve_member(obj) -> int | None:
        return obj.member_id

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.current_status


@router.get("/transfers", response=Page[TransferOut])
def list_transfers(
    request, organization: int | None = None, status: str = "", limit: int = 100, offset: int = 0
):
    """Transfers visible to the caller, newest first; `status` is issued (still valid), received or expired."""
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    transfers = transfers_visible_to(request.user)
    if organization is not None:
        transfers = transfers.filter(branch=get_org_for_user(request.user, organization))
    if status and status not in TransferStatus.values:
        raise ValidationError({"status": [f"One of: {', '.join(TransferStatus.values)}."]})
    if status:
        transfers = transfers.with_status(status)
    return page_of(transfers, limit, offset)

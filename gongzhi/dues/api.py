"""API for party dues: one month of a branch's ledger, and one member's ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Router, Schema

from gongzhi.core.api import MAX_LIMIT, Page, page_of
from gongzhi.core.roles import Action
from gongzhi.core.scoping import require_anywhere
from gongzhi.dues import selectors
from gongzhi.dues.months import parse_month
from gongzhi.members.models import Member
from gongzhi.members.selectors import get_member_for_user
from gongzhi.party.selectors import get_org_for_user

router = Router(tags=["dues"])
FEN = Decimal("0.01")


def _yuan(value: Decimal | None) -> Decimal | None:
    """Money to the fen: values read through a subquery lose their scale on some databases."""
    return None if value is None else Decimal(value).quantize(FEN)


class MonthDuesOut(Schema):
    member_id: int
    name: str
    amount_due: Decimal | None
    amount_paid: Decimal | None
    paid_on: datetime.date | None

    @staticmethod
    def resolve_member_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_amount_due(obj) -> Decimal | None:
        if obj.recorded_due is not None:
            return _yuan(obj.recorded_due)
        return selectors.basis_dues(obj.basis_category, obj.basis_income)

    @staticmethod
    def resolve_amount_paid(obj) -> Decimal | None:
        return _yuan(obj.recorded_paid)

    @staticmethod
    def resolve_paid_on(obj) -> datetime.date | None:
        return obj.recorded_paid_on


class LedgerEntryOut(Schema):
    month: str
    status: str
    amount_due: Decimal | None
    amount_paid: Decimal | None
    paid_on: datetime.date | None

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.state


@router.get("/dues", response=Page[MonthDuesOut])
def list_month_dues(request, organization: int, month: str = "", limit: int = 100, offset: int = 0):
    """Each member of the branch during `month` (YYYY-MM, default this month): due, paid, paid on.

    `amount_due` is the amount recorded with the payment, else the one the member's dues basis gives,
    else null when no basis is recorded yet. Unpaid months have `amount_paid` and `paid_on` null.
    """
    require_anywhere(request.user, Action.VIEW)
    org = get_org_for_user(request.user, organization)
    try:
        first_day = parse_month(month) if month else selectors.current_month()
    except ValueError as exc:
        raise ValidationError({"month": ["Give the month as YYYY-MM."]}) from exc
    return page_of(selectors.dues_for_month(Member.objects.filter(branch=org), first_day), limit, offset)


@router.get("/members/{member_id}/dues", response=Page[LedgerEntryOut])
def member_ledger(request, member_id: int, limit: int = 100, offset: int = 0):
    """The member's ledger, newest month first; status is paid, unpaid, or open (the current month)."""
    require_anywhere(request.user, Action.VIEW)
    member = get_member_for_user(request.user, member_id)
    entries = selectors.member_ledger(member)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return {"items": entries[offset : offset + limit], "count": len(entries)}

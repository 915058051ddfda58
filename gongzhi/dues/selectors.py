"""Reads on party dues, scoped through the member's branch, shared by pages, API and the workbench.

A member's ledger starts at the later of the month they joined and the month of their first dues basis:
no dues can be owed before the branch knows how much they are. It ends with the current month, or with
the month the member left. A month of the ledger is unpaid when no payment is recorded for it; the
current month is still open and is not counted as unpaid until it is over.
"""

from __future__ import annotations

import bisect
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from gongzhi.core.roles import Action
from gongzhi.dues import rates
from gongzhi.dues.models import DuesPayment, DuesProfile
from gongzhi.dues.months import add_months, month_start, months_between, months_from
from gongzhi.members.models import Member
from gongzhi.members.selectors import members_visible_to
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.party.selectors import orgs_visible_to

LEDGER_MONTHS = 12
ARREARS_MONTHS = 6  # six months in a row unpaid is an alert
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def current_month(today: datetime.date | None = None) -> datetime.date:
    return month_start(today or timezone.localdate())


def last_completed_month(today: datetime.date | None = None) -> datetime.date:
    return add_months(current_month(today), -1)


def branches_visible_to(user: Any) -> QuerySet[PartyOrg]:
    """The branches whose dues the user may see: those that keep a dues ledger (branch, general branch)."""
    return orgs_visible_to(user).filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)


def _first_profile_month() -> Subquery:
    first = DuesProfile.objects.filter(member=OuterRef("pk")).order_by("applies_from")
    return Subquery(first.values("applies_from")[:1])


def with_dues_basis(members: QuerySet[Member], month: datetime.date) -> QuerySet[Member]:
    """Annotate `dues_since` (first basis month) and the basis in force in `month` (category, income)."""
    basis = DuesProfile.objects.filter(member=OuterRef("pk"), applies_from__lte=month).order_by(
        "-applies_from"
    )
    return members.annotate(
        dues_since=_first_profile_month(),
        basis_category=Subquery(basis.values("category")[:1]),
        basis_income=Subquery(basis.values("monthly_income")[:1]),
    )


def profile_for_month(member: Member, month: datetime.date) -> DuesProfile | None:
    """The dues basis in force in `month`: the newest one that applies from that month or earlier."""
    return member.dues_profiles.filter(applies_from__lte=month).order_by("-applies_from").first()


def ledger_start(member: Member, dues_since: datetime.date | None) -> datetime.date | None:
    if dues_since is None:
        return None
    return max(month_start(member.joined_on), dues_since)


def ledger_end(member: Member, today: datetime.date | None = None) -> datetime.date:
    end = current_month(today)
    if member.left_on is not None:
        end = min(end, month_start(member.left_on))
    return end


def basis_dues(category: str | None, income: Decimal | None) -> Decimal | None:
    """The monthly dues for an annotated basis, or None when the member has none yet."""
    if category is None:
        return None
    return rates.monthly_dues(income if income is not None else Decimal(0), category)


def branch_members(org: PartyOrg) -> QuerySet[Member]:
    """The branch's current members with their dues basis for this month: the rows of the ledger."""
    return with_dues_basis(Member.objects.current().filter(branch=org), current_month()).order_by(
        "pinyin", "id"
    )


@dataclass
class LedgerCell:
    month: datetime.date
    state: str  # paid | unpaid | open (current month, not yet paid) | none (outside the member's ledger)
    payment: DuesPayment | None = None


@dataclass
class LedgerRow:
    member: Member
    monthly_dues: Decimal | None
    cells: list[LedgerCell]


def _state(
    month: datetime.date,
    start: datetime.date | None,
    end: datetime.date,
    this_month: datetime.date,
    paid: bool,
) -> str:
    if paid:
        return "paid"
    if start is None or month < start or month > end:
        return "none"
    return "open" if month == this_month else "unpaid"


def ledger_rows(members: list[Member], months: list[datetime.date]) -> list[LedgerRow]:
    """The grid of the branch ledger: one row per member (annotated by `with_dues_basis`), one cell a month."""
    this_month = current_month()
    payments = DuesPayment.objects.filter(
        member__in=[m.pk for m in members], month__range=(months[0], months[-1])
    )
    paid = {(p.member_id, p.month): p for p in payments}
    rows = []
    for member in members:
        start, end = ledger_start(member, member.dues_since), ledger_end(member)
        cells = []
        for month in months:
            payment = paid.get((member.pk, month))
            cells.append(
                LedgerCell(month, _state(month, start, end, this_month, payment is not None), payment)
            )
        rows.append(LedgerRow(member, basis_dues(member.basis_category, member.basis_income), cells))
    return rows


def ledger_months(today: datetime.date | None = None, count: int = LEDGER_MONTHS) -> list[datetime.date]:
    """The last `count` months, the current one included, oldest first."""
    this_month = current_month(today)
    return months_from(add_months(this_month, 1 - count), this_month)


@dataclass
class LedgerEntry:
    month: datetime.date
    state: str
    amount_due: Decimal | None
    amount_paid: Decimal | None = None
    paid_on: datetime.date | None = None


def member_ledger(member: Member, today: datetime.date | None = None) -> list[LedgerEntry]:
    """Every month of the member's ledger, newest first, with what was due and what was paid (two queries)."""
    profiles = list(member.dues_profiles.order_by("applies_from"))
    payments = {p.month: p for p in member.dues_payments.all()}
    start = ledger_start(member, profiles[0].applies_from if profiles else None)
    end, this_month = ledger_end(member, today), current_month(today)
    months = sorted(set(months_from(start, end) if start else []) | set(payments), reverse=True)
    starts = [p.applies_from for p in profiles]
    entries = []
    for month in months:
        payment = payments.get(month)
        if payment is not None:
            entries.append(
                LedgerEntry(month, "paid", payment.amount_due, payment.amount_paid, payment.paid_on)
            )
            continue
        basis = profiles[bisect.bisect_right(starts, month) - 1]
        entries.append(LedgerEntry(month, _state(month, start, end, this_month, False), basis.monthly_dues))
    return entries


def unpaid_months(member: Member, today: datetime.date | None = None) -> list[datetime.date]:
    """The member's unpaid months up to the last completed one, oldest first."""
    return sorted(e.month for e in member_ledger(member, today) if e.state == "unpaid")


def in_arrears(members: QuerySet[Member], today: datetime.date | None = None) -> QuerySet[Member]:
    """Current members whose last ARREARS_MONTHS completed months are all in their ledger and all unpaid.

    That is: at least six consecutive unpaid months ending at the last completed month. Annotated with
    `dues_since` and `last_paid_month` for `unpaid_streak`.
    """
    window_end = last_completed_month(today)
    window_start = add_months(window_end, 1 - ARREARS_MONTHS)
    last_paid = DuesPayment.objects.filter(member=OuterRef("pk"), month__lte=window_end).order_by("-month")
    return (
        members.filter(left_on__isnull=True, joined_on__lt=add_months(window_start, 1))
        .annotate(dues_since=_first_profile_month(), last_paid_month=Subquery(last_paid.values("month")[:1]))
        .filter(dues_since__lte=window_start)
        .filter(Q(last_paid_month__isnull=True) | Q(last_paid_month__lt=window_start))
    )


def unpaid_streak(member: Member, today: datetime.date | None = None) -> tuple[datetime.date, int]:
    """(first unpaid month, how many months) of the run ending at the last completed month.

    `member` comes from `in_arrears`, which annotated it.
    """
    start = ledger_start(member, member.dues_since)
    if member.last_paid_month is not None:
        start = max(start, add_months(member.last_paid_month, 1))
    return start, months_between(start, last_completed_month(today))


def arrears_alerts_visible_to(user: Any, today: datetime.date | None = None) -> QuerySet[Member]:
    """Members in the user's view scope with six or more months in a row unpaid: the workbench alert."""
    return (
        in_arrears(members_visible_to(user, Action.VIEW), today)
        .select_related("branch")
        .order_by("branch__place__path", "branch__name", "pinyin", "id")
    )


def dues_for_month(members: QuerySet[Member], month: datetime.date) -> QuerySet[Member]:
    """Members during `month`, annotated with that month's payment (if any) and dues basis."""
    payment = DuesPayment.objects.filter(member=OuterRef("pk"), month=month)
    return (
        with_dues_basis(members, month)
        .filter(joined_on__lt=add_months(month, 1))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=month))
        .annotate(
            recorded_due=Subquery(payment.values("amount_due")[:1]),
            recorded_paid=Subquery(payment.values("amount_paid")[:1]),
            recorded_paid_on=Subquery(payment.values("paid_on")[:1]),
        )
        .order_by("pinyin", "id")
    )

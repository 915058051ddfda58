"""Writes on party dues: a member's dues basis and the payments of the monthly ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.dues import rates
from gongzhi.dues.models import DuesPayment, DuesProfile
from gongzhi.dues.months import month_start
from gongzhi.dues.selectors import profile_for_month
from gongzhi.members.models import Member

PROFILE_FIELDS = ["category", "monthly_income", "applies_from"]
PAYMENT_FIELDS = ["month", "amount_due", "amount_paid", "paid_on"]


def _authorise(user: Any, member: Member) -> None:
    if user is not None and not can(user, Action.CHANGE, member.branch.place.path):
        raise PermissionDenied


def _user_or_none(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def dues_set_profile(
    *, by: Any, member: Member, category: str, monthly_income: Decimal, applies_from: datetime.date
) -> DuesProfile:
    """Record the member's dues category and after-tax income from the month of `applies_from` on.

    Earlier months keep the basis they had. Setting a basis again for the same month corrects it.
    """
    _authorise(by, member)
    month = month_start(applies_from)
    errors: dict[str, list[str]] = {}
    if category not in rates.CATEGORIES:
        errors["category"] = [_("Choose a dues category.")]
    if monthly_income is None or monthly_income < 0:
        errors["monthly_income"] = [_("The income cannot be negative.")]
    if month < month_start(member.joined_on):
        errors["applies_from"] = [_("The member joined the party after this month.")]
    if errors:
        raise ValidationError(errors)
    profile = DuesProfile.objects.filter(member=member, applies_from=month).first()
    created = profile is None
    if created:
        profile = DuesProfile(member=member, applies_from=month)
    before = {} if created else snapshot(profile, PROFILE_FIELDS)
    profile.category = category
    profile.monthly_income = monthly_income
    profile.recorded_by = _user_or_none(by)
    profile.full_clean()
    profile.save()
    audit_record(
        actor=by,
        action="set_dues_profile" if created else "correct_dues_profile",
        obj=profile,
        place_path=member.branch.place.path,
        changes=diff(before, snapshot(profile, PROFILE_FIELDS)),
    )
    return profile


@transaction.atomic
def dues_record_payment(
    *,
    by: Any,
    member: Member,
    month: datetime.date,
    amount_paid: Decimal,
    paid_on: datetime.date | None = None,
) -> DuesPayment:
    """Record that `member` paid their dues for `month`; the amount due comes from the basis then in force.

    Refused: a month before the member joined or after they left, a month still to come, a month already
    recorded, a month without a dues basis, an amount that is not positive, a payment dated in the future.
    """
    _authorise(by, member)
    today = timezone.localdate()
    month = month_start(month)
    paid_on = paid_on or today
    errors: dict[str, list[str]] = {}
    profile = None
    if month < month_start(member.joined_on):
        errors["month"] = [_("The member joined the party after this month.")]
    elif member.left_on is not None and month > month_start(member.left_on):
        errors["month"] = [_("The member had left the register by this month.")]
    elif month > month_start(today):
        errors["month"] = [_("Dues cannot be recorded for a month still to come.")]
    elif DuesPayment.objects.filter(member=member, month=month).exists():
        errors["month"] = [
            _("Dues for %(month)s are already recorded for %(name)s.")
            % {"month": f"{month:%Y-%m}", "name": member.name}
        ]
    else:
        profile = profile_for_month(member, month)
        if profile is None:
            errors["month"] = [_("Record the member's dues category and income for this month first.")]
    if amount_paid is None or amount_paid <= 0:
        errors["amount_paid"] = [_("The amount paid must be more than zero.")]
    if paid_on > today:
        errors["paid_on"] = [_("A payment cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    payment = DuesPayment(
        member=member,
        month=month,
        amount_due=profile.monthly_dues,
        amount_paid=amount_paid,
        paid_on=paid_on,
        recorded_by=_user_or_none(by),
    )
    payment.full_clean()
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:  # recorded by someone else a moment ago
        raise ValidationError({"month": [_("Dues for this month are already recorded.")]}) from exc
    audit_record(
        actor=by,
        action="record_dues_payment",
        obj=payment,
        place_path=member.branch.place.path,
        changes=diff({}, snapshot(payment, PAYMENT_FIELDS)),
    )
    return payment

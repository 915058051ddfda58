"""Writes on companies and their yearly figures. Every write is authorised at the company's place and audited."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.collective.models import COMPANY_PLACE_KINDS, Company, CompanyYear
from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.territory.models import Place

COMPANY_FIELDS = ["code", "name", "resident_group", "branch", "chairman", "chairman_member", "registered_on"]
YEAR_FIELDS = ["year", "shareholders", "revenue", "profit", "total_dividends", "dividend_per_share", "note"]
CENT = Decimal("0.01")
# Dividends per share are often announced rounded to the yuan: the total may then differ from
# per share × shareholders by up to half a yuan for each shareholder, and no more.
ROUNDING_PER_SHAREHOLDER = Decimal("0.5")
FIRST_YEAR = 1978  # the reform era: no joint-stock cooperative company is older


def authorise(user: Any, place: Place) -> None:
    if user is not None and not can(user, Action.CHANGE, place.path):
        raise PermissionDenied


def _by(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def company_create(
    *,
    by: Any,
    code: str,
    name: str,
    resident_group: Place,
    branch: PartyOrg | None = None,
    chairman: str = "",
    chairman_member: Any = None,
    registered_on: datetime.date | None = None,
    note: str = "",
) -> Company:
    """Register the joint-stock cooperative company of a resident group, with the branch that supervises it."""
    authorise(by, resident_group)
    errors: dict[str, list[str]] = {}
    if resident_group.kind not in COMPANY_PLACE_KINDS:
        errors["resident_group"] = [_("A company belongs to a resident group (a former village).")]
    if branch is not None:
        if branch.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH) or not branch.is_active:
            errors["branch"] = [_("Choose an active party branch or general branch.")]
        elif not resident_group.path.startswith(branch.place.path):
            errors["branch"] = [
                _("%(branch)s is not anchored at %(place)s or above it.")
                % {"branch": branch.name, "place": resident_group.name}
            ]
    if registered_on is not None and registered_on > timezone.localdate():
        errors["registered_on"] = [_("The registration date cannot be in the future.")]
    if not chairman.strip() and chairman_member is not None:
        chairman = chairman_member.name
    if errors:
        raise ValidationError(errors)
    company = Company(
        code=code.strip(),
        name=name.strip(),
        resident_group=resident_group,
        branch=branch,
        chairman=chairman.strip(),
        chairman_member=chairman_member,
        registered_on=registered_on,
        note=note,
    )
    company.full_clean()
    company.save()
    audit_record(
        actor=by,
        action="create",
        obj=company,
        place_path=resident_group.path,
        changes={k: [None, v] for k, v in snapshot(company, COMPANY_FIELDS).items()},
    )
    return company


def _money(value: Any, field: str, errors: dict[str, list[str]], *, signed: bool = False) -> Decimal | None:
    if value is None or value == "":
        errors.setdefault(field, []).append(_("Enter an amount in yuan."))
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter an amount in yuan."))
        return None
    if not amount.is_finite():
        errors.setdefault(field, []).append(_("Enter an amount in yuan."))
        return None
    if amount < 0 and not signed:
        errors.setdefault(field, []).append(_("The amount cannot be negative."))
    return amount


def _clean_year(company: Company, data: dict[str, Any], *, instance: CompanyYear | None) -> dict[str, Any]:
    """Validated, rounded figures for one year, the total computed when not given; or a ValidationError."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    year, shareholders = data.get("year"), data.get("shareholders")
    if not isinstance(year, int) or isinstance(year, bool):
        errors["year"] = [_("Enter the year as a number, e.g. 2018.")]
    elif year > today.year or year < FIRST_YEAR:
        errors["year"] = [
            _("Enter a year between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": today.year}
        ]
    elif company.registered_on and year < company.registered_on.year:
        errors["year"] = [
            _("The company was registered in %(year)d: no figures before that.")
            % {"year": company.registered_on.year}
        ]
    elif (
        CompanyYear.objects.filter(company=company, year=year)
        .exclude(pk=getattr(instance, "pk", None))
        .exists()
    ):
        errors["year"] = [
            _("The figures for %(year)d are already recorded: edit them instead.") % {"year": year}
        ]
    if not isinstance(shareholders, int) or isinstance(shareholders, bool) or shareholders < 0:
        errors["shareholders"] = [_("Enter the number of shareholders (zero or more).")]
    revenue = _money(data.get("revenue"), "revenue", errors)
    profit = _money(data.get("profit"), "profit", errors, signed=True)
    per_share = _money(data.get("dividend_per_share"), "dividend_per_share", errors)
    total = data.get("total_dividends")
    total = None if total in (None, "") else _money(total, "total_dividends", errors)
    if errors:
        raise ValidationError(errors)
    computed = (per_share * shareholders).quantize(CENT, rounding=ROUND_HALF_UP)
    if total is None:
        total = computed
    elif abs(total - computed) > ROUNDING_PER_SHAREHOLDER * max(shareholders, 1):
        raise ValidationError(
            {
                "total_dividends": _(
                    "%(per_share)s yuan per share × %(shareholders)d shareholders makes %(computed)s yuan, "
                    "not %(total)s: check the figures, or leave the total empty to compute it."
                )
                % {"per_share": per_share, "shareholders": shareholders, "computed": computed, "total": total}
            }
        )
    return {
        "year": year,
        "shareholders": shareholders,
        "revenue": revenue,
        "profit": profit,
        "dividend_per_share": per_share,
        "total_dividends": total,
        "note": (data.get("note") or "").strip(),
    }


def _save_year(record: CompanyYear) -> None:
    """Save, turning a duplicate that slipped past the check (two clerks at once) into a validation error."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise ValidationError(
            {
                "year": _("The figures for %(year)d are already recorded: edit them instead.")
                % {"year": record.year}
            }
        ) from exc


@transaction.atomic
def company_year_record(*, by: Any, company: Company, **data: Any) -> CompanyYear:
    """Record one year of a company's accounts: year, shareholders, revenue, profit, dividends.

    Amounts are yuan, rounded to the fen; none may be negative but the profit (a loss is recorded as it
    is). The total dividends are computed from the dividend per share when left out, and checked against
    it when given. A year already recorded is refused: it is corrected with `company_year_update`.
    """
    authorise(by, company.resident_group)
    unknown = set(data) - set(YEAR_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    record = CompanyYear(company=company, recorded_by=_by(by), **_clean_year(company, data, instance=None))
    record.full_clean(validate_unique=False, validate_constraints=False)
    _save_year(record)
    audit_record(
        actor=by,
        action="create",
        obj=record,
        place_path=company.resident_group.path,
        changes={k: [None, v] for k, v in snapshot(record, YEAR_FIELDS).items()},
    )
    return record


@transaction.atomic
def company_year_update(*, by: Any, record: CompanyYear, **data: Any) -> CompanyYear:
    """Correct a recorded year; the same checks as recording it. Fields left out keep their value."""
    company = record.company
    authorise(by, company.resident_group)
    unknown = set(data) - set(YEAR_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    before = snapshot(record, YEAR_FIELDS)
    merged = {name: getattr(record, name) for name in YEAR_FIELDS}
    if "dividend_per_share" in data or "shareholders" in data:
        merged["total_dividends"] = None  # recompute unless a new total comes with the new figures
    merged.update(data)
    for name, value in _clean_year(company, merged, instance=record).items():
        setattr(record, name, value)
    record.recorded_by = _by(by)
    record.full_clean(validate_unique=False, validate_constraints=False)
    changes = diff(before, snapshot(record, YEAR_FIELDS))
    if changes:
        _save_year(record)
        audit_record(
            actor=by, action="update", obj=record, place_path=company.resident_group.path, changes=changes
        )
    return record

"""The party dues rates (党费收缴标准): a pure function of monthly after-tax income and category.

Boundaries belong to the lower tier: an income exactly on a bound pays the lower rate.

    employed (在职)          income ≤ 3,000          0.5%
                             3,000 < income ≤ 5,000  1%
                             5,000 < income ≤ 10,000 1.5%
                             10,000 < income         2%
    retired (离退休)         income ≤ 5,000          0.5%
                             5,000 < income          1%
    student (学生), unemployed (失业/下岗), minimum income (最低生活保障): 0.20 yuan a month, whatever the income

So 3,000.00 pays 15.00 and 3,000.01 pays 30.00. Amounts are rounded to the fen (0.01) half up.
Because every higher tier has a higher rate, the amount never falls as income rises within a category.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

EMPLOYED = "employed"
RETIRED = "retired"
STUDENT = "student"
UNEMPLOYED = "unemployed"
MINIMUM_INCOME = "minimum_income"

FEN = Decimal("0.01")
FLAT_AMOUNT = Decimal("0.20")
FLAT_CATEGORIES = frozenset({STUDENT, UNEMPLOYED, MINIMUM_INCOME})

# (upper bound included, rate); None is the open top tier.
TIERS: dict[str, tuple[tuple[Decimal | None, Decimal], ...]] = {
    EMPLOYED: (
        (Decimal("3000"), Decimal("0.005")),
        (Decimal("5000"), Decimal("0.01")),
        (Decimal("10000"), Decimal("0.015")),
        (None, Decimal("0.02")),
    ),
    RETIRED: (
        (Decimal("5000"), Decimal("0.005")),
        (None, Decimal("0.01")),
    ),
}
CATEGORIES = frozenset(TIERS) | FLAT_CATEGORIES


def dues_rate(income: Decimal, category: str) -> Decimal | None:
    """The rate applied to `income`, or None for the categories that pay the flat amount."""
    if category in FLAT_CATEGORIES:
        return None
    if category not in TIERS:
        raise ValueError(f"unknown dues category: {category!r}")
    for upper, rate in TIERS[category]:
        if upper is None or income <= upper:
            return rate
    raise AssertionError("the last tier is open")  # pragma: no cover


def monthly_dues(income: Decimal, category: str) -> Decimal:
    """Dues for one month in yuan, to the fen. `income` is the monthly after-tax income in yuan."""
    if not isinstance(income, Decimal):
        income = Decimal(str(income))
    if income < 0:
        raise ValueError("income cannot be negative")
    rate = dues_rate(income, category)
    if rate is None:
        return FLAT_AMOUNT
    return (income * rate).quantize(FEN, rounding=ROUND_HALF_UP)

"""The calendar rules of recruitment (发展党员), as pure functions of dates.

"n months later" is the same day of the month n months on; when that month is shorter, the last day of
the month. So "one year later" is the same month and day next year, and 29 February becomes 28 February
(2024-02-29 + 1 year = 2025-02-28; 2024-01-31 + 1 month = 2024-02-29). Every interval in the app (age 18,
the one-month talk, the six-monthly review, one year as an activist, approval within three months of the
vote, one year of probation and its extension) uses this one definition, so a rule never disagrees with
another about the same day.
"""

from __future__ import annotations

import calendar
import datetime

ADULT_AGE_YEARS = 18
TALK_WITHIN_MONTHS = 1
REVIEW_EVERY_MONTHS = 6
ACTIVIST_MIN_YEARS = 1
APPROVAL_WITHIN_MONTHS = 3
PROBATION_YEARS = 1
EXTENSION_MIN_MONTHS = 6
EXTENSION_MAX_MONTHS = 12
CONTACTS_MIN, CONTACTS_MAX = 1, 2
INTRODUCERS = 2
TRAINING_MIN_DAYS = 3
TRAINING_MIN_HOURS = 24


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later, or the last day of that month when it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """Same month and day `years` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def adult_from(birth_date: datetime.date) -> datetime.date:
    """The day a person born on `birth_date` turns 18."""
    return add_years(birth_date, ADULT_AGE_YEARS)


def talk_due(applied_on: datetime.date) -> datetime.date:
    """The last day for the talk with an applicant (within one month of the application)."""
    return add_months(applied_on, TALK_WITHIN_MONTHS)


def review_due(activist_on: datetime.date, last_review_on: datetime.date | None) -> datetime.date:
    """Six months after the last review, or after becoming an activist when there has been none."""
    return add_months(last_review_on or activist_on, REVIEW_EVERY_MONTHS)


def candidate_from(activist_on: datetime.date) -> datetime.date:
    """The first day an activist can become a development candidate: one year on."""
    return add_years(activist_on, ACTIVIST_MIN_YEARS)


def approval_due(vote_on: datetime.date) -> datetime.date:
    """The last day the higher committee can approve the branch's vote (within three months)."""
    return add_months(vote_on, APPROVAL_WITHIN_MONTHS)


def probation_ends(joined_on: datetime.date, extended_months: int | None = None) -> datetime.date:
    """The first day a probationary member can become full: one year on, plus any extension."""
    return add_months(joined_on, 12 * PROBATION_YEARS + (extended_months or 0))


def training_days(start: datetime.date, end: datetime.date) -> int:
    """Days of training, both ends included."""
    return (end - start).days + 1


def training_sufficient(days: int, hours: float) -> bool:
    """Candidate training lasts at least three days or at least 24 class hours."""
    return days >= TRAINING_MIN_DAYS or hours >= TRAINING_MIN_HOURS


def vote_passes(votes_for: int, eligible_voters: int) -> bool:
    """Admission needs more than half of the full members entitled to vote."""
    return votes_for * 2 > eligible_voters


def next_due(recruit, last_review_on: datetime.date | None = None) -> datetime.date | None:
    """The deadline of the next action the branch owes this recruit, or None when nothing is pending.

    Applicant: the talk. Activist: the next review. Candidate with a vote: the higher committee's approval.
    Probationary member: the end of the probation, when the branch must decide on full membership.
    """
    stage = recruit.stage
    if stage == "applicant":
        return None if recruit.talked_on else talk_due(recruit.applied_on)
    if stage == "activist":
        return review_due(recruit.activist_on, last_review_on)
    if stage == "candidate":
        return approval_due(recruit.vote_on) if recruit.vote_on else None
    if stage == "probationary":
        return probation_ends(recruit.approved_on, recruit.extended_months)
    return None


def next_stage_from(recruit) -> datetime.date | None:
    """The first day the recruit can move to the next stage, where an interval rule sets one."""
    if recruit.stage == "activist":
        return candidate_from(recruit.activist_on)
    if recruit.stage == "probationary":
        return probation_ends(recruit.approved_on, recruit.extended_months)
    return None

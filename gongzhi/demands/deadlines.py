"""The deadlines of a demand (Shenzhen practice): dispatch within 30 minutes when urgent and 2 hours
otherwise, first contact with the resident within 24 hours, resolution within the category's limit in
working days on the Chinese calendar (see gongzhi.workdays)."""

from __future__ import annotations

import datetime

from gongzhi.demands.models import Category, Urgency
from gongzhi.workdays.calendar import working_deadline

DISPATCH_WITHIN = {
    Urgency.URGENT: datetime.timedelta(minutes=30),
    Urgency.GENERAL: datetime.timedelta(hours=2),
}
CONTACT_WITHIN = datetime.timedelta(hours=24)
# Warn the handler this long before the resolution deadline.
WARN_BEFORE = datetime.timedelta(hours=24)


def deadlines_for(category: Category, submitted_at: datetime.datetime, extension_days: int = 0) -> dict:
    resolve_due = working_deadline(submitted_at, category.limit_days + extension_days)
    return {
        "dispatch_due": submitted_at + DISPATCH_WITHIN[category.urgency],
        "contact_due": submitted_at + CONTACT_WITHIN,
        "resolve_due": resolve_due,
        "level_due": resolve_due,
    }

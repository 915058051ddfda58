"""The repeated parts of a demand's page — its timeline, its deadlines and its action forms — as HTML.

Through the template these three loops were a fifth of the page's cost (some ninety variable lookups,
fifteen |date filters, lazy labels translated one by one: 9.7 M of the page's 43 M Python instructions).
Drawn here, as the lists' rows are (`common.DemandTable`), each is one str.format per row with the time
zone and the labels looked up once. The markup is the template's, element for element;
tests/test_demand_page_parts.py renders both and compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from gongzhi.demands.views.common import fill_html, minute

EVENT_HTML = (
    '<li class="list-group-item" data-kind="{kind}"><strong>{at}</strong> {kind_label}'
    ' <span class="badge {status_badge}">{status_label}</span>'
    ' <span class="badge text-bg-light">{level_label}</span>'
    ' <span class="small text-muted">{actor}</span>{note}</li>'
)
NOTE_HTML = '<div class="small text-break">{note}</div>'

DEADLINE_HTML = (
    "<tr{attributes}>\n"
    "          <td>{label}</td><td>{due}{overdue}</td>\n"
    "          <td>{met}</td>\n"
    "        </tr>"
)
OVERDUE_ROW = ' class="table-danger" data-overdue="1"'
LATE_ROW = ' class="table-warning"'
BADGE_HTML = ' <span class="badge {kind}">{label}</span>'

ACTION_HTML = (
    '\n        <form method="post" action="{url}" class="list-group-item{failed}" id="action-{name}" novalidate>\n'
    '          <input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">\n'
    '          <div class="fw-semibold small mb-1">{label}</div>\n'
    "          {fields}\n"
    '          <button type="submit" class="btn btn-sm {button}" data-testid="action-{name}">{label}</button>\n'
    "        </form>\n"
    "        "
)
# The button of each action: refusing or sending back in red outline, the usual next steps in solid blue.
BUTTONS = {
    "reject": "btn-outline-danger",
    "return": "btn-outline-danger",
    "resolve": "btn-primary",
    "accept": "btn-primary",
    "dispatch": "btn-primary",
}


def timeline_html(events: Iterable[dict[str, Any]]) -> SafeString:
    """The `<li>` of each event (views.detail._timeline), oldest first."""
    zone = timezone.get_current_timezone()
    return mark_safe(
        "".join(
            fill_html(
                EVENT_HTML,
                kind=e["kind"],
                at=minute(e["at"], zone),
                kind_label=e["kind_label"],
                status_badge=e["status_badge"],
                status_label=e["status_label"],
                level_label=e["level_label"],
                actor=e["actor"],
                note=fill_html(NOTE_HTML, note=linebreaksbr(e["note"])) if e["note"] else SafeString(""),
            )
            for e in events
        )
    )


def deadlines_html(rows: Iterable[dict[str, Any]]) -> SafeString:
    """The `<tr>` of each deadline (views.detail._deadlines): overdue in red, met late in yellow."""
    zone = timezone.get_current_timezone()
    overdue_badge = fill_html(BADGE_HTML, kind="text-bg-danger", label=gettext("Overdue"))
    late_badge = fill_html(BADGE_HTML, kind="text-bg-warning", label=gettext("Late"))
    parts = []
    for row in rows:
        attributes = OVERDUE_ROW if row["overdue"] else LATE_ROW if row["late"] else ""
        met = "—"
        if row["met"]:
            met = fill_html(
                "{met}{late}", met=minute(row["met"], zone), late=late_badge if row["late"] else ""
            )
        parts.append(
            fill_html(
                DEADLINE_HTML,
                attributes=mark_safe(attributes),
                label=row["label"],
                due=minute(row["due"], zone),
                overdue=overdue_badge if row["overdue"] else SafeString(""),
                met=met,
            )
        )
    return mark_safe("".join(parts))


def actions_html(
    forms: Iterable[tuple[str, Any, str, str]], failed_action: str, csrf_token: str
) -> SafeString:
    """A `<form>` for each (name, label, fields as HTML, URL) of views.detail._action_forms; the refused
    one, if any, framed in red. `csrf_token`: django.middleware.csrf.get_token(request)."""
    return mark_safe(
        "".join(
            fill_html(
                ACTION_HTML,
                url=url,
                failed=" border border-danger" if name == failed_action else "",
                name=name,
                csrf_token=csrf_token,
                label=label,
                fields=fields,  # HTML already (a SafeString); escaped if not, as the template did
                button=BUTTONS.get(name, "btn-outline-primary"),
            )
            for name, label, fields, url in forms
        )
    )

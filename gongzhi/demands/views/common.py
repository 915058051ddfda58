"""What the demand pages share: badges, the filter form's parsing and the rows of the demands table."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from html import escape
from typing import Any, NamedTuple

from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, gettext

from gongzhi.demands.forms import DemandFilterForm
from gongzhi.demands.models import OPEN_STATES, Level, Status
from gongzhi.territory.forms import bootstrapify

STATUS_BADGES = {
    Status.SUBMITTED: "text-bg-secondary",
    Status.ACCEPTED: "text-bg-info",
    Status.DISPATCHED: "text-bg-primary",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-success",
    Status.REOPENED: "text-bg-warning",
    Status.RETURNED: "text-bg-warning",
    Status.MERGED: "text-bg-light",
    Status.REJECTED: "text-bg-dark",
}
LEVEL_BADGES = {
    Level.STATION: "text-bg-light",
    Level.COMMUNITY: "text-bg-warning",
    Level.SUBDISTRICT: "text-bg-danger",
}


def badges() -> dict[str, Any]:
    return {"status_badges": STATUS_BADGES, "level_badges": LEVEL_BADGES}


def filter_form(request: HttpRequest, statuses: list[tuple[str, str]], default_sort: str) -> DemandFilterForm:
    """The filter form bound to the query string, showing the page's own default order when none is asked."""
    data = request.GET.copy()
    data.setdefault("sort", default_sort)
    return DemandFilterForm(data, statuses=statuses)


def filters_html(form: DemandFilterForm, *, text_search: bool = False) -> str:
    """The filter form as HTML (demands/_filter_form.html), with `text_search` the number-or-text box.

    The form is on every list page and draws the same for the same query, language and categories, yet
    its dozen widgets and their options cost more than the page's table: so each drawing is kept, by
    those inputs. The categories are read on every call (one small query), so a renamed or new category
    shows at once."""
    categories = tuple(form.fields["category"].queryset.values_list("pk", "name"))
    query = tuple((key, tuple(values)) for key, values in sorted(form.data.lists()))
    statuses = tuple((code, str(label)) for code, label in form.fields["status"].choices[1:])
    return _filters_html(get_language(), query, statuses, categories, text_search)


@functools.lru_cache(maxsize=512)
def _filters_html(
    language: str,
    query: tuple[tuple[str, tuple[str, ...]], ...],
    statuses: tuple[tuple[str, str], ...],
    categories: tuple[tuple[int, str], ...],
    text_search: bool,
) -> str:
    # `language` is the active one: it is in the key only so that each language keeps its own drawing.
    data = QueryDict(mutable=True)
    for key, values in query:
        data.setlist(key, list(values))
    form = DemandFilterForm(data, statuses=list(statuses))
    field = form.fields["category"]
    field.choices = [("", field.empty_label), *categories]  # as CategoryChoices, without its query
    context = {"form": bootstrapify(form), "show_text_search": text_search}
    return render_to_string("demands/_filter_form.html", context)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The page to go back to after a POST, when it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- the demands table (demands/_table.html) ----------------------------------------------------------------

# The columns the table shows, read as plain values: as model instances, a page of fifty demands with their
# category, place and handler is some two hundred objects built for a dozen strings each.
TABLE_COLUMNS = (
    "pk",
    "number",
    "status",
    "level",
    "created_at",
    "level_due",
    "category__name",
    "place__name",
    "handler__display_name",
    "handler__username",
)


class TableRow(NamedTuple):
    pk: int
    number: str
    status: str
    level: str
    created_at: datetime.datetime
    level_due: datetime.datetime
    category: str
    place: str
    handler_display_name: str | None
    handler_username: str | None

    @property
    def handler(self) -> str:
        # As str(User): the display name, else the username.
        return self.handler_display_name or self.handler_username or "—"


ROW_HTML = (
    '<tr data-number="{number}">\n'
    "    {select}\n"
    '    <td><a href="{url}">{number}</a></td>\n'
    '    <td><span class="badge {status_badge}" data-status="{status}">{status_label}</span></td>\n'
    '    <td><span class="badge {level_badge}">{level_label}</span></td>\n'
    "    <td>{category}</td>\n"
    "    <td>{place}</td>\n"
    '    <td class="small">{submitted_at}</td>\n'
    '    <td class="small">{due}</td>\n'
    "    <td>{handler}</td>\n"
    "  </tr>\n"
    "  "
)
SELECT_HTML = (
    '<td><input class="form-check-input" type="checkbox" name="ids" value="{pk}" form="bulk-form"'
    ' aria-label="{label}"></td>'
)
OVERDUE_HTML = (
    '<span class="text-danger fw-semibold" data-testid="overdue">{due}'
    ' <i class="bi bi-exclamation-triangle" aria-label="{label}"></i></span>'
)


def minute(moment: datetime.datetime, zone: Any) -> str:
    """As the |date:"Y-m-d H:i" filter, in `zone` (the current time zone, looked up once by the caller)."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def fill_html(template: str, **values: Any) -> SafeString:
    """format_html for plain values: each is escaped as Django's escape() does (it is html.escape), but
    without the checks for lazy strings that cost more than the escaping, fifteen times a row."""
    return mark_safe(
        template.format(**{k: v if isinstance(v, SafeData) else escape(str(v)) for k, v in values.items()})
    )


def _detail_urls() -> Callable[[int], str]:
    """pk → the demand's page, with one reverse() for the table instead of one per row (only the pk varies)."""
    marker = "9876543210"
    head, _marker, tail = reverse("demands:detail", args=[marker]).rpartition(marker)
    return lambda pk: f"{head}{pk}{tail}"


class DemandTable:
    """The rows of the demands table as HTML, each the markup _table.html had for it.

    Through the template every row cost some twenty variable lookups, a {% url %}, two get_FOO_display, a
    {% blocktranslate %} and two |date filters: most of the list pages' time. Here the labels, the time
    zone and the link pattern are looked up once for the page, and a row is one str.format."""

    def __init__(self, *, now: datetime.datetime, selectable: bool) -> None:
        self.now = now
        self.selectable = selectable
        self.zone = timezone.get_current_timezone()
        self.status_labels = {code: str(label) for code, label in Status.choices}
        self.level_labels = {code: str(label) for code, label in Level.choices}
        self.select_label = gettext("Select %(number)s")
        self.overdue_label = gettext("Overdue")
        self.detail_url = _detail_urls()

    def rows(self, values: Iterable[tuple]) -> list[SafeString]:
        """`values`: tuples of TABLE_COLUMNS, in the page's order."""
        return [self.row(TableRow._make(v)) for v in values]

    def row(self, demand: TableRow) -> SafeString:
        return fill_html(
            ROW_HTML,
            number=demand.number,
            select=self._select(demand),
            url=self.detail_url(demand.pk),
            status=demand.status,
            status_badge=STATUS_BADGES.get(demand.status, ""),
            status_label=self.status_labels.get(demand.status, demand.status),
            level_badge=LEVEL_BADGES.get(demand.level, ""),
            level_label=self.level_labels.get(demand.level, demand.level),
            category=demand.category,
            place=demand.place,
            submitted_at=self._minute(demand.created_at),
            due=self._due(demand),
            handler=demand.handler,
        )

    def _minute(self, moment: datetime.datetime) -> str:
        return minute(moment, self.zone)

    def _select(self, demand: TableRow) -> SafeString:
        if not self.selectable:
            return SafeString("")
        return fill_html(SELECT_HTML, pk=demand.pk, label=self.select_label % {"number": demand.number})

    def _due(self, demand: TableRow) -> SafeString | str:
        due = self._minute(demand.level_due)
        if demand.status in OPEN_STATES and demand.level_due < self.now:  # open (is_open) and late
            return fill_html(OVERDUE_HTML, due=due, label=self.overdue_label)
        return due

"""What the demand pages share: badges and the filter form's parsing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from gongzhi.demands.forms import DemandFilterForm
from gongzhi.demands.models import Level, Status

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


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The page to go back to after a POST, when it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback

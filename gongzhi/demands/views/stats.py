"""Statistics of the demands at and below a place, from the roll-up (never counted row by row)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gongzhi.demands import exports
from gongzhi.demands.models import Category, Rating
from gongzhi.demands.page_selectors import rate, stats_by_child
from gongzhi.demands.selectors import demand_stats, stats_by_month
from gongzhi.territory.models import Place
from gongzhi.territory.selectors import get_place_for_user, home_places

MAX_DAYS = 366 * 5


def _date(request: HttpRequest, name: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    """The date range asked for; by default the twelve months up to today."""
    today = timezone.localdate()
    until = _date(request, "until") or today
    default_since = (until.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    since = _date(request, "since") or default_since
    if since > until:
        since, until = until, since
    return max(since, until - datetime.timedelta(days=MAX_DAYS)), until


def _place(request: HttpRequest) -> Place:
    code = request.GET.get("place", "").strip()
    if code:
        return get_place_for_user(request.user, code)
    places = home_places(request.user)
    if not places:
        raise PermissionDenied
    return places[0]


def _months(place: Place, since: datetime.date, until: datetime.date) -> list[dict[str, Any]]:
    """Every month of the range, the empty ones included, so that the chart's axis has no gaps."""
    rows = {r["month"].strftime("%Y-%m"): r for r in stats_by_month(place, since, until)}
    months = []
    month = since.replace(day=1)
    while month <= until:
        label = month.strftime("%Y-%m")
        row = rows.get(label, {})
        months.append(
            {
                "label": label,
                **{k: row.get(k) or 0 for k in ("total", "resolved", "on_time", "resolved_locally")},
            }
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _satisfaction_rate(counts: dict[str, int]) -> float | None:
    """Satisfied or basically satisfied, among the answers rated."""
    rated = counts["satisfied"] + counts["basic"] + counts["dissatisfied"]
    return rate(counts["satisfied"] + counts["basic"], rated)


def figures(place: Place, since: datetime.date, until: datetime.date) -> dict[str, Any]:
    stats = demand_stats(place, since, until)
    names = dict(Category.objects.filter(code__in=stats["by_category"]).values_list("code", "name"))
    by_category = sorted(
        ([names.get(code, code), n] for code, n in stats["by_category"].items()), key=lambda r: (-r[1], r[0])
    )
    by_place = [
        {
            **r,
            "on_time_rate": rate(r["on_time"], r["resolved"]),
            "local_rate": rate(r["resolved_locally"], r["resolved"]),
            "satisfaction_rate": _satisfaction_rate(r),
        }
        for r in stats_by_child(place, since, until)
    ]
    ratings = stats["satisfaction"]
    rated = sum(ratings.values())
    return {
        "place": place,
        "since": since,
        "until": until,
        "stats": stats,
        "by_category": by_category,
        "by_place": by_place,
        "months": _months(place, since, until),
        "on_time_rate": rate(stats["on_time"], stats["resolved"]),
        "local_rate": rate(stats["resolved_locally"], stats["resolved"]),
        "satisfaction_rate": _satisfaction_rate(ratings),
        "ratings": [(Rating(k).label, n) for k, n in ratings.items()],
        "rated": rated,
    }


@login_required
def demand_stats_page(request: HttpRequest) -> HttpResponse:
    place = _place(request)
    since, until = _period(request)
    context = figures(place, since, until)
    context["places"] = home_places(request.user)
    context["place_crumbs"] = place.ancestors()
    context["month_labels"] = "|".join(m["label"] for m in context["months"])
    context["month_totals"] = "|".join(str(m["total"]) for m in context["months"])
    context["month_resolved"] = "|".join(str(m["resolved"]) for m in context["months"])
    return render(request, "demands/stats.html", context)


@login_required
def demand_stats_export(request: HttpRequest) -> HttpResponse:
    place = _place(request)
    since, until = _period(request)
    return exports.stats_export(figures(place, since, until), f"demand-stats-{place.code}")

"""Reads on demands shared by pages, API, Open311 and exports, always scoped to the user."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from gongzhi.core.roles import Action
from gongzhi.core.scoping import authorise_path, can, can_anywhere, scope_q
from gongzhi.demands import tallies
from gongzhi.demands.models import OPEN_STATES, Demand, DemandTally, Status
from gongzhi.demands.tallies import COUNTERS
from gongzhi.territory.models import Place

LIST_RELATED = ("category", "place", "area", "station", "handler")


def demands_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Demand]:
    """Staff see the demands at their places; everyone sees the demands they submitted themselves."""
    q = scope_q(user, action, "place_path")
    if action == Action.VIEW and user.is_authenticated:
        q |= Q(submitted_by=user)
    return Demand.objects.filter(q).select_related(*LIST_RELATED)


def my_demands(user: Any) -> QuerySet[Demand]:
    return Demand.objects.filter(submitted_by=user).select_related("category", "place")


DETAIL_RELATED = (*LIST_RELATED, "branch", "submitted_by", "merged_into")


def get_demand_for_user(
    user: Any, pk: int | str, action: str = Action.VIEW, *, queryset: QuerySet[Demand] | None = None
) -> Demand:
    """404 outside the user's scope (and for residents, other people's demands); 403 without the action.
    `queryset`: to read it with other relations than the API's and the actions' (every one of them)."""
    qs = Demand.objects.select_related(*DETAIL_RELATED) if queryset is None else queryset
    try:
        demand = qs.get(pk=pk)
    except (Demand.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if action == Action.VIEW and user.is_authenticated and demand.submitted_by_id == user.pk:
        return demand
    authorise_path(user, action, demand.place_path)  # on the row already loaded: one query, not two
    return demand


def worklist(user: Any) -> QuerySet[Demand]:
    """The open demands a handler may act on, most urgent first."""
    return demands_visible_to(user, Action.CHANGE).filter(status__in=OPEN_STATES).order_by("level_due", "id")


def open_worklist(user: Any) -> QuerySet[Demand]:
    """The worklist's demands: the open ones the user may act on; read-only roles (grid workers,
    inspectors) follow the open ones in their view."""
    if can_anywhere(user, Action.CHANGE):
        return worklist(user)
    return demands_visible_to(user).filter(status__in=OPEN_STATES)


def workbench_counts(user: Any, now: datetime.datetime) -> dict[str, int]:
    """What the workbench says of the user's worklist, each figure one of the worklist's filters: open,
    overdue, newly submitted (waiting to be accepted), and assigned to the user. One query."""
    return (
        open_worklist(user)
        .order_by()
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(level_due__lt=now)),
            submitted=Count("id", filter=Q(status=Status.SUBMITTED)),
            mine=Count("id", filter=Q(handler=user)),
        )
    )


def counts_by_status(queryset: QuerySet[Demand], now: datetime.datetime) -> dict[str, int]:
    """The demands in each state, and under "overdue" the open ones past their deadline: one GROUP BY."""
    overdue = Q(status__in=OPEN_STATES, level_due__lt=now)
    rows = queryset.order_by().values_list("status").annotate(n=Count("id"), late=Count("id", filter=overdue))
    counts = {status: n for status, n, _late in rows}
    counts["overdue"] = sum(late for _status, _n, late in rows)
    return counts


def demand_stats(
    place: Place, since: datetime.date | None = None, until: datetime.date | None = None
) -> dict:
    """Statistics of the demands submitted at or below `place` in [since, until], from the roll-ups."""
    per_category = tallies.sums(tallies.window(place.path, since, until), "category__code")
    totals = {k: sum(row[k] for row in per_category.values()) for k in COUNTERS}
    return {
        "total": totals["total"],
        "resolved": totals["resolved"],
        "resolved_locally": totals["resolved_locally"],
        "on_time": totals["on_time"],
        "satisfaction": {k: totals[k] for k in ("satisfied", "basic", "dissatisfied")},
        "by_category": {code: row["total"] for code, row in per_category.items() if row["total"] > 0},
    }


def stats_by_month(place: Place, since: datetime.date, until: datetime.date) -> list[dict]:
    """Volume and outcomes per month, for the statistics page's chart, oldest first."""
    parts = [
        part.annotate(first_day=TruncMonth("day"))
        if part.model is DemandTally
        else part.annotate(first_day=F("month"))
        for part in tallies.window(place.path, since, until, coarsest=tallies.MONTHS)
    ]
    months = tallies.sums(parts, "first_day")
    return [{"month": month, **months[month]} for month in sorted(months)]


def can_handle(user: Any, demand: Demand) -> bool:
    return can(user, Action.CHANGE, demand.place_path)


def _bigrams(text: str) -> set[str]:
    text = "".join(text.split())  # without whitespace (split() cuts on the same characters as isspace())
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def _jaccard(x: set[str], y: set[str]) -> float:
    return len(x & y) / len(x | y) if x and y else 0.0


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams: works for Chinese without word segmentation."""
    return _jaccard(_bigrams(a), _bigrams(b))


def similar_open_demands(
    place: Place, category_id: int, text: str, *, threshold: float = 0.25, limit: int = 5
) -> list:
    """Open demands at the same area and category that read like `text`, best first."""
    from gongzhi.demands.routing import area_of

    area = area_of(place) or place
    candidates = Demand.objects.filter(
        status__in=OPEN_STATES, category_id=category_id, place_path__startswith=area.path
    ).order_by("-created_at")
    # Score on the descriptions alone, then read only the few rows kept: not 200 whole demands.
    wanted = _bigrams(text)
    scored = [
        (_jaccard(wanted, _bigrams(description)), pk)
        for pk, description in candidates.values_list("id", "description")[:200]
    ]
    best = [pk for score, pk in sorted(scored, key=lambda s: -s[0]) if score >= threshold][:limit]
    if not best:
        return []
    found = Demand.objects.in_bulk(best)
    return [found[pk] for pk in best if pk in found]

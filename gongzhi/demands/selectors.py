"""Reads on demands shared by pages, API, Open311 and exports, always scoped to the user."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from gongzhi.core.roles import Action
from gongzhi.core.scoping import authorise_path, can, scope_q
from gongzhi.demands.models import OPEN_STATES, Demand, DemandTally
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


def get_demand_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Demand:
    """404 outside the user's scope (and for residents, other people's demands); 403 without the action."""
    qs = Demand.objects.select_related(*LIST_RELATED, "branch", "submitted_by", "merged_into")
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


def counts_by_status(queryset: QuerySet[Demand], now: datetime.datetime) -> dict[str, int]:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    counts["overdue"] = queryset.filter(status__in=OPEN_STATES, level_due__lt=now).count()
    return counts


def demand_stats(
    place: Place, since: datetime.date | None = None, until: datetime.date | None = None
) -> dict:
    """Statistics of the demands submitted at or below `place` in [since, until], from the roll-up."""
    tallies = DemandTally.objects.filter(area_path__startswith=place.path)
    if since:
        tallies = tallies.filter(day__gte=since)
    if until:
        tallies = tallies.filter(day__lte=until)
    totals = tallies.aggregate(**{k: Sum(k) for k in COUNTERS})
    totals = {k: v or 0 for k, v in totals.items()}
    by_category = dict(
        tallies.order_by().values_list("category__code").annotate(n=Sum("total")).filter(n__gt=0)
    )
    return {
        "total": totals["total"],
        "resolved": totals["resolved"],
        "resolved_locally": totals["resolved_locally"],
        "on_time": totals["on_time"],
        "satisfaction": {k: totals[k] for k in ("satisfied", "basic", "dissatisfied")},
        "by_category": by_category,
    }


def stats_by_month(place: Place, since: datetime.date, until: datetime.date) -> list[dict]:
    """Volume and outcomes per month, for the statistics page's chart."""
    from django.db.models.functions import TruncMonth

    rows = (
        DemandTally.objects.filter(area_path__startswith=place.path, day__gte=since, day__lte=until)
        .annotate(month=TruncMonth("day"))
        .order_by("month")
        .values("month")
        .annotate(**{k: Sum(k) for k in COUNTERS})
    )
    return list(rows)


def can_handle(user: Any, demand: Demand) -> bool:
    return can(user, Action.CHANGE, demand.place_path)


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if not ch.isspace())
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams: works for Chinese without word segmentation."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def similar_open_demands(
    place: Place, category_id: int, text: str, *, threshold: float = 0.25, limit: int = 5
) -> list:
    """Open demands at the same area and category that read like `text`, best first."""
    from gongzhi.demands.routing import area_of

    area = area_of(place) or place
    candidates = Demand.objects.filter(
        status__in=OPEN_STATES, category_id=category_id, place_path__startswith=area.path
    )
    scored = [(similarity(text, d.description), d) for d in candidates.order_by("-created_at")[:200]]
    return [d for score, d in sorted(scored, key=lambda s: -s[0]) if score >= threshold][:limit]

"""Reads the staff pages need on top of `selectors`: filters, the people and stations an action may name,
which actions a demand's state allows, and statistics per place below a place (from the roll-up)."""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.roles import ROLE_ACTIONS, Action
from gongzhi.core.scoping import ALL, can, place_paths
from gongzhi.demands import selectors, tallies
from gongzhi.demands.models import LEVEL_ORDER, OPEN_STATES, Demand, DemandPhoto
from gongzhi.demands.routing import community_of
from gongzhi.demands.services import ACTION_STATES
from gongzhi.demands.tallies import COUNTERS
from gongzhi.territory.models import Place, PlaceKind, ServicePoint

# The states from which each action of services.py may start (mirrors the services' own checks, so that
# the page offers only what would succeed; the services stay the authority).
MAX_EXTENSION_DAYS = 10
CHANGE_ROLES = tuple(role for role, actions in ROLE_ACTIONS.items() if Action.CHANGE in actions)
PLACE_SEARCH_LIMIT = 20


def actions_allowed(demand: Demand) -> list[str]:
    """The actions whose starting state the demand is in, in the order the page shows them."""
    allowed = [name for name, states in ACTION_STATES.items() if demand.status in states]
    if demand.extension_days >= MAX_EXTENSION_DAYS and "extend" in allowed:
        allowed.remove("extend")
    if demand.level == LEVEL_ORDER[-1] and "escalate" in allowed:
        allowed.remove("escalate")
    return allowed


def _local_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def place_search_q(query: str, path_field: str = "place_path") -> Q | None:
    """Rows at or below the places whose name, code or pinyin initials match `query` (None: no search)."""
    query = query.strip()
    if not query:
        return None
    paths = list(Place.objects.search(query).order_by("depth").values_list("path", flat=True))
    q = Q(pk__in=[])
    for path in paths[:PLACE_SEARCH_LIMIT]:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def filter_demands(
    demands: QuerySet[Demand],
    data: dict[str, Any],
    *,
    now: datetime.datetime,
    with_state: bool = True,
    user: Any = None,
) -> QuerySet[Demand]:
    """Apply the cleaned filter form. `with_state=False` leaves out status and overdue (for the pills);
    `user` is the one "assigned to me" means."""
    if with_state and data.get("status"):
        demands = demands.filter(status=data["status"])
    if with_state and data.get("overdue"):
        demands = demands.filter(status__in=OPEN_STATES, level_due__lt=now)
    if data.get("mine") and user is not None:
        demands = demands.filter(handler=user)
    if data.get("category"):
        demands = demands.filter(category=data["category"])
    if data.get("level"):
        demands = demands.filter(level=data["level"])
    place_q = place_search_q(data.get("place") or "")
    if place_q is not None:
        demands = demands.filter(place_q)
    if data.get("since"):
        demands = demands.filter(created_at__gte=_local_start(data["since"]))
    if data.get("until"):
        demands = demands.filter(created_at__lt=_local_start(data["until"] + datetime.timedelta(days=1)))
    text = (data.get("q") or "").strip()
    if text:
        # By part of its number, what it says, or the name the resident gave (the phone is encrypted).
        demands = demands.filter(
            Q(number__icontains=text) | Q(description__icontains=text) | Q(contact_name__icontains=text)
        )
    return demands


SORTS = {
    "due": ("level_due", "id"),
    "-due": ("-level_due", "-id"),
    "new": ("-created_at", "-id"),
    "old": ("created_at", "id"),
}


def sorted_demands(demands: QuerySet[Demand], sort: str, default: str) -> QuerySet[Demand]:
    return demands.order_by(*SORTS.get(sort) or SORTS[default])


def _users_with_change_at(places: Q) -> QuerySet:
    from gongzhi.accounts.models import User

    return (
        User.objects.filter(
            Q(assignments__active=True, assignments__role__in=CHANGE_ROLES) & places & Q(is_active=True)
        )
        .distinct()
        .order_by("display_name", "username")
    )


def handlers_for_place(path: str) -> QuerySet:
    """Users who may handle demands at the place with materialised path `path` (a role there or above)."""
    ids = [int(pk) for pk in path.strip("/").split("/") if pk]
    return _users_with_change_at(Q(assignments__place_id__in=ids))


def handler_candidates(user: Any) -> QuerySet:
    """Users the bulk assignment may name: they can change somewhere inside the user's change scope, or
    above it. Each demand is still checked by the service against its own place."""
    paths = place_paths(user, Action.CHANGE)
    if paths is ALL:
        return _users_with_change_at(Q())
    if not paths:
        return _users_with_change_at(Q(pk__in=[]))
    q = Q(assignments__place_id__in={int(pk) for path in paths for pk in path.strip("/").split("/") if pk})
    for path in paths:
        q |= Q(assignments__place__path__startswith=path)
    return _users_with_change_at(q)


def handler_choices(user: Any) -> list[tuple[int, str]]:
    """The bulk assignment's options: (pk, label) of `handler_candidates`, labelled as str(User) does.
    Read as three columns, not whole users: DISTINCT over every column of a user row costs PostgreSQL
    more than the worklist's own page of demands."""
    people = handler_candidates(user).values_list("pk", "display_name", "username")
    return [(pk, display_name or username) for pk, display_name, username in people]


def transfer_stations(demand: Demand, ancestors: list[Place] | None = None) -> QuerySet[ServicePoint]:
    """Open service points of the demand's community, other than the one it is with. `ancestors`: those
    of its place, when the caller has read them already (its page does, for the breadcrumbs)."""
    if ancestors is None:
        community = community_of(demand.place)
    else:  # as routing.community_of, without reading the ancestors again
        places = [demand.place, *ancestors]
        community = next((p for p in places if p.kind == PlaceKind.COMMUNITY), None)
    if community is None:
        return ServicePoint.objects.none()
    points = ServicePoint.objects.open().filter(place__path__startswith=community.path)
    if demand.station_id:
        points = points.exclude(pk=demand.station_id)
    return points.order_by("kind", "code")


# What a demand's page shows of it: the whole row, and of its relations what the page names. Each relation
# joined costs PostgreSQL more planning than reading the row does, so its area comes with the breadcrumbs
# (`ancestors_and_area`); and whether it has photos comes with it.
PAGE_DEMANDS = (
    Demand.objects.select_related("category", "place", "station", "branch", "handler")
    .only(
        *(field.name for field in Demand._meta.concrete_fields),
        "category__name",
        "place__code",
        "place__name",
        "place__kind",
        "place__path",
        "station__name",
        "branch__name",
        "handler__display_name",
        "handler__username",
    )
    .annotate(has_photos=Exists(DemandPhoto.objects.filter(demand=OuterRef("pk"))))
)


def demand_for_page(user: Any, pk: int | str, action: str = Action.VIEW) -> Demand:
    """The demand as its page shows it, scoped as `selectors.get_demand_for_user`."""
    return selectors.get_demand_for_user(user, pk, action, queryset=PAGE_DEMANDS)


def ancestors_and_area(demand: Demand) -> list[Place]:
    """The ancestors of the demand's place, root first, read in one query with its area (set on the
    demand: the area is its place or one of the ancestors)."""
    place = demand.place
    ids = place.ancestor_ids()
    by_id = Place.objects.in_bulk({*ids, demand.area_id} - {None, place.pk})
    if demand.area_id is not None:
        demand.area = place if demand.area_id == place.pk else by_id[demand.area_id]
    return [by_id[pk] for pk in ids if pk in by_id]


def similar_visible(user: Any, demand: Demand, found: list[Demand]) -> list[Demand]:
    """Similar demands the user may see, without the demand itself."""
    return [d for d in found if d.pk != demand.pk and can(user, Action.VIEW, d.place_path)]


def stats_by_child(
    place: Place, since: datetime.date | None = None, until: datetime.date | None = None
) -> list[dict]:
    """The roll-ups summed for each child place, then for the place itself: rows that add up to the
    place's own figures. [{place, own, total, …}], one query per part of the window.

    A closed child is listed when it has demands in the window. The last row, `own`, holds the demands
    registered at the place itself rather than below it (a call about the whole community), when there
    are any: without it the rows would not add up to the totals above them."""
    children = list(place.children.order_by("kind", "name"))
    per_child = {
        f"{child.pk}_{k}": Sum(k, filter=Q(area_path__startswith=child.path), default=0)
        for child in children
        for k in COUNTERS
    }
    whole = {f"all_{k}": Sum(k, default=0) for k in COUNTERS}
    totals = dict.fromkeys([*per_child, *whole], 0)
    for part in tallies.window(place.path, since, until):
        for key, value in part.aggregate(**per_child, **whole).items():
            totals[key] += value
    rows = [
        {"place": child, "own": False, **{k: totals[f"{child.pk}_{k}"] for k in COUNTERS}}
        for child in children
    ]
    rows = [r for r in rows if r["place"].is_open or r["total"]]
    own = {k: totals[f"all_{k}"] - sum(totals[f"{child.pk}_{k}"] for child in children) for k in COUNTERS}
    if any(own.values()):
        rows.append({"place": place, "own": True, **own})
    return rows


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def agenda_item(demand: Demand) -> dict[str, str] | None:
    """The committee topic the demand went onto, as a title and a link, when its `agenda_ref` names one
    (`deliberation:topic:<pk>`, written by the deliberation services); None for a free-text reference."""
    kind, _sep, pk = demand.agenda_ref.rpartition(":")
    if kind != "deliberation:topic" or not pk.isdigit():
        return None
    topic = apps.get_model("deliberation", "Topic").objects.filter(pk=int(pk)).only("title").first()
    if topic is None:
        return None
    return {"title": topic.title, "url": reverse("deliberation:topic", args=[topic.pk])}

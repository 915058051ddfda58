"""Where a demand goes: its residential area, the station that serves it, the branch that covers it,
and who is told at each level (station → community → subdistrict)."""

from __future__ import annotations

from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.demands.models import Level
from gongzhi.party.models import OrgCoverage, OrgKind, PartyOrg
from gongzhi.territory.models import Place, PlaceKind, ServiceArea, ServicePoint, ServicePointKind

# Who answers for a demand at each level, by role.
LEVEL_ROLES = {
    Level.STATION: (Role.BRANCH_SECRETARY,),
    Level.COMMUNITY: (Role.COMMUNITY_STAFF,),
    Level.SUBDISTRICT: (Role.SUBDISTRICT_ADMIN,),
}


def area_of(place: Place) -> Place | None:
    """The residential area a place is in (the place itself, or the nearest residential ancestor)."""
    if place.is_residential:
        return place
    for ancestor in reversed(place.ancestors()):
        if ancestor.is_residential:
            return ancestor
    return None


def community_of(place: Place) -> Place | None:
    if place.kind == PlaceKind.COMMUNITY:
        return place
    return next((p for p in place.ancestors() if p.kind == PlaceKind.COMMUNITY), None)


def station_for(place: Place, area: Place | None) -> ServicePoint | None:
    """The service point serving the area, else the community's centre."""
    if area is not None:
        served = (
            ServiceArea.objects.select_related("point")
            .filter(area=area, point__closed_on__isnull=True)
            .first()
        )
        if served is not None:
            return served.point
    community = community_of(place)
    if community is None:
        return None
    return (
        ServicePoint.objects.open()
        .filter(place=community, kind__in=[ServicePointKind.COMMUNITY_CENTRE, ServicePointKind.SUB_CENTRE])
        .order_by("kind")
        .first()
    )


def branch_for(area: Place | None) -> PartyOrg | None:
    """The branch responsible for the area today (a branch before any other kind of organisation)."""
    if area is None:
        return None
    covering = (
        OrgCoverage.objects.active_on(timezone.localdate())
        .filter(area=area)
        .select_related("org")
        .order_by("since")
    )
    orgs = [c.org for c in covering]
    return next((o for o in orgs if o.kind == OrgKind.BRANCH), orgs[0] if orgs else None)


def level_place(place: Place, level: str) -> Place:
    """The place whose staff answer at `level`: the place itself, its community, or the subdistrict."""
    if level == Level.STATION:
        return place
    if level == Level.COMMUNITY:
        return community_of(place) or place
    ancestors = place.ancestors()
    return ancestors[0] if ancestors else place


def responsible_users(place: Place, level: str):
    """Users holding the level's roles at the level's place or above it (who must act now)."""
    from gongzhi.accounts.models import User

    target = level_place(place, level)
    ids = [*target.ancestor_ids(), target.pk]
    return User.objects.filter(
        is_active=True,
        assignments__active=True,
        assignments__role__in=LEVEL_ROLES[level],
        assignments__place_id__in=ids,
    ).distinct()

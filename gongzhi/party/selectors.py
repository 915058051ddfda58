"""Reads on party organisations, scoped to the user, shared by pages, API and exports."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.core.roles import Action
from gongzhi.core.scoping import get_for_user, scope_q
from gongzhi.party.models import OrgChange, OrgCoverage, PartyOrg
from gongzhi.territory.models import Place


def orgs_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[PartyOrg]:
    return PartyOrg.objects.filter(scope_q(user, action, "place__path")).select_related("place", "parent")


def get_org_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> PartyOrg:
    return get_for_user(
        PartyOrg.objects.select_related("place", "parent"),
        user,
        action=action,
        path_of=lambda o: o.place.path,
        pk=pk,
    )


def orgs_at_or_below(place: Place) -> QuerySet[PartyOrg]:
    return PartyOrg.objects.filter(place__path__startswith=place.path).select_related("place", "parent")


def orgs_covering(area: Place) -> QuerySet[OrgCoverage]:
    """Coverage in force today for one area."""
    return OrgCoverage.objects.active_on(timezone.localdate()).filter(area=area).select_related("org")


def org_history(org: PartyOrg) -> QuerySet[OrgChange]:
    """Every change event the organisation took part in, oldest first, with both sides prefetched."""
    return (
        OrgChange.objects.filter(Q(predecessors=org) | Q(successors=org))
        .distinct()
        .prefetch_related("predecessors", "successors")
        .order_by("on", "id")
    )

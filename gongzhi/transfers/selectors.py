"""Reads on transfers, scoped through the branch that issued or receives the letter."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.core.roles import Action
from gongzhi.core.scoping import get_for_user, scope_q
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.party.selectors import orgs_visible_to
from gongzhi.transfers.models import Transfer


def transfers_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Transfer]:
    return Transfer.objects.filter(scope_q(user, action, "branch__place__path")).select_related(
        "branch__place", "member"
    )


def get_transfer_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Transfer:
    return get_for_user(
        Transfer.objects.select_related("branch__place", "member"),
        user,
        action=action,
        path_of=lambda t: t.branch.place.path,
        pk=pk,
    )


def branches_visible_to(user: Any) -> QuerySet[PartyOrg]:
    """The branches and general branches the user sees: those that issue and receive letters."""
    return orgs_visible_to(user).filter(
        kind__in=(OrgKind.BRANCH, OrgKind.GENERAL_BRANCH), dissolved_on__isnull=True
    )

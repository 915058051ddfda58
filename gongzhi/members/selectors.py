"""Reads on the member register, scoped through the member's branch."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.core.roles import Action
from gongzhi.core.scoping import get_for_user, scope_q
from gongzhi.members.models import Member


def members_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Member]:
    return Member.objects.filter(scope_q(user, action, "branch__place__path")).select_related(
        "branch", "group", "home_place"
    )


def get_member_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Member:
    return get_for_user(
        Member.objects.select_related("branch__place", "group", "home_place"),
        user,
        action=action,
        path_of=lambda m: m.branch.place.path,
        pk=pk,
    )

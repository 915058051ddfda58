"""The place-scoping engine: who sees and changes what.

A user holds roles at places; a role grants actions; a place grants its whole subtree. Places carry a
materialised path (`/1/5/23/`), so "everything under 五和社区" is one indexed prefix query. Every list
and every object fetch, in pages, API and exports alike, goes through these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from gongzhi.core.roles import ROLE_ACTIONS, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

M = TypeVar("M", bound=Model)

ALL = None  # sentinel: no restriction (superusers)


def current_assignments(user: Any) -> list:
    """The user's active assignments with their places, read once and cached on the user object: the
    scoping checks and the user menu of every page share the one query."""
    cached = getattr(user, "_gongzhi_assignment_rows", None)
    if cached is None:
        cached = list(user.assignments.select_related("place").filter(active=True))
        user._gongzhi_assignment_rows = cached
    return cached


def _assignments(user: Any) -> list[tuple[str, str]]:
    """(role, place path) pairs of the user's current assignments, cached on the user object."""
    cached = getattr(user, "_gongzhi_assignments", None)
    if cached is None:
        cached = [(a.role, a.place.path) for a in current_assignments(user)]
        user._gongzhi_assignments = cached
    return cached


def forget_assignments(user: Any) -> None:
    """Drop the caches after the user's assignments change."""
    for name in ("_gongzhi_assignments", "_gongzhi_assignment_rows"):
        if hasattr(user, name):
            delattr(user, name)


def place_paths(user: AbstractBaseUser | AnonymousUser, action: str) -> list[str] | None:
    """Path prefixes under which `user` may take `action`; ALL for superusers, [] for nobody."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    paths = sorted({path for role, path in _assignments(user) if action in ROLE_ACTIONS.get(role, ())})
    # Drop paths already inside another one: fewer OR terms in every query.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def roles_of(user: Any) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {role for role, _path in _assignments(user)}


def uses_the_portal(user: Any) -> bool:
    """Residents, and people with no role yet, work in the phone portal (/m/), not on the staff pages."""
    return not user.is_superuser and roles_of(user) <= {Role.RESIDENT}


def scope_q(user: Any, action: str, path_field: str = "path") -> Q:
    """A filter keeping rows whose place path lies under one of the user's places for `action`."""
    paths = place_paths(user, action)
    if paths is ALL:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def can(user: Any, action: str, path: str) -> bool:
    """May `user` take `action` at the place with materialised path `path`?"""
    paths = place_paths(user, action)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)


def can_anywhere(user: Any, action: str) -> bool:
    paths = place_paths(user, action)
    return paths is ALL or bool(paths)


def require_anywhere(user: Any, action: str) -> None:
    """403 for a user who may take `action` nowhere: e.g. residents, who read no registers, are refused
    before any look-up; configuration pages need `manage`."""
    if not can_anywhere(user, action):
        raise PermissionDenied


def get_for_user(queryset: QuerySet[M], user: Any, *, action: str, path_of: Any, **lookup: Any) -> M:
    """Fetch one object and authorise `action` on it.

    Outside the user's view scope the object does not exist for them (404); inside it, an action their
    role does not grant is forbidden (403). `path_of(obj)` gives the place path the object hangs off.
    """
    try:
        obj = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    authorise_path(user, action, path_of(obj))
    return obj


def authorise_path(user: Any, action: str, path: str) -> None:
    """404 when the place is outside the user's view scope, 403 when their role lacks `action` there."""
    if not can(user, "view", path):
        raise Http404
    if action != "view" and not can(user, action, path):
        raise PermissionDenied

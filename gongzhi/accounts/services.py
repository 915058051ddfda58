"""Writes on accounts: users, role assignments, API tokens. Each one is audited."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, Assignment, User, token_digest
from gongzhi.core.audit import audit_record
from gongzhi.core.scoping import forget_assignments, roles_of
from gongzhi.territory.models import Place

TOKEN_PREFIX = "gz_"


@transaction.atomic
def user_create(
    *, username: str, password: str | None, display_name: str = "", by: User | None, is_demo: bool = False
) -> User:
    """Create a staff or resident account; `password=None` leaves it unusable until set."""
    user = User(username=username, display_name=display_name, is_demo=is_demo)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=by, action="create", obj=user, place_path="/", changes={"username": [None, username]})
    return user


@transaction.atomic
def assignment_grant(*, user: User, role: str, place: Place, by: User | None) -> Assignment:
    """Give `user` a role at `place`; granting one already held changes nothing."""
    assignment, created = Assignment.objects.get_or_create(user=user, role=role, place=place)
    if not created and not assignment.active:
        assignment.active = True
        assignment.save(update_fields=["active"])
        created = True
    if created:
        audit_record(
            actor=by,
            action="grant_role",
            obj=assignment,
            place_path=place.path,
            changes={"role": [None, role]},
        )
    forget_assignments(user)
    return assignment


@transaction.atomic
def api_token_create(*, user: User, name: str, by: User | None) -> tuple[ApiToken, str]:
    """Issue a token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=token_digest(raw))
    audit_record(actor=by, action="create_token", obj=token, place_path="/", changes={"name": [None, name]})
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None."""
    try:
        # The digest is unique: a plain get, without the ORDER BY of first().
        token = ApiToken.objects.select_related("user").get(
            digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    if token.user.is_demo and not settings.DEMO_MODE:
        return None
    # Touch at most once a minute: a busy client must not turn every read into a write.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def second_factor_required(user: User) -> bool:
    """Whether sign-in must ask this user for a second factor (roles listed in SECOND_FACTOR_ROLES)."""
    required = set(settings.SECOND_FACTOR_ROLES)
    return bool(required & roles_of(user))

"""Writes on the member register: members, reveals of personal data, party and outside posts."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.pii import blind_index, validate_id_number, validate_phone
from gongzhi.core.pinyin import initials_index
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.members.models import Member, MemberStatus, OutsidePost, Post, PostTitle
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.territory.models import PlaceKind

# Personal fields are audited as "changed", never with their values.
MEMBER_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "status",
    "full_on",
    "branch",
    "group",
    "home_place",
    "is_owner",
    "employer",
    "left_on",
    "note",
]
PERSONAL_FIELDS = ["id_number", "phone"]
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def _authorise(user: Any, org: PartyOrg, action: str = Action.CHANGE) -> None:
    if user is not None and not can(user, action, org.place.path):
        raise PermissionDenied


def _apply(member: Member, data: dict[str, Any]) -> None:
    """Validate and copy form data onto the member; personal fields are normalised and indexed."""
    errors: dict[str, list[str]] = {}
    for field, value in data.items():
        setattr(member, field, value)
    try:
        member.id_number = validate_id_number(member.id_number or "")
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if member.phone:
        try:
            member.phone = validate_phone(member.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if member.branch_id and member.branch.kind not in BRANCH_KINDS:
        errors["branch"] = [_("A member belongs to a party branch or general branch.")]
    if member.group_id and (member.group.kind != OrgKind.GROUP or member.group.parent_id != member.branch_id):
        errors["group"] = [_("The party group must belong to the member's branch.")]
    if member.status == MemberStatus.FULL and member.full_on and member.full_on < member.joined_on:
        errors["full_on"] = [_("A member becomes full after joining, not before.")]
    if errors:
        raise ValidationError(errors)
    member.id_index = blind_index(member.id_number, purpose="id_number")
    member.phone_index = blind_index(member.phone, purpose="phone") if member.phone else ""
    duplicate = Member.objects.filter(id_index=member.id_index).exclude(pk=member.pk).first()
    if duplicate is not None:
        raise ValidationError({"id_number": [_("A member with this ID number is already registered.")]})
    member.pinyin = initials_index(member.name)
    member.full_clean(exclude=["id_index", "phone_index"])


@transaction.atomic
def member_create(*, by: Any, branch: PartyOrg, **data: Any) -> Member:
    """Register a member of `branch`. ID number and phone are validated, encrypted and indexed."""
    _authorise(by, branch)
    member = Member(branch=branch)
    _apply(member, data)
    member.save()
    changes = diff({}, snapshot(member, MEMBER_FIELDS))
    changes.update({f: ["", "***"] for f in PERSONAL_FIELDS if getattr(member, f)})
    audit_record(actor=by, action="create", obj=member, place_path=branch.place.path, changes=changes)
    return member


@transaction.atomic
def member_update(*, by: Any, member: Member, **data: Any) -> Member:
    _authorise(by, member.branch)
    if "branch" in data:
        _authorise(by, data["branch"])
    before = snapshot(member, MEMBER_FIELDS)
    personal_before = {f: getattr(member, f) for f in PERSONAL_FIELDS}
    _apply(member, data)
    member.save()
    changes = diff(before, snapshot(member, MEMBER_FIELDS))
    changes.update({f: ["***", "***"] for f in PERSONAL_FIELDS if getattr(member, f) != personal_before[f]})
    if changes:
        audit_record(
            actor=by, action="update", obj=member, place_path=member.branch.place.path, changes=changes
        )
    return member


def member_reveal(*, by: Any, member: Member, field: str) -> str:
    """The clear value of a personal field, for roles that need it; every reveal is audited."""
    if field not in PERSONAL_FIELDS:
        raise ValueError(field)
    _authorise(by, member.branch, Action.REVEAL)
    audit_record(
        actor=by,
        action="reveal",
        obj=member,
        place_path=member.branch.place.path,
        changes={field: ["***", "revealed"]},
    )
    return getattr(member, field)


def _check_secretary_rule(org: PartyOrg, member: Member) -> None:
    """Article rule: a garden-estate branch secretary is a party member who owns a home in the estate."""
    if org.place.kind != PlaceKind.GARDEN_ESTATE:
        return
    at_home = member.home_place_id is not None and member.home_place.path.startswith(org.place.path)
    if not (member.is_owner and at_home):
        raise ValidationError(
            {
                "member": [
                    _(
                        "The secretary of a garden-estate branch must be a party member who owns a home in %(estate)s."
                    )
                    % {"estate": org.place.name}
                ]
            }
        )


@transaction.atomic
def post_appoint(*, by: Any, org: PartyOrg, member: Member, title: str, since: datetime.date) -> Post:
    """Appoint `member` to a post in `org`; a secretary or deputy replaces the holder of the same post."""
    _authorise(by, org)
    if not org.is_active:
        raise ValidationError(_("A dissolved organisation has no posts."))
    if member.left_on is not None:
        raise ValidationError({"member": [_("This person has left the register.")]})
    if title == PostTitle.GROUP_LEADER and org.kind != OrgKind.GROUP:
        raise ValidationError({"title": [_("Only a party group has a group leader.")]})
    if title == PostTitle.SECRETARY:
        _check_secretary_rule(org, member)
    if org.posts.current(since).filter(member=member, title=title).exists():
        raise ValidationError({"member": [_("%(name)s already holds this post.") % {"name": member.name}]})
    if title in (PostTitle.SECRETARY, PostTitle.GROUP_LEADER):
        for old in org.posts.filter(title=title, until__isnull=True):
            post_end(by=by, post=old, on=since)
    post = Post(org=org, member=member, title=title, since=since)
    post.full_clean()
    post.save()
    audit_record(
        actor=by,
        action="appoint",
        obj=post,
        place_path=org.place.path,
        changes={"member": [None, member.name], "title": [None, title], "since": [None, since.isoformat()]},
    )
    return post


@transaction.atomic
def post_end(*, by: Any, post: Post, on: datetime.date) -> Post:
    _authorise(by, post.org)
    if post.until is not None:
        raise ValidationError(_("This term has already ended."))
    if on < post.since:
        raise ValidationError(_("A term cannot end before it began."))
    post.until = on
    post.save(update_fields=["until"])
    audit_record(
        actor=by,
        action="end_post",
        obj=post,
        place_path=post.org.place.path,
        changes={"until": [None, on.isoformat()]},
    )
    return post


@transaction.atomic
def outside_post_add(
    *, by: Any, member: Member, title: str, organisation: str, since: datetime.date
) -> OutsidePost:
    """Record a post the member holds outside the branch, shown together with the party posts."""
    _authorise(by, member.branch)
    post = OutsidePost(member=member, title=title, organisation=organisation.strip(), since=since)
    post.full_clean()
    post.save()
    audit_record(
        actor=by,
        action="add_outside_post",
        obj=post,
        place_path=member.branch.place.path,
        changes={"title": [None, title], "organisation": [None, organisation]},
    )
    return post

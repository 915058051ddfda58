"""Writes on committees and their seats."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core.audit import diff, snapshot
from gongzhi.deliberation.choices import DEFAULT_RULE, CommitteeKind, MajorityRule, Stakeholder
from gongzhi.deliberation.models import Committee, Seat
from gongzhi.deliberation.services._common import audit, authorise
from gongzhi.members.models import Member
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place, PlaceKind

# The places a committee may serve: an estate, a village (resident group), an independent area, a park.
COMMITTEE_PLACE_KINDS = (
    PlaceKind.GARDEN_ESTATE,
    PlaceKind.RESIDENT_GROUP,
    PlaceKind.INDEPENDENT_AREA,
    PlaceKind.INDUSTRIAL_PARK,
)
COMMITTEE_FIELDS = [
    "kind",
    "name",
    "place",
    "branch",
    "quorum_numerator",
    "quorum_denominator",
    "majority_rule",
    "active",
    "note",
]
SEAT_FIELDS = ["stakeholder", "user", "member", "holder_name", "organisation", "since", "until"]


def _check_committee(committee: Committee) -> None:
    if committee.place.kind not in COMMITTEE_PLACE_KINDS:
        raise ValidationError(
            {
                "place": [
                    _("A committee serves a garden estate, a resident group, an independent area or a park.")
                ]
            }
        )
    branch_path, place_path = committee.branch.place.path, committee.place.path
    if not (place_path.startswith(branch_path) or branch_path.startswith(place_path)):
        raise ValidationError(
            {"branch": [_("The leading branch must belong to the place the committee serves.")]}
        )
    if not committee.branch.is_active:
        raise ValidationError({"branch": [_("The branch has been dissolved.")]})
    if committee.quorum_denominator < 1 or committee.quorum_numerator > committee.quorum_denominator:
        raise ValidationError(
            {"quorum_numerator": [_("The quorum is a fraction between 0 and 1, such as 2/3.")]}
        )
    committee.full_clean()


@transaction.atomic
def committee_create(
    *,
    by: Any,
    kind: str,
    name: str,
    place: Place,
    branch: PartyOrg,
    quorum_numerator: int = 2,
    quorum_denominator: int = 3,
    majority_rule: str | None = None,
    note: str = "",
) -> Committee:
    """Set up a consultation committee or joint meeting for a place; the majority rule defaults by kind."""
    if kind not in CommitteeKind.values:
        raise ValidationError({"kind": [_("Choose a kind of committee.")]})
    committee = Committee(
        kind=kind,
        name=name.strip(),
        place=place,
        branch=branch,
        quorum_numerator=quorum_numerator,
        quorum_denominator=quorum_denominator,
        majority_rule=majority_rule or DEFAULT_RULE[kind],
        note=note,
    )
    authorise(by, committee)
    _check_committee(committee)
    committee.save()
    audit(by, "committee_create", committee, committee, diff({}, snapshot(committee, COMMITTEE_FIELDS)))
    return committee


@transaction.atomic
def committee_update(
    *,
    by: Any,
    committee: Committee,
    name: str | None = None,
    branch: PartyOrg | None = None,
    quorum_numerator: int | None = None,
    quorum_denominator: int | None = None,
    majority_rule: str | None = None,
    active: bool | None = None,
    note: str | None = None,
) -> Committee:
    """Change a committee's name, leading branch, quorum, default majority rule, note, or retire it."""
    committee = (
        Committee.objects.select_for_update(of=("self",))
        .select_related("place", "branch")
        .get(pk=committee.pk)
    )
    authorise(by, committee)
    before = snapshot(committee, COMMITTEE_FIELDS)
    changes = {
        "name": name.strip() if name is not None else None,
        "branch": branch,
        "quorum_numerator": quorum_numerator,
        "quorum_denominator": quorum_denominator,
        "majority_rule": majority_rule,
        "active": active,
        "note": note,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(committee, field, value)
    if committee.majority_rule not in MajorityRule.values:
        raise ValidationError({"majority_rule": [_("Choose a majority rule.")]})
    _check_committee(committee)
    committee.save()
    audit(by, "committee_update", committee, committee, diff(before, snapshot(committee, COMMITTEE_FIELDS)))
    return committee


@transaction.atomic
def seat_assign(
    *,
    by: Any,
    committee: Committee,
    stakeholder: str,
    since: datetime.date,
    user: Any = None,
    member: Member | None = None,
    holder_name: str = "",
    organisation: str = "",
    until: datetime.date | None = None,
) -> Seat:
    """Seat a stakeholder: held by an account (who can then vote online), a party member, or a named person."""
    authorise(by, committee)
    if stakeholder not in Stakeholder.values:
        raise ValidationError({"stakeholder": [_("Choose a stakeholder.")]})
    holder_name = holder_name.strip()
    if user is None and member is None and not holder_name:
        raise ValidationError({"holder_name": [_("Name who holds the seat.")]})
    if until is not None and until <= since:
        raise ValidationError({"until": [_("The term must end after it begins.")]})
    if user is not None:
        overlapping = Seat.objects.filter(committee=committee, user=user).filter(
            Q(until__isnull=True) | Q(until__gt=since)
        )
        if until is not None:
            overlapping = overlapping.filter(since__lt=until)
        if overlapping.exists():
            raise ValidationError(
                {"user": [_("This person already holds a seat on the committee in that term.")]}
            )
    seat = Seat(
        committee=committee,
        stakeholder=stakeholder,
        user=user,
        member=member,
        holder_name=holder_name,
        organisation=organisation.strip(),
        since=since,
        until=until,
    )
    seat.full_clean()
    seat.save()
    audit(by, "seat_assign", seat, committee, diff({}, snapshot(seat, SEAT_FIELDS)))
    return seat


@transaction.atomic
def seat_end(*, by: Any, seat: Seat, on: datetime.date) -> Seat:
    """End a seat's term on `on` (the holder no longer sits from that day)."""
    seat = Seat.objects.select_for_update(of=("self",)).select_related("committee__place").get(pk=seat.pk)
    authorise(by, seat.committee)
    if on <= seat.since:
        raise ValidationError({"until": [_("The term must end after it begins.")]})
    if seat.until is not None and seat.until <= on:
        raise ValidationError({"until": [_("This term has already ended.")]})
    before = snapshot(seat, SEAT_FIELDS)
    seat.until = on
    seat.save(update_fields=["until"])
    audit(by, "seat_end", seat, seat.committee, diff(before, snapshot(seat, SEAT_FIELDS)))
    return seat

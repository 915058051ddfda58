"""Writes on recruitment: one service per step, each atomic, authorised, validated and audited.

A step taken out of order, or before its interval has run (rules.py), is refused with a ValidationError
that names the earliest date it becomes possible; nothing is saved then.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.pii import blind_index, validate_id_number, validate_phone
from gongzhi.core.pinyin import initials_index
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.members.models import Member, MemberStatus
from gongzhi.members.services import BRANCH_KINDS, member_create, member_update
from gongzhi.party.models import PartyOrg
from gongzhi.recruitment import rules
from gongzhi.recruitment.models import Recruit, Review, Stage

PERSONAL_FIELDS = ["id_number", "phone"]
# Audited with their values: every column but the personal ones (shown as "***") and the derived ones.
AUDITED_FIELDS = [
    f.name
    for f in Recruit._meta.concrete_fields
    if f.name not in {"id", "pinyin", "id_index", "phone_index", "created_at", "created_by", *PERSONAL_FIELDS}
]


def _authorise(user: Any, branch: PartyOrg, action: str = Action.CHANGE) -> None:
    if user is not None and not can(user, action, branch.place.path):
        raise PermissionDenied


def _d(day: datetime.date) -> str:
    return day.isoformat()


def _refuse(message: str, field: str | None = None) -> NoReturn:
    """Refuse the step: on the form's field when there is one, else for the whole form."""
    raise ValidationError({field: [message]} if field else message)


def _require_stage(recruit: Recruit, stage: str) -> None:
    if recruit.stage != stage:
        raise ValidationError(
            _("This step is for a recruit at the stage “%(needed)s”; %(name)s is at the stage “%(stage)s”.")
            % {"needed": Stage(stage).label, "name": recruit.name, "stage": recruit.get_stage_display()}
        )


def _check_date(on: datetime.date, *, field: str = "on", not_before: datetime.date | None = None) -> None:
    """A step happens on a real past or present day, not before the step it follows."""
    if on > timezone.localdate():
        _refuse(_("A step cannot be recorded in the future."), field)
    if not_before is not None and on < not_before:
        _refuse(
            _("This date cannot be before the previous step (%(date)s).") % {"date": _d(not_before)}, field
        )


def _check_members(
    recruit: Recruit, members: Iterable[Member], *, on: datetime.date, field: str, low: int, high: int
) -> list[Member]:
    """Contacts and introducers: between `low` and `high` full members of the recruit's branch."""
    chosen = list({m.pk: m for m in members}.values())
    if not low <= len(chosen) <= high:
        if low == high:
            message = _("Choose exactly %(n)s full members.") % {"n": low}
        else:
            message = _("Choose between %(low)s and %(high)s full members.") % {"low": low, "high": high}
        _refuse(message, field)
    for m in chosen:
        if m.id_index == recruit.id_index:
            _refuse(_("A recruit cannot vouch for themselves."), field)
        full = m.status == MemberStatus.FULL and (m.full_on is None or m.full_on <= on)
        if m.branch_id != recruit.branch_id or m.left_on is not None or not full:
            _refuse(_("%(name)s is not a full member of this branch.") % {"name": m.name}, field)
    return chosen


def _save(
    recruit: Recruit,
    *,
    by: Any,
    action: str,
    before: dict[str, Any],
    extra: dict[str, list[Any]] | None = None,
) -> Recruit:
    """Recompute the next deadline, save, and write the audit row with what changed."""
    last_review = recruit.reviews.order_by("-on").values_list("on", flat=True).first() if recruit.pk else None
    recruit.next_due = rules.next_due(recruit, last_review)
    recruit.save()
    audit_record(
        actor=by,
        action=action,
        obj=recruit,
        place_path=recruit.branch.place.path,
        changes={**diff(before, snapshot(recruit, AUDITED_FIELDS)), **(extra or {})},
    )
    return recruit


@transaction.atomic
def recruit_apply(
    *,
    by: Any,
    branch: PartyOrg,
    name: str,
    gender: str,
    birth_date: datetime.date,
    id_number: str,
    applied_on: datetime.date,
    phone: str = "",
    ethnicity: str = "汉族",
    education: str = "",
    employer: str = "",
) -> Recruit:
    """Record an application to join the party (入党申请), made to `branch` by a person aged 18 or more."""
    _authorise(by, branch)
    errors: dict[str, list[str]] = {}
    if branch.kind not in BRANCH_KINDS or not branch.is_active:
        errors["branch"] = [_("An application is made to an active party branch or general branch.")]
    try:
        id_number = validate_id_number(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    else:
        if id_number[6:14] != birth_date.strftime("%Y%m%d"):
            errors["birth_date"] = [_("The birth date does not match the ID number.")]
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    _check_date(applied_on, field="applied_on")
    adult_on = rules.adult_from(birth_date)
    if applied_on < adult_on:
        message = _(
            "An applicant must be 18 or older on the application date: %(name)s turns 18 on %(date)s."
        )
        _refuse(message % {"name": name, "date": _d(adult_on)}, "applied_on")
    id_index = blind_index(id_number, purpose="id_number")
    if Member.objects.filter(id_index=id_index).exists():
        _refuse(_("This person is already a party member."), "id_number")
    if Recruit.objects.filter(id_index=id_index).exists():
        _refuse(_("This person is already being recruited."), "id_number")
    recruit = Recruit(
        branch=branch,
        name=name.strip(),
        pinyin=initials_index(name.strip()),
        gender=gender,
        ethnicity=ethnicity,
        birth_date=birth_date,
        id_number=id_number,
        id_index=id_index,
        phone=phone,
        phone_index=blind_index(phone, purpose="phone") if phone else "",
        education=education,
        employer=employer,
        applied_on=applied_on,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    recruit.full_clean(exclude=["id_index", "phone_index"])
    personal = {f: ["", "***"] for f in PERSONAL_FIELDS if getattr(recruit, f)}
    return _save(recruit, by=by, action="recruit_apply", before={}, extra=personal)


@transaction.atomic
def recruit_record_talk(*, by: Any, recruit: Recruit, on: datetime.date, note: str = "") -> Recruit:
    """Record the talk with the applicant (谈话), due within one month of the application."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.APPLICANT)
    if recruit.talked_on is not None:
        _refuse(_("The talk with this applicant is already recorded."))
    _check_date(on, not_before=recruit.applied_on)
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.talked_on, recruit.talk_note = on, note
    return _save(recruit, by=by, action="recruit_talk", before=before)


@transaction.atomic
def recruit_make_activist(
    *, by: Any, recruit: Recruit, on: datetime.date, contacts: Iterable[Member]
) -> Recruit:
    """Make an applicant an activist (入党积极分子) with one or two full members as contact persons."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.APPLICANT)
    if recruit.talked_on is None:
        _refuse(_("Record the talk with the applicant first."))
    _check_date(on, not_before=recruit.talked_on)
    chosen = _check_members(
        recruit, contacts, on=on, field="contacts", low=rules.CONTACTS_MIN, high=rules.CONTACTS_MAX
    )
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.stage, recruit.activist_on = Stage.ACTIVIST, on
    recruit.contacts.set(chosen)
    contacts_audit = {"contacts": [[], sorted(m.name for m in chosen)]}
    _save(recruit, by=by, action="recruit_make_activist", before=before, extra=contacts_audit)
    return recruit


@transaction.atomic
def recruit_review(*, by: Any, recruit: Recruit, on: datetime.date, note: str) -> Review:
    """Record the six-monthly review of an activist (考察); the next one falls due six months later."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.ACTIVIST)
    last = recruit.reviews.order_by("-on").values_list("on", flat=True).first()
    _check_date(on, not_before=last or recruit.activist_on)
    if not note.strip():
        _refuse(_("Write the conclusion of the review."), "note")
    review = Review(recruit=recruit, on=on, note=note.strip())
    review.recorded_by = by if getattr(by, "is_authenticated", False) else None
    review.save()
    before = snapshot(recruit, AUDITED_FIELDS)
    _save(recruit, by=by, action="recruit_review", before=before)
    return review


@transaction.atomic
def recruit_make_candidate(
    *, by: Any, recruit: Recruit, on: datetime.date, introducers: Iterable[Member]
) -> Recruit:
    """Make an activist of at least one year a development candidate (发展对象) with two introducers."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.ACTIVIST)
    earliest = rules.candidate_from(recruit.activist_on)
    if on < earliest:
        message = _("Too early: an activist can become a development candidate from %(date)s.")
        _refuse(message % {"date": _d(earliest)}, "on")
    _check_date(on)
    chosen = _check_members(
        recruit, introducers, on=on, field="introducers", low=rules.INTRODUCERS, high=rules.INTRODUCERS
    )
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.stage, recruit.candidate_on = Stage.CANDIDATE, on
    recruit.introducers.set(chosen)
    introducers_audit = {"introducers": [[], sorted(m.name for m in chosen)]}
    return _save(recruit, by=by, action="recruit_make_candidate", before=before, extra=introducers_audit)


@transaction.atomic
def recruit_record_vetting(*, by: Any, recruit: Recruit, on: datetime.date, note: str) -> Recruit:
    """Record the political vetting (政审) of a development candidate and its conclusion."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.CANDIDATE)
    _check_date(on, not_before=recruit.candidate_on)
    if not note.strip():
        _refuse(_("Write the conclusion of the vetting."), "note")
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.vetted_on, recruit.vetting_note = on, note.strip()
    return _save(recruit, by=by, action="recruit_vetting", before=before)


@transaction.atomic
def recruit_record_training(
    *, by: Any, recruit: Recruit, start: datetime.date, end: datetime.date, hours: int
) -> Recruit:
    """Record the candidate's concentrated training: at least three days or 24 class hours."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.CANDIDATE)
    _check_date(start, field="start", not_before=recruit.candidate_on)
    _check_date(end, field="end", not_before=start)
    days = rules.training_days(start, end)
    if not rules.training_sufficient(days, hours):
        message = _(
            "Training must last at least 3 days or 24 hours; this one lasted %(days)s days and %(hours)s hours."
        )
        _refuse(message % {"days": days, "hours": hours})
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.training_start, recruit.training_end, recruit.training_hours = start, end, hours
    return _save(recruit, by=by, action="recruit_training", before=before)


@transaction.atomic
def recruit_record_vote(
    *,
    by: Any,
    recruit: Recruit,
    on: datetime.date,
    eligible_voters: int,
    votes_for: int,
    votes_against: int,
) -> Recruit:
    """Record the branch general meeting's vote to admit the candidate; the committee has 3 months to approve."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.CANDIDATE)
    if recruit.vetted_on is None or recruit.training_end is None:
        _refuse(_("Record the vetting and the training before the branch votes."))
    _check_date(on, not_before=max(recruit.vetted_on, recruit.training_end))
    if votes_for + votes_against > eligible_voters:
        _refuse(_("More votes were cast than there are full members entitled to vote."))
    if not rules.vote_passes(votes_for, eligible_voters):
        message = _(
            "The vote did not pass: more than half of the %(n)s full members entitled to vote must vote for."
        )
        _refuse(message % {"n": eligible_voters})
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.vote_on, recruit.eligible_voters = on, eligible_voters
    recruit.votes_for, recruit.votes_against = votes_for, votes_against
    return _save(recruit, by=by, action="recruit_vote", before=before)


@transaction.atomic
def recruit_make_probationary(*, by: Any, recruit: Recruit, on: datetime.date) -> Recruit:
    """Record the higher committee's approval: the candidate enters the register as a probationary member."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.CANDIDATE)
    if recruit.vote_on is None:
        _refuse(_("Record the branch general meeting's vote first."))
    _check_date(on, not_before=recruit.vote_on)
    deadline = rules.approval_due(recruit.vote_on)
    if on > deadline:
        message = _(
            "Too late: the higher committee had to approve by %(date)s, within 3 months of the vote;"
            " the branch must vote again."
        )
        _refuse(message % {"date": _d(deadline)}, "on")
    member = member_create(
        by=by,
        branch=recruit.branch,
        name=recruit.name,
        gender=recruit.gender,
        ethnicity=recruit.ethnicity,
        birth_date=recruit.birth_date,
        id_number=recruit.id_number,
        phone=recruit.phone,
        education=recruit.education,
        employer=recruit.employer,
        joined_on=on,
        status=MemberStatus.PROBATIONARY,
        full_on=None,
    )
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.stage, recruit.approved_on, recruit.member = Stage.PROBATIONARY, on, member
    return _save(recruit, by=by, action="recruit_make_probationary", before=before)


@transaction.atomic
def recruit_extend_probation(
    *, by: Any, recruit: Recruit, on: datetime.date, months: int, reason: str
) -> Recruit:
    """Extend a probation once, by 6 to 12 months, for a recorded reason."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.PROBATIONARY)
    if recruit.extended_months:
        _refuse(_("A probation can be extended only once."))
    if not rules.EXTENSION_MIN_MONTHS <= months <= rules.EXTENSION_MAX_MONTHS:
        _refuse(_("A probation is extended by 6 to 12 months."), "months")
    if not reason.strip():
        _refuse(_("Give the reason for the extension."), "reason")
    _check_date(on, not_before=recruit.approved_on)
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.extended_on, recruit.extended_months, recruit.extension_reason = on, months, reason.strip()
    return _save(recruit, by=by, action="recruit_extend_probation", before=before)


@transaction.atomic
def recruit_make_full(*, by: Any, recruit: Recruit, on: datetime.date) -> Recruit:
    """Make a probationary member full (转正) once the probation, with any extension, has run."""
    _authorise(by, recruit.branch)
    _require_stage(recruit, Stage.PROBATIONARY)
    earliest = rules.probation_ends(recruit.approved_on, recruit.extended_months)
    if on < earliest:
        message = _("Too early: a probationary member can become a full member from %(date)s.")
        _refuse(message % {"date": _d(earliest)}, "on")
    _check_date(on)
    member_update(by=by, member=recruit.member, status=MemberStatus.FULL, full_on=on)
    before = snapshot(recruit, AUDITED_FIELDS)
    recruit.stage, recruit.full_on = Stage.FULL, on
    return _save(recruit, by=by, action="recruit_make_full", before=before)


def recruit_reveal(*, by: Any, recruit: Recruit, field: str) -> str:
    """The clear value of a personal field, for roles that need it; every reveal is audited."""
    if field not in PERSONAL_FIELDS:
        raise ValueError(field)
    _authorise(by, recruit.branch, Action.REVEAL)
    audit_record(
        actor=by,
        action="reveal",
        obj=recruit,
        place_path=recruit.branch.place.path,
        changes={field: ["***", "revealed"]},
    )
    return getattr(recruit, field)

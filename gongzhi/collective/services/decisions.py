"""Writes on decisions taken by "四议两公开": the branch proposes, the two committees discuss, the party
members' meeting reviews, the shareholders' (representatives') meeting decides, the decision is made public,
and the result of carrying it out is made public.

No step may be skipped or taken out of order, and none may be dated before the one it follows. The
shareholders' meeting decides only with at least two thirds of those entitled present; it passes a
proposal only with more than half of those present in favour. A proposal it rejects is closed: only a new
proposal may follow. Every step is audited; its documents are checked by their first bytes.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.collective.models import (
    COMPANY_PLACE_KINDS,
    STEP_ORDER,
    Company,
    Decision,
    DecisionStep,
    Outcome,
    Step,
    StepDocument,
    Subject,
)
from gongzhi.collective.services.companies import authorise
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.uploads import SIGNATURES, sniff
from gongzhi.territory.models import Place

DECISION_FIELDS = ["place", "company", "title", "subject", "amount", "description", "follows", "proposed_on"]
STEP_FIELDS = [
    "step",
    "held_on",
    "present",
    "entitled",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "passed",
    "note",
]
VOTES = ("votes_for", "votes_against", "votes_abstain")
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def quorum_met(present: int, entitled: int) -> bool:
    """At least two thirds of those entitled are present (integers: no rounding to argue about)."""
    return present * 3 >= entitled * 2


def majority_for(votes_for: int, present: int) -> bool:
    """More than half of those present are in favour: exactly half is not enough."""
    return votes_for * 2 > present


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def check_document(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an acceptable document: a PDF or an image, up to 10 MB."""
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                "document": _("“%(name)s” is larger than 10 MB: make it smaller and upload it again.")
                % {"name": upload.name}
            }
        )
    if upload.size == 0:
        raise ValidationError({"document": _("“%(name)s” is empty.") % {"name": upload.name}})
    content_type = sniff(upload)
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError(
            {"document": _("“%(name)s” is not a PDF or a JPEG, PNG or WebP image.") % {"name": upload.name}}
        )
    return content_type, SIGNATURES[content_type][0]


def _keep_documents(
    step: DecisionStep, uploads: list[tuple[UploadedFile, str, str]], by: Any, stored: list[str]
) -> None:
    """Store checked uploads under new random names; `stored` collects the names to delete on failure."""
    for upload, content_type, extension in uploads:
        document = StepDocument(
            step=step,
            original_name=os.path.basename(upload.name or "")[:200] or extension,
            content_type=content_type,
            size=upload.size,
            uploaded_by=_user(by),
        )
        document.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        stored.append(document.file.name)
        document.full_clean()
        document.save()
        audit_record(
            actor=by,
            action="attach",
            obj=document,
            place_path=step.decision.place.path,
            changes={
                "step": [None, step.pk],
                "original_name": [None, document.original_name],
                "size": [None, document.size],
            },
        )


def _with_documents(work, documents: Iterable[UploadedFile], by: Any) -> Any:
    """Run `work()` (which returns the step) and keep the documents; a failure leaves no file behind."""
    checked = [(upload, *check_document(upload)) for upload in documents if upload]
    stored: list[str] = []
    try:
        with transaction.atomic():
            step = work()
            _keep_documents(step, checked, by, stored)
    except Exception:
        for name in stored:
            StepDocument.file.field.storage.delete(name)
        raise
    return step


def _check_day(held_on: datetime.date | None, errors: dict[str, list[str]]) -> None:
    if held_on is None:
        errors.setdefault("held_on", []).append(_("Enter the date."))
    elif held_on > timezone.localdate():
        errors.setdefault("held_on", []).append(_("A step cannot be dated in the future."))


def decision_propose(
    *,
    by: Any,
    title: str,
    subject: str,
    held_on: datetime.date,
    company: Company | None = None,
    place: Place | None = None,
    amount: Decimal | None = None,
    description: str = "",
    note: str = "",
    follows: Decision | None = None,
    documents: Iterable[UploadedFile] = (),
) -> Decision:
    """Step 1: the party branch proposes a matter of the company's (or the resident group's) assets, funds
    or resources. A proposal after one the shareholders rejected names it in `follows`."""
    place = company.resident_group if company is not None and place is None else place
    if place is None:
        raise ValidationError({"place": _("Choose the company or the resident group the matter concerns.")})
    authorise(by, place)
    errors: dict[str, list[str]] = {}
    if company is not None and company.resident_group_id != place.pk:
        errors["company"] = [_("The company belongs to another resident group.")]
    if place.kind not in COMPANY_PLACE_KINDS:
        errors["place"] = [_("Collective assets belong to a resident group (a former village).")]
    if not (title or "").strip():
        errors["title"] = [_("Enter a title.")]
    if subject not in Subject.values:
        errors["subject"] = [_("Choose assets, funds or resources.")]
    if amount is not None and amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if follows is not None and (follows.outcome != Outcome.REJECTED or follows.place_id != place.pk):
        errors["follows"] = [
            _("A new proposal follows a proposal of the same resident group that the shareholders rejected.")
        ]
    _check_day(held_on, errors)
    if errors:
        raise ValidationError(errors)

    def work() -> DecisionStep:
        decision = Decision(
            place=place,
            company=company,
            title=title.strip(),
            subject=subject,
            amount=amount,
            description=description,
            follows=follows,
            proposed_on=held_on,
            stage=Step.PROPOSAL,
            created_by=_user(by),
        )
        decision.full_clean()
        decision.save()
        audit_record(
            actor=by,
            action="create",
            obj=decision,
            place_path=place.path,
            changes={k: [None, v] for k, v in snapshot(decision, DECISION_FIELDS).items()},
        )
        return _save_step(
            by, decision, DecisionStep(decision=decision, step=Step.PROPOSAL, held_on=held_on, note=note)
        )

    return _with_documents(work, documents, by).decision


def _save_step(by: Any, decision: Decision, step: DecisionStep) -> DecisionStep:
    step.recorded_by = _user(by)
    step.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            step.save()
    except IntegrityError as exc:  # the same step recorded at the same moment by someone else
        raise ValidationError(
            _("“%(step)s” is already recorded.") % {"step": step.get_step_display()}
        ) from exc
    audit_record(
        actor=by,
        action=f"step:{step.step}",
        obj=step,
        place_path=decision.place.path,
        changes={k: [None, v] for k, v in snapshot(step, STEP_FIELDS).items()},
    )
    return step


def _check_order(decision: Decision, step: str, last: DecisionStep | None) -> None:
    """Refuse a step out of order, naming the step that must come first."""
    if step not in STEP_ORDER:
        raise ValidationError({"step": _("Unknown step.")})
    if decision.outcome == Outcome.REJECTED:
        raise ValidationError(
            _(
                "The shareholders' meeting rejected this proposal: nothing more can be recorded on it. Make a new proposal."
            )
        )
    if decision.outcome == Outcome.COMPLETED:
        raise ValidationError(_("All six steps are recorded: this decision is complete."))
    expected = decision.next_step
    if step == expected:
        return
    if last is not None and STEP_ORDER.index(step) <= STEP_ORDER.index(last.step):
        raise ValidationError({"step": _("“%(step)s” is already recorded.") % {"step": Step(step).label}})
    raise ValidationError({"step": _("First complete: %(step)s") % {"step": Step(expected).label}})


def _check_votes(data: dict[str, Any], step: str, errors: dict[str, list[str]]) -> bool | None:
    """Attendance and votes; for the shareholders' step, whether the proposal passed."""
    present, entitled = data.get("present"), data.get("entitled")
    if (present is None) != (entitled is None):
        errors.setdefault("present", []).append(
            _("Enter both how many were present and how many were entitled.")
        )
    elif present is not None and present > entitled:
        errors.setdefault("present", []).append(_("More were present than were entitled to attend."))
    votes = [data.get(name) for name in VOTES]
    if step != Step.SHAREHOLDERS_DECISION:
        if any(v is not None for v in votes):
            errors.setdefault("votes_for", []).append(
                _("Votes are recorded for the shareholders' meeting only.")
            )
        return None
    if present is None:
        errors.setdefault("present", []).append(
            _("Enter how many were present and how many were entitled to attend.")
        )
    if any(v is None for v in votes):
        errors.setdefault("votes_for", []).append(_("Enter the votes for, against and abstaining."))
    if errors:
        return None
    if entitled == 0:
        errors.setdefault("entitled", []).append(_("Enter how many were entitled to attend."))
        return None
    if not quorum_met(present, entitled):
        needed = -(-entitled * 2 // 3)
        errors.setdefault("present", []).append(
            _(
                "At least two thirds of those entitled must be present for the shareholders' meeting to decide: "
                "%(present)d of %(entitled)d were present, %(needed)d are needed."
            )
            % {"present": present, "entitled": entitled, "needed": needed}
        )
        return None
    if sum(votes) > present:
        errors.setdefault("votes_for", []).append(
            _("%(votes)d votes were cast but only %(present)d were present.")
            % {"votes": sum(votes), "present": present}
        )
        return None
    return majority_for(votes[0], present)


@transaction.atomic
def decision_record_step(
    *,
    by: Any,
    decision: Decision,
    step: str,
    held_on: datetime.date,
    present: int | None = None,
    entitled: int | None = None,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    note: str = "",
    documents: Iterable[UploadedFile] = (),
) -> DecisionStep:
    """Record the next step of a decision. A step out of order is refused with the step that must come
    first; a shareholders' meeting without quorum is refused; a vote without a majority is recorded and
    closes the decision as rejected."""
    authorise(by, decision.place)
    # Lock the decision: two clerks recording at once must not both take the same step.
    decision = Decision.objects.select_for_update().select_related("place").get(pk=decision.pk)
    last = decision.steps.filter(step=decision.stage).first()
    _check_order(decision, step, last)
    data = {"present": present, "entitled": entitled, "votes_for": votes_for}
    data.update(votes_against=votes_against, votes_abstain=votes_abstain)
    errors: dict[str, list[str]] = {}
    _check_day(held_on, errors)
    if held_on is not None and last is not None and held_on < last.held_on:
        errors.setdefault("held_on", []).append(
            _("“%(previous)s” was on %(date)s: this step cannot be dated earlier.")
            % {"previous": last.get_step_display(), "date": last.held_on.isoformat()}
        )
    passed = _check_votes(data, step, errors)
    if errors:
        raise ValidationError(errors)

    def work() -> DecisionStep:
        record = _save_step(
            by,
            decision,
            DecisionStep(decision=decision, step=step, held_on=held_on, passed=passed, note=note, **data),
        )
        decision.stage = step
        if passed is False:
            decision.outcome = Outcome.REJECTED
        elif step == STEP_ORDER[-1]:
            decision.outcome = Outcome.COMPLETED
        decision.save(update_fields=["stage", "outcome"])
        return record

    return _with_documents(work, documents, by)


@transaction.atomic
def step_document_add(*, by: Any, step: DecisionStep, file: UploadedFile) -> StepDocument:
    """Add a document (minutes, sign-in sheet, notice photo) to a recorded step."""
    authorise(by, step.decision.place)
    _with_documents(lambda: step, [file], by)
    return step.documents.order_by("-id").first()

"""Writes on the catalogue of demand categories and their questions. Each is authorised, validated,
atomic and audited.

The catalogue is subdistrict-wide configuration (DOMAIN: the party-building office "configures frameworks
and catalogues"): writing needs the `manage` action, and the audit rows hang off the root path "/".

A category is never deleted, only put out of use (`active`): demands, roll-ups and Open311 clients refer to
it. Its code is fixed once created, because it is the Open311 `service_code` and the key of `by_category`
in the statistics API. A change of time limit applies to demands submitted afterwards; the deadlines of
those already in are kept (they were computed, and promised, when each came in).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff, snapshot
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere
from gongzhi.demands.models import AttributeType, Category, CategoryAttribute

PLACE_PATH = "/"
CATEGORY_FIELDS = [
    "code",
    "name",
    "description",
    "group",
    "keywords",
    "urgency",
    "limit_days",
    "active",
    "order",
]
QUESTION_FIELDS = ["code", "datatype", "required", "description", "datatype_description", "order", "values"]
LIST_TYPES = (AttributeType.SINGLE, AttributeType.MULTI)
# A resolution limit beyond three months of working days is a typing error, not a policy.
LIMIT_DAYS = range(1, 61)
# Choice keys are what Open311 clients send and what demands keep: short codes, compared exactly.
CHOICE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_CHOICES = 50


def _authorise(user: Any) -> None:
    if user is None:  # system work: demo data, management commands
        return
    if not can_anywhere(user, Action.MANAGE):
        raise PermissionDenied


def limit_message() -> str:
    return _("The time limit is %(low)d to %(high)d working days.") % {
        "low": LIMIT_DAYS.start,
        "high": LIMIT_DAYS.stop - 1,
    }


def _check_limit(limit_days: Any) -> None:
    if limit_days not in LIMIT_DAYS:
        raise ValidationError({"limit_days": limit_message()})


def _save_new(obj: Any, field: str, message: str) -> None:
    """Save a new row; the same code added at the same moment by someone else becomes `message`."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError({field: message}) from exc


@transaction.atomic
def category_create(*, by: Any, **values: Any) -> Category:
    """Add a category to the catalogue; residents can report under it at once (when active)."""
    _authorise(by)
    category = Category(**{k: v for k, v in values.items() if k in CATEGORY_FIELDS})
    category.code = (category.code or "").strip().lower()
    category.name = (category.name or "").strip()
    _check_limit(category.limit_days)
    if Category.objects.filter(code=category.code).exists():
        raise ValidationError({"code": _("A category with this code exists already.")})
    category.full_clean()
    _save_new(category, "code", _("A category with this code exists already."))
    audit_record(
        actor=by,
        action="create",
        obj=category,
        place_path=PLACE_PATH,
        changes=diff({}, snapshot(category, CATEGORY_FIELDS)),
    )
    return category


@transaction.atomic
def category_update(*, by: Any, category: Category, **values: Any) -> Category:
    """Change a category's name, grouping, urgency, time limit, order or whether it is in use."""
    _authorise(by)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if "code" in values and values["code"] != category.code:
        raise ValidationError(
            {"code": _("The code of a category cannot change: Open311 clients and reports use it.")}
        )
    before = snapshot(category, CATEGORY_FIELDS)
    for name, value in values.items():
        if name in CATEGORY_FIELDS and name != "code":
            setattr(category, name, value.strip() if isinstance(value, str) else value)
    _check_limit(category.limit_days)
    category.full_clean()
    changes = diff(before, snapshot(category, CATEGORY_FIELDS))
    if changes:
        category.save()
        audit_record(actor=by, action="update", obj=category, place_path=PLACE_PATH, changes=changes)
    return category


def parse_choices(text: str) -> list[dict[str, str]]:
    """The choices of a list question, one per line as `key=name` (`night=夜间`), into the stored form
    [{"key": "night", "name": "夜间"}]. Keys are what clients send and what demands keep; names are shown."""
    choices: list[dict[str, str]] = []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, name = (part.strip() for part in line.replace("＝", "=").partition("="))
        if not sep or not key or not name:
            problems.append(_("Line %(n)d: write the choice as key=name, e.g. night=夜间.") % {"n": number})
        elif not CHOICE_KEY.match(key):
            problems.append(
                _(
                    "Line %(n)d: a key is up to 40 lower-case letters, digits, hyphens or underscores, "
                    "e.g. night."
                )
                % {"n": number}
            )
        elif len(name) > 100:
            problems.append(_("Line %(n)d: a name is at most 100 characters.") % {"n": number})
        elif any(c["key"] == key for c in choices):
            problems.append(_("Line %(n)d: the key “%(key)s” is used twice.") % {"n": number, "key": key})
        else:
            choices.append({"key": key, "name": name})
    if len(choices) > MAX_CHOICES:
        problems.append(_("At most %(n)d choices.") % {"n": MAX_CHOICES})
    if problems:
        raise ValidationError({"values": problems})
    return choices


def choices_text(values: list[dict[str, Any]]) -> str:
    """The stored choices back as the `key=name` lines the form edits."""
    return "\n".join(f"{c['key']}={c['name']}" for c in values or [])


def _question_snapshot(question: CategoryAttribute) -> dict[str, Any]:
    """The question for the audit log, its choices as the `key=name` lines an administrator edits."""
    fields = [name for name in QUESTION_FIELDS if name != "values"]
    return {**snapshot(question, fields), "values": choices_text(question.values)}


def _clean_question(question: CategoryAttribute) -> None:
    question.code = (question.code or "").strip().lower()
    question.description = (question.description or "").strip()
    if question.datatype in LIST_TYPES and not question.values:
        raise ValidationError({"values": _("A question with choices needs at least one choice.")})
    if question.datatype not in LIST_TYPES:
        question.values = []
    # The one constraint, a code used once per category, is checked by the callers with its own message.
    question.full_clean(validate_constraints=False)


@transaction.atomic
def question_add(*, by: Any, category: Category, **values: Any) -> CategoryAttribute:
    """Ask one more question of the residents who report under `category` (an Open311 attribute)."""
    _authorise(by)
    question = CategoryAttribute(
        category=category, **{k: v for k, v in values.items() if k in QUESTION_FIELDS}
    )
    _clean_question(question)
    message = _("This category already has a question with this code.")
    if category.attributes.filter(code=question.code).exists():
        raise ValidationError({"code": message})
    _save_new(question, "code", message)
    audit_record(
        actor=by,
        action="create",
        obj=question,
        place_path=PLACE_PATH,
        changes=diff({}, _question_snapshot(question)),
    )
    return question


@transaction.atomic
def question_update(*, by: Any, question: CategoryAttribute, **values: Any) -> CategoryAttribute:
    """Change a question. Its code is fixed (answers already given are kept under it)."""
    _authorise(by)
    question = CategoryAttribute.objects.select_for_update().get(pk=question.pk)
    if "code" in values and values["code"] != question.code:
        raise ValidationError({"code": _("The code of a question cannot change: answers are kept under it.")})
    before = _question_snapshot(question)
    for name, value in values.items():
        if name in QUESTION_FIELDS and name != "code":
            setattr(question, name, value)
    _clean_question(question)
    changes = diff(before, _question_snapshot(question))
    if changes:
        question.save()
        audit_record(actor=by, action="update", obj=question, place_path=PLACE_PATH, changes=changes)
    return question


@transaction.atomic
def question_remove(*, by: Any, question: CategoryAttribute) -> None:
    """Stop asking a question. The answers demands already hold stay on them. Removing it twice (a
    double click) removes and logs it once."""
    _authorise(by)
    question = CategoryAttribute.objects.select_for_update().filter(pk=question.pk).first()
    if question is None:
        return
    audit_record(
        actor=by,
        action="delete",
        obj=question,
        place_path=PLACE_PATH,
        changes=diff(_question_snapshot(question), {}),
    )
    question.delete()

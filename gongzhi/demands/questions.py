"""A category's own questions (Open311 "attributes") on the intake forms: fields named like Open311's,
`attribute[CODE]` and `attribute[CODE][]`, so every channel reads answers the same way."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gongzhi.demands.models import AttributeType, Category, CategoryAttribute


def answers_from(data: QueryDict, category: Category | None) -> dict[str, Any]:
    """The answers posted for the category's questions (unknown fields are ignored)."""
    if category is None:
        return {}
    answers: dict[str, Any] = {}
    for attribute in category.attributes.all():
        if attribute.datatype == AttributeType.MULTI:
            values = data.getlist(f"attribute[{attribute.code}][]")
            if values:
                answers[attribute.code] = values
        else:
            value = data.get(f"attribute[{attribute.code}]", "").strip()
            if value:
                answers[attribute.code] = value
    return answers


def category_from(value: str) -> Category | None:
    """A category by primary key (the forms' choice value) or by code."""
    value = (value or "").strip()
    if not value:
        return None
    lookup = {"pk": int(value)} if value.isdigit() else {"code": value}
    return Category.objects.filter(active=True, **lookup).prefetch_related("attributes").first()


def answer_errors(exc: ValidationError | None) -> dict[str, list[str]]:
    """The service's refusals of answers, by question code (services._answer_error names the question)."""
    by_question: dict[str, list[str]] = {}
    for error in getattr(exc, "error_dict", {}).get("attributes", []):
        code = (error.params or {}).get("attribute")
        if code:
            by_question.setdefault(code, []).extend(error.messages)
    return by_question


def questions_context(
    category: Category | None, data: QueryDict | None = None, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """What demands/partials/questions.html needs: each question with the answer given so far, and what the
    service said of that answer when it refused it (`answer_errors`)."""
    attributes: list[CategoryAttribute] = list(category.attributes.all()) if category else []
    answers = answers_from(data, category) if data is not None else {}
    errors = errors or {}
    rows = []
    for attribute in attributes:
        given = answers.get(attribute.code, [] if attribute.datatype == AttributeType.MULTI else "")
        rows.append(
            {
                "attribute": attribute,
                "value": given,
                "name": f"attribute[{attribute.code}]",
                "errors": errors.get(attribute.code, []),
            }
        )
    return {"questions": rows}


@login_required
@require_GET
def questions_partial(request: HttpRequest) -> HttpResponse:
    """The questions of the chosen category, swapped into the intake forms when the category changes."""
    category = category_from(request.GET.get("category", ""))
    return render(request, "demands/partials/questions.html", questions_context(category, request.GET))

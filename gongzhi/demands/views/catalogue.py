"""Pages of the demand catalogue: the categories residents report under, their time limits and urgency,
and the questions each one asks (Open311 attributes). Subdistrict-wide configuration: only users with the
`manage` action (and superusers) see these pages; the writes go through `demands.catalogue`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import require_anywhere
from gongzhi.demands import catalogue
from gongzhi.demands.catalogue_forms import TYPE_LABELS, CategoryForm, QuestionForm
from gongzhi.demands.models import OPEN_STATES, Category, CategoryAttribute, Demand
from gongzhi.territory.forms import bootstrapify


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    """Every category, in use or not, with its questions and how many demands are open under it."""
    require_anywhere(request.user, Action.MANAGE)
    query = request.GET.get("q", "").strip()[:50]
    open_demands = (
        Demand.objects.filter(category=OuterRef("pk"), status__in=OPEN_STATES)
        .order_by()
        .values("category")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = Category.objects.annotate(
        questions=Count("attributes"), open_demands=Coalesce(Subquery(open_demands), 0)
    ).order_by("-active", "order", "code")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(keywords__icontains=query))
    context = {"page_obj": paginate(request, rows), "query": query}
    return render(request, "demands/category_list.html", context)


def _category_page(
    request: HttpRequest, form: CategoryForm, category: Category | None, question_form=None, status: int = 200
) -> HttpResponse:
    context = {
        "form": bootstrapify(form),
        "category": category,
        "questions": list(category.attributes.order_by("order", "code")) if category else [],
        "question_form": bootstrapify(question_form or QuestionForm(auto_id="id_q_%s")),
        "type_labels": TYPE_LABELS,
        "remove_confirm": _("Stop asking this question? The answers demands already hold are kept."),
    }
    return render(request, "demands/category_form.html", context, status=status)


@login_required
def category_create(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = catalogue.category_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Category “%(name)s” was added.") % {"name": category.name})
            return redirect("demands:category_edit", category.pk)
    return _category_page(request, form, None, status=400 if request.method == "POST" else 200)


@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.category_update(by=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Category “%(name)s” was saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("demands:category_edit", category.pk)
    # A refused form shows the category as it is in the database beside the form as it was sent.
    category.refresh_from_db()
    return _category_page(request, form, category, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    category = get_object_or_404(Category, pk=pk)
    form = QuestionForm(request.POST, auto_id="id_q_%s")
    if form.is_valid():
        try:
            question = catalogue.question_add(by=request.user, category=category, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Question “%(q)s” was added.") % {"q": question.description})
            return redirect("demands:category_edit", category.pk)
    return _category_page(request, CategoryForm(instance=category), category, question_form=form, status=400)


@login_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    question = get_object_or_404(CategoryAttribute.objects.select_related("category"), pk=pk)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.question_update(by=request.user, question=question, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Question “%(q)s” was saved.") % {"q": form.cleaned_data["description"]}
            )
            return redirect("demands:category_edit", question.category_id)
    question.refresh_from_db()  # the title shows the question as saved, the form as it was sent
    context = {"form": bootstrapify(form), "question": question, "category": question.category}
    return render(
        request, "demands/question_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.MANAGE)
    question = get_object_or_404(CategoryAttribute.objects.select_related("category"), pk=pk)
    catalogue.question_remove(by=request.user, question=question)
    messages.success(request, _("Question “%(q)s” was removed.") % {"q": question.description})
    return redirect("demands:category_edit", question.category_id)

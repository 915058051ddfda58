"""Pages for "四议两公开" decisions: the list, proposing, the chain with its next step, a printable chain."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.collective import services
from gongzhi.collective.forms import DecisionProposeForm, DecisionStepForm, DocumentForm
from gongzhi.collective.models import COMPANY_PLACE_KINDS, Outcome, Step
from gongzhi.collective.selectors import (
    companies_visible_to,
    decision_chain,
    decisions_at_or_below,
    decisions_visible_to,
    get_company_for_user,
    get_decision_for_user,
    get_document_for_user,
    get_step_for_user,
)
from gongzhi.collective.views.companies import staff_only
from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere
from gongzhi.territory.forms import bootstrapify
from gongzhi.territory.selectors import get_place_for_user, places_visible_to


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    decisions = decisions_visible_to(request.user)
    place = None
    code = request.GET.get("place", "").strip()
    if code:
        place = get_place_for_user(request.user, code)
        decisions = decisions & decisions_at_or_below(place)
    outcome = request.GET.get("outcome", "")
    if outcome in Outcome.values:
        decisions = decisions.filter(outcome=outcome)
    context = {
        "page_obj": paginate(request, decisions.order_by("-proposed_on", "-id")),
        "place": place,
        "outcome": outcome,
        "outcomes": Outcome.choices,
        "can_propose": can_anywhere(request.user, Action.CHANGE),
    }
    return render(request, "collective/decision_list.html", context)


@login_required
def decision_propose(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    companies = companies_visible_to(request.user, Action.CHANGE).order_by("resident_group__path", "code")
    places = places_visible_to(request.user, Action.CHANGE).filter(kind__in=COMPANY_PLACE_KINDS)
    initial = {}
    if request.GET.get("company"):
        initial["company"] = get_company_for_user(request.user, request.GET["company"], Action.CHANGE).pk
    form = DecisionProposeForm(
        request.POST or None,
        request.FILES or None,
        companies=companies,
        places=places.order_by("path"),
        initial=initial,
    )
    bootstrapify(form)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        document = data.pop("document")
        place = data.pop("resident_group")
        try:
            decision = services.decision_propose(
                by=request.user, place=place, documents=[document] if document else [], **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The proposal was recorded: next, the two committees discuss it."))
            return redirect("collective:decision_detail", decision.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("Propose a decision (四议两公开)"), "multipart": True}
    return render(request, "collective/form.html", context, status=status)


def _step_form(decision, data=None, files=None) -> DecisionStepForm:
    form = DecisionStepForm(data, files, initial={"step": decision.next_step})
    return bootstrapify(form)


def _detail(request: HttpRequest, decision, form=None, status: int = 200) -> HttpResponse:
    can_change = can(request.user, Action.CHANGE, decision.place.path)
    if form is None and can_change and decision.next_step:
        form = _step_form(decision)
    context = {
        "decision": decision,
        "crumbs": [*decision.place.ancestors(), decision.place],
        "chain": decision_chain(decision),
        "form": form if decision.next_step else None,
        "document_form": bootstrapify(DocumentForm()) if can_change else None,
        "can_change": can_change,
        "shareholders_step": Step.SHAREHOLDERS_DECISION,
    }
    return render(request, "collective/decision_detail.html", context, status=status)


@login_required
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request)
    return _detail(request, get_decision_for_user(request.user, pk))


@login_required
@require_POST
def step_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next step; a refused step shows the chain again with the reason (400), nothing saved."""
    decision = get_decision_for_user(request.user, pk, Action.CHANGE)
    form = _step_form(decision, request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        document = data.pop("document")
        try:
            step = services.decision_record_step(
                by=request.user, decision=decision, documents=[document] if document else [], **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if step.passed is False:
                messages.warning(
                    request,
                    _("The shareholders' meeting rejected the proposal. Only a new proposal may follow."),
                )
            else:
                messages.success(request, _("“%(step)s” was recorded.") % {"step": step.get_step_display()})
            return redirect("collective:decision_detail", decision.pk)
    return _detail(request, decision, form=form, status=400)


@login_required
def decision_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole chain on one page, for the notice board and the files: prints without the site's chrome."""
    staff_only(request)
    decision = get_decision_for_user(request.user, pk)
    context = {"decision": decision, "chain": decision_chain(decision)}
    return render(request, "collective/decision_print.html", context)


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_step_for_user(request.user, pk, Action.CHANGE)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("collective:decision_detail", step.decision_id)
    try:
        services.step_document_add(by=request.user, step=step, file=form.cleaned_data["document"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The document was added."))
    return redirect("collective:decision_detail", step.decision_id)


@login_required
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    """Documents may show people and signatures: served only to users who may read the decision."""
    document = get_document_for_user(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        content_type=document.content_type,
        as_attachment=not document.is_image,
        filename=document.original_name,
    )

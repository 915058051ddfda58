"""Pages for recruitment: a list per stage, the recruit's timeline, one POST URL per step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere
from gongzhi.members.services import BRANCH_KINDS
from gongzhi.party.selectors import orgs_visible_to
from gongzhi.recruitment import forms as step_forms
from gongzhi.recruitment import rules, services
from gongzhi.recruitment.models import Recruit, Stage
from gongzhi.recruitment.selectors import (
    full_members_of,
    get_recruit_for_user,
    recruit_timeline,
    recruits_visible_to,
    stage_counts,
)
from gongzhi.territory.forms import bootstrapify


@dataclass(frozen=True)
class Step:
    form: type[forms.Form]
    service: Callable
    title: Promise
    done: Promise


STEPS: dict[str, Step] = {
    "talk": Step(
        step_forms.TalkForm,
        services.recruit_record_talk,
        gettext_lazy("Record the talk"),
        gettext_lazy("The talk was recorded."),
    ),
    "activist": Step(
        step_forms.ActivistForm,
        services.recruit_make_activist,
        gettext_lazy("Make an activist"),
        gettext_lazy("The applicant is now an activist."),
    ),
    "review": Step(
        step_forms.ReviewForm,
        services.recruit_review,
        gettext_lazy("Record a review"),
        gettext_lazy("The review was recorded."),
    ),
    "candidate": Step(
        step_forms.CandidateForm,
        services.recruit_make_candidate,
        gettext_lazy("Make a development candidate"),
        gettext_lazy("The activist is now a development candidate."),
    ),
    "vetting": Step(
        step_forms.VettingForm,
        services.recruit_record_vetting,
        gettext_lazy("Record the vetting"),
        gettext_lazy("The vetting was recorded."),
    ),
    "training": Step(
        step_forms.TrainingForm,
        services.recruit_record_training,
        gettext_lazy("Record the training"),
        gettext_lazy("The training was recorded."),
    ),
    "vote": Step(
        step_forms.VoteForm,
        services.recruit_record_vote,
        gettext_lazy("Record the branch vote"),
        gettext_lazy("The branch vote was recorded."),
    ),
    "probationary": Step(
        step_forms.ApprovalForm,
        services.recruit_make_probationary,
        gettext_lazy("Record the approval: probationary member"),
        gettext_lazy("Approved: the recruit is now a probationary member in the register."),
    ),
    "extend": Step(
        step_forms.ExtendForm,
        services.recruit_extend_probation,
        gettext_lazy("Extend the probation"),
        gettext_lazy("The probation was extended."),
    ),
    "full": Step(
        step_forms.FullForm,
        services.recruit_make_full,
        gettext_lazy("Make a full member"),
        gettext_lazy("The probationary member is now a full member."),
    ),
}


def _open_steps(recruit: Recruit, today) -> list[str]:
    """The steps that make sense now, in the order they are usually taken."""
    if recruit.stage == Stage.APPLICANT:
        return ["activist"] if recruit.talked_on else ["talk"]
    if recruit.stage == Stage.ACTIVIST:
        return ["review", "candidate"]
    if recruit.stage == Stage.CANDIDATE:
        steps = [
            s for s, done in (("vetting", recruit.vetted_on), ("training", recruit.training_end)) if not done
        ]
        if not steps and (recruit.vote_on is None or today > rules.approval_due(recruit.vote_on)):
            steps.append("vote")
        if recruit.vote_on is not None:
            steps.append("probationary")
        return steps
    if recruit.stage == Stage.PROBATIONARY:
        return ["full"] if recruit.extended_months else ["extend", "full"]
    return []


def _make_form(key: str, recruit: Recruit, data=None) -> forms.Form:
    form_class = STEPS[key].form
    kwargs = {}
    if issubclass(form_class, step_forms.MemberChoiceForm):
        kwargs["members"] = full_members_of(recruit.branch).exclude(id_index=recruit.id_index)
    return bootstrapify(form_class(data, **kwargs))


def _render_detail(request: HttpRequest, recruit: Recruit, *, bound=None, revealed=None, status=200):
    today = timezone.localdate()
    step_cards = []
    if can(request.user, Action.CHANGE, recruit.branch.place.path):
        for key in _open_steps(recruit, today):
            form = bound[1] if bound and bound[0] == key else _make_form(key, recruit)
            url = reverse(f"recruitment:recruit_{key}", args=[recruit.pk])
            step_cards.append({"key": key, "title": STEPS[key].title, "form": form, "url": url})
    context = {
        "recruit": recruit,
        "timeline": recruit_timeline(recruit),
        "today": today,
        "next_stage_from": rules.next_stage_from(recruit),
        "overdue": recruit.next_due is not None and recruit.next_due < today,
        "steps": step_cards,
        "can_reveal": can(request.user, Action.REVEAL, recruit.branch.place.path),
        "revealed": revealed or {},
    }
    return render(request, "recruitment/recruit_detail.html", context, status=status)


@login_required
def recruit_list(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    today = timezone.localdate()
    stage = request.GET.get("stage", Stage.APPLICANT)
    if stage not in Stage.values:
        stage = Stage.APPLICANT
    q = request.GET.get("q", "").strip()
    visible = recruits_visible_to(request.user).search(q)
    recruits = visible.filter(stage=stage)
    if request.GET.get("overdue") == "1":
        recruits = recruits.overdue(today)
    context = {
        "page_obj": paginate(request, recruits),
        "stage": stage,
        "stages": Stage.choices,
        "counts": stage_counts(visible, today),
        "q": q,
        "today": today,
        "can_apply": can_anywhere(request.user, Action.CHANGE),
    }
    return render(request, "recruitment/recruit_list.html", context)


@login_required
def recruit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_recruit_for_user(request.user, pk))


@login_required
def recruit_apply(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    branches = orgs_visible_to(request.user, Action.CHANGE).filter(
        kind__in=BRANCH_KINDS, dissolved_on__isnull=True
    )
    form = bootstrapify(step_forms.ApplyForm(request.POST or None, branches=branches))
    if request.method == "POST" and form.is_valid():
        try:
            recruit = services.recruit_apply(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The application of %(name)s was recorded.") % {"name": recruit.name})
            return redirect("recruitment:recruit_detail", recruit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "recruitment/recruit_apply.html", {"form": form}, status=status)


def _step(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Parse the step's form, authorise, call its service; on refusal show the detail with the errors."""
    recruit = get_recruit_for_user(request.user, pk, Action.CHANGE)
    form = _make_form(key, recruit, request.POST)
    if form.is_valid():
        try:
            STEPS[key].service(by=request.user, recruit=recruit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, STEPS[key].done)
            return redirect("recruitment:recruit_detail", recruit.pk)
    recruit.refresh_from_db()
    return _render_detail(request, recruit, bound=(key, form), status=400)


def _step_view(key: str) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _step(request, pk, key)

    view.__name__ = view.__qualname__ = f"recruit_{key}"
    return view


recruit_talk = _step_view("talk")
recruit_activist = _step_view("activist")
recruit_review = _step_view("review")
recruit_candidate = _step_view("candidate")
recruit_vetting = _step_view("vetting")
recruit_training = _step_view("training")
recruit_vote = _step_view("vote")
recruit_probationary = _step_view("probationary")
recruit_extend = _step_view("extend")
recruit_full = _step_view("full")


@login_required
@require_POST
def recruit_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one personal value in clear to a role that needs it; the reveal is audited.

    With htmx only the value comes back (as on the member page); without, the whole page with it shown.
    """
    recruit = get_recruit_for_user(request.user, pk, Action.REVEAL)
    if field not in services.PERSONAL_FIELDS:
        raise PermissionDenied
    value = services.recruit_reveal(by=request.user, recruit=recruit, field=field)
    if request.htmx:
        return render(request, "recruitment/recruit_detail.html#revealed", {"value": value})
    return _render_detail(request, recruit, revealed={field: value})

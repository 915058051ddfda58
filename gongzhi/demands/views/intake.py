"""Taking demands in: staff enter a walk-in or a phone call, grid workers send a quick report.

The place is chosen with a search box (code, name or pinyin initials); htmx lists the matching places the
user may use, and the similar open demands once category, place and description are filled in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.forms import add_service_errors
from gongzhi.core.roles import Action, Role
from gongzhi.core.scoping import can, can_anywhere, roles_of
from gongzhi.demands import selectors, services
from gongzhi.demands.forms import GridReportForm, IntakeForm
from gongzhi.demands.models import Category, Channel
from gongzhi.demands.questions import answer_errors, answers_from, category_from, questions_context
from gongzhi.territory.forms import bootstrapify
from gongzhi.territory.models import Place
from gongzhi.territory.selectors import places_visible_to

LOOKUP_LIMIT = 15
MODES = ("staff", "grid")


def may_report(user: Any) -> bool:
    """Grid reports come from grid workers, and from staff who may change anything anyway."""
    return user.is_superuser or Role.GRID_WORKER in roles_of(user) or can_anywhere(user, Action.CHANGE)


def _places(user: Any, mode: str) -> QuerySet[Place]:
    """Walk-ins and calls are entered where the user may change; a grid worker reports where they see."""
    if mode == "grid":
        places = places_visible_to(user, Action.VIEW)
        if not (user.is_superuser or Role.GRID_WORKER in roles_of(user)):
            places = places_visible_to(user, Action.CHANGE)
        return places.open()
    return places_visible_to(user, Action.CHANGE).open()


def _place_rows(user: Any, mode: str, query: str) -> list[tuple[Place, Place | None]]:
    """The places matching `query` that the user may use, each with its parent (the list's second line)."""
    found = list(_places(user, mode).search(query).order_by("depth", "name")[:LOOKUP_LIMIT]) if query else []
    parents = Place.objects.in_bulk({p.parent_id for p in found if p.parent_id})
    return [(p, parents.get(p.parent_id)) for p in found]


def _form_context(
    request: HttpRequest, form: Any, mode: str, refused: ValidationError | None = None
) -> dict[str, Any]:
    place = form.cleaned_data.get("place") if form.is_bound and hasattr(form, "cleaned_data") else None
    # No place chosen from a search that found several: the page comes back with the list to choose from
    # (the same as the search box shows), also for a browser without JavaScript.
    query = request.POST.get("place_q", "").strip() if request.method == "POST" and place is None else ""
    # The chosen category's own questions, with what was typed, kept when the form comes back with errors.
    category = category_from(request.POST.get("category", "")) if request.method == "POST" else None
    questions = questions_context(
        category, request.POST if request.method == "POST" else None, answer_errors(refused)
    )
    return {
        "form": bootstrapify(form),
        "mode": mode,
        "selected_place": place,
        "rows": _place_rows(request.user, mode, query),
        "query": query,
        **questions,
    }


def _submit(request: HttpRequest, form: Any, channel: str) -> Any:
    data = form.cleaned_data
    return services.demand_submit(
        by=request.user,
        channel=channel,
        category=data["category"],
        place=data["place"],
        description=data["description"],
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""),
        attributes=answers_from(request.POST, data["category"]),
        photos=data["photos"],
    )


def _intake(request: HttpRequest, mode: str, form_class: type) -> HttpResponse:
    places = _places(request.user, mode)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = form_class(*data, places=places)
    refused = None
    if request.method == "POST" and form.is_valid():
        channel = form.cleaned_data.get("channel") or Channel.GRID
        try:
            demand = _submit(request, form, channel)
        except ValidationError as exc:
            add_service_errors(form, exc)
            refused = exc
        else:
            messages.success(request, _("Demand %(number)s was registered.") % {"number": demand.number})
            return redirect("demands:detail", demand.pk)
    status = 400 if request.method == "POST" else 200
    context = _form_context(request, form, mode, refused)
    # A browser cannot be handed files back: say so when the form returns without the photos it sent.
    context["photos_dropped"] = status == 400 and bool(request.FILES.getlist("photos"))
    return render(request, "demands/demand_form.html", context, status=status)


@login_required
def demand_create(request: HttpRequest) -> HttpResponse:
    """A walk-in visit or a phone call, entered by staff at a place where they may change."""
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    return _intake(request, "staff", IntakeForm)


@login_required
def grid_report(request: HttpRequest) -> HttpResponse:
    """A grid worker's quick report (channel "grid") at a place in their grid, with fewer fields.

    services.demand_submit checks nothing for this channel, so the page does: the place must be one the
    grid worker can view (staff: one they can change)."""
    if not may_report(request.user):
        raise PermissionDenied
    return _intake(request, "grid", GridReportForm)


@login_required
def place_lookup(request: HttpRequest) -> HttpResponse:
    """The places matching the search box, as choices for the intake forms (htmx)."""
    mode = request.GET.get("mode", "staff")
    if mode not in MODES or not may_report(request.user):
        raise PermissionDenied
    query = request.GET.get("place_q", "").strip()
    context = {"rows": _place_rows(request.user, mode, query), "query": query}
    return render(request, "demands/demand_form.html#place_choices", context)


@login_required
def similar_lookup(request: HttpRequest) -> HttpResponse:
    """Open demands like the one being entered (same area and category, similar words), to avoid duplicates."""
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    category_id = request.GET.get("category", "")
    code = request.GET.get("place", "").strip()
    text = request.GET.get("description", "").strip()
    similar: list = []
    if category_id.isdigit() and code and text:
        place = places_visible_to(request.user).filter(code=code).first()
        if place is not None and Category.objects.filter(pk=category_id).exists():
            found = selectors.similar_open_demands(place, int(category_id), text)
            similar = [d for d in found if can(request.user, Action.VIEW, d.place_path)]
    return render(request, "demands/demand_form.html#similar", {"similar": similar})

"""Pages for places, the service network and coverage. Short views: parse → authorise → service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, require_anywhere
from gongzhi.party.coverage import coverage_report
from gongzhi.party.selectors import orgs_covering
from gongzhi.territory import services
from gongzhi.territory.exports import coverage_workbook
from gongzhi.territory.forms import (
    CloseForm,
    PlaceCreateForm,
    PlaceEditForm,
    PlaceMoveForm,
    ServicePointAreasForm,
    ServicePointForm,
    bootstrapify,
)
from gongzhi.territory.models import ALLOWED_PARENTS, PlaceKind
from gongzhi.territory.selectors import (
    get_place_for_user,
    get_point_for_user,
    home_places,
    place_children,
    places_visible_to,
    points_visible_to,
)
from gongzhi.territory.services import community_prefix


@login_required
def place_list(request: HttpRequest) -> HttpResponse:
    """Search places by name, code or pinyin initials; without a query, the user's top places."""
    require_anywhere(request.user, Action.VIEW)
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q or kind:
        places = places_visible_to(request.user).search(q).select_related("parent")
        if kind in PlaceKind.values:
            places = places.filter(kind=kind)
        page = paginate(request, places.order_by("path"))
        context = {"page_obj": page, "q": q, "kind": kind, "kinds": PlaceKind.choices, "searching": True}
    else:
        context = {"roots": home_places(request.user), "q": q, "kind": kind, "kinds": PlaceKind.choices}
    template = "territory/place_list.html#results" if request.htmx else "territory/place_list.html"
    return render(request, template, context)


@login_required
def place_detail(request: HttpRequest, code: str) -> HttpResponse:
    place = get_place_for_user(request.user, code)
    children = paginate(request, place_children(place))
    context = {
        "place": place,
        "crumbs": place.ancestors(),
        "page_obj": children,
        "points": place.service_points.filter(closed_on__isnull=True),
        "served_by": getattr(place, "served_by", None) if place.is_residential else None,
        "orgs": orgs_covering(place) if place.is_residential else [],
        "anchored_orgs": place.party_orgs.filter(dissolved_on__isnull=True),
        "can_change": can(request.user, Action.CHANGE, place.path),
        "child_kinds": [k for k, parents in ALLOWED_PARENTS.items() if place.kind in parents],
    }
    return render(request, "territory/place_detail.html", context)


@login_required
def place_create(request: HttpRequest, code: str) -> HttpResponse:
    """Add a place under the place `code`."""
    parent = get_place_for_user(request.user, code, Action.CHANGE)
    allowed = [(k, PlaceKind(k).label) for k, parents in ALLOWED_PARENTS.items() if parent.kind in parents]
    form = bootstrapify(PlaceCreateForm(request.POST or None, initial={"kind": request.GET.get("kind")}))
    form.fields["kind"].choices = allowed
    if request.method == "POST" and form.is_valid():
        try:
            place = services.place_create(by=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": place.name})
            return redirect("territory:place_detail", place.code)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "parent": parent,
        "crumbs": [*parent.ancestors(), parent],
        "title": _("New place"),
    }
    return render(request, "territory/place_form.html", context, status=status)


@login_required
def place_edit(request: HttpRequest, code: str) -> HttpResponse:
    place = get_place_for_user(request.user, code, Action.CHANGE)
    initial = {"name": place.name, "address": place.address, "note": place.note}
    form = bootstrapify(PlaceEditForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            services.place_update(by=request.user, place=place, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("territory:place_detail", place.code)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "place": place,
        "crumbs": place.ancestors(),
        "title": _("Edit %(name)s") % {"name": place.name},
    }
    return render(request, "territory/place_form.html", context, status=status)


@login_required
def place_move(request: HttpRequest, code: str) -> HttpResponse:
    place = get_place_for_user(request.user, code, Action.CHANGE)
    parents = (
        places_visible_to(request.user, Action.CHANGE)
        .open()
        .filter(kind__in=ALLOWED_PARENTS[place.kind])
        .exclude(path__startswith=place.path)
        .exclude(pk=place.parent_id)
    )
    form = bootstrapify(PlaceMoveForm(request.POST or None, parents=parents))
    if request.method == "POST" and form.is_valid():
        try:
            services.place_move(by=request.user, place=place, new_parent=form.cleaned_data["new_parent"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was moved.") % {"name": place.name})
            return redirect("territory:place_detail", place.code)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "place": place,
        "crumbs": place.ancestors(),
        "title": _("Move %(name)s") % {"name": place.name},
    }
    return render(request, "territory/place_form.html", context, status=status)


@login_required
def place_close(request: HttpRequest, code: str) -> HttpResponse:
    place = get_place_for_user(request.user, code, Action.CHANGE)
    form = bootstrapify(CloseForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            services.place_close(by=request.user, place=place, on=form.cleaned_data["on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was closed.") % {"name": place.name})
            return redirect("territory:place_detail", place.code)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "place": place,
        "crumbs": place.ancestors(),
        "title": _("Close %(name)s") % {"name": place.name},
    }
    return render(request, "territory/place_form.html", context, status=status)


@login_required
def coverage(request: HttpRequest, code: str) -> HttpResponse:
    """Coverage of the residential areas below a place, with the blank spots to fix."""
    place = get_place_for_user(request.user, code)
    report = coverage_report(place)
    context = {
        "place": place,
        "crumbs": place.ancestors(),
        "report": report,
        "kind_labels": dict(PlaceKind.choices),
        "can_change": can(request.user, Action.CHANGE, place.path),
    }
    return render(request, "territory/coverage.html", context)


@login_required
def coverage_export(request: HttpRequest, code: str) -> HttpResponse:
    place = get_place_for_user(request.user, code)
    return coverage_workbook(coverage_report(place))


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    q = request.GET.get("q", "").strip()
    points = points_visible_to(request.user).search(q)
    if request.GET.get("closed") != "1":
        points = points.open()
    page = paginate(request, points)
    return render(request, "territory/point_list.html", {"page_obj": page, "q": q})


@login_required
def point_detail(request: HttpRequest, code: str) -> HttpResponse:
    point = get_point_for_user(request.user, code)
    areas = point.areas.select_related("area").order_by("area__path")
    context = {
        "point": point,
        "areas": areas,
        "crumbs": [*point.place.ancestors(), point.place],
        "can_change": can(request.user, Action.CHANGE, point.place.path),
    }
    return render(request, "territory/point_detail.html", context)


@login_required
def point_create(request: HttpRequest, code: str) -> HttpResponse:
    """Open a service point at the place `code`."""
    place = get_place_for_user(request.user, code, Action.CHANGE)
    form = bootstrapify(ServicePointForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            point = services.service_point_create(by=request.user, place=place, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was opened.") % {"name": point.name})
            return redirect("territory:point_areas", point.code)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "crumbs": [*place.ancestors(), place], "title": _("New service point")}
    return render(request, "territory/place_form.html", context, status=status)


@login_required
def point_edit(request: HttpRequest, code: str) -> HttpResponse:
    point = get_point_for_user(request.user, code, Action.CHANGE)
    initial = {f: getattr(point, f) for f in ("code", "name", "kind", "address", "opening_hours")}
    form = bootstrapify(ServicePointForm(request.POST or None, initial=initial))
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            services.service_point_update(by=request.user, point=point, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("territory:point_detail", point.code)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "crumbs": [*point.place.ancestors(), point.place],
        "title": _("Edit %(name)s") % {"name": point.name},
    }
    return render(request, "territory/place_form.html", context, status=status)


@login_required
def point_areas(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the residential areas a service point serves."""
    point = get_point_for_user(request.user, code, Action.CHANGE)
    candidates = (
        places_visible_to(request.user, Action.CHANGE)
        .open()
        .residential()
        .filter(path__startswith=community_prefix(point.place.path))
        .select_related("served_by__point")
    )
    initial = {"areas": list(point.areas.values_list("area_id", flat=True))}
    form = ServicePointAreasForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_point_set_areas(
                by=request.user, point=point, areas=list(form.cleaned_data["areas"])
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The areas served were saved."))
            return redirect("territory:point_detail", point.code)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "point": point,
        "candidates": candidates,
        "crumbs": [*point.place.ancestors(), point.place],
    }
    return render(request, "territory/point_areas.html", context, status=status)


@login_required
@require_POST
def point_close(request: HttpRequest, code: str) -> HttpResponse:
    point = get_point_for_user(request.user, code, Action.CHANGE)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the service point closed."))
        return redirect("territory:point_detail", point.code)
    try:
        services.service_point_close(by=request.user, point=point, on=form.cleaned_data["on"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s was closed; the areas it served need another service point.") % {"name": point.name},
        )
    return redirect("territory:point_detail", point.code)

"""Pages for party organisations: the register, change events and coverage of areas."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere, get_for_user
from gongzhi.party import services
from gongzhi.party.forms import CoverageAddForm, OrgDissolveForm, OrgEstablishForm, OrgRenameForm
from gongzhi.party.models import OrgCoverage, OrgKind
from gongzhi.party.selectors import get_org_for_user, org_history, orgs_visible_to
from gongzhi.territory.forms import bootstrapify
from gongzhi.territory.selectors import places_visible_to
from gongzhi.territory.services import community_prefix


@login_required
def org_list(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    orgs = orgs_visible_to(request.user).search(q)
    if kind in OrgKind.values:
        orgs = orgs.filter(kind=kind)
    if request.GET.get("dissolved") != "1":
        orgs = orgs.filter(dissolved_on__isnull=True)
    context = {
        "page_obj": paginate(request, orgs),
        "q": q,
        "kind": kind,
        "kinds": OrgKind.choices,
        "can_establish": can_anywhere(request.user, Action.CHANGE),
    }
    return render(request, "party/org_list.html", context)


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    coverage = org.coverage.select_related("area").order_by("until", "area__path")
    context = {
        "org": org,
        "crumbs": [*org.place.ancestors(), org.place],
        "coverage": coverage,
        "today": timezone.localdate(),
        "children": org.children.filter(dissolved_on__isnull=True).select_related("place"),
        "history": org_history(org),
        "can_change": can(request.user, Action.CHANGE, org.place.path),
    }
    return render(request, "party/org_detail.html", context)


def _place_in_scope(request: HttpRequest, code: str):
    return places_visible_to(request.user, Action.CHANGE).filter(code=code.strip()).first()


@login_required
def org_establish(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    parents = orgs_visible_to(request.user).filter(dissolved_on__isnull=True).exclude(kind=OrgKind.GROUP)
    form = bootstrapify(OrgEstablishForm(request.POST or None, parents=parents, initial=request.GET.dict()))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = _place_in_scope(request, data["place"])
        codes = [c for c in re.split(r"[\s,，、]+", data["areas"]) if c]
        areas = list(places_visible_to(request.user, Action.CHANGE).filter(code__in=codes))
        missing = sorted(set(codes) - {a.code for a in areas})
        if place is None:
            form.add_error("place", _("No place with this code among the places you manage."))
        elif missing:
            form.add_error("areas", _("Unknown area codes: %(codes)s") % {"codes": ", ".join(missing)})
        else:
            spec = services.OrgSpec(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                place=place,
                parent=data["parent"],
                areas=areas,
            )
            try:
                org = services.org_establish(by=request.user, spec=spec, on=data["on"], note=data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s was established.") % {"name": org.name})
                return redirect("party:org_detail", org.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "party/org_form.html", {"form": form, "title": _("Establish an organisation")}, status=status
    )


@login_required
def org_rename(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.CHANGE)
    form = bootstrapify(OrgRenameForm(request.POST or None, initial={"name": org.name}))
    if request.method == "POST" and form.is_valid():
        try:
            services.org_rename(by=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The organisation was renamed."))
            return redirect("party:org_detail", org.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "org": org, "title": _("Rename %(name)s") % {"name": org.name}}
    return render(request, "party/org_form.html", context, status=status)


@login_required
def org_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.CHANGE)
    form = bootstrapify(OrgDissolveForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            services.org_dissolve(by=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.warning(
                request,
                _("%(name)s was dissolved; check the coverage for new blank spots.") % {"name": org.name},
            )
            return redirect("party:org_detail", org.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "org": org, "title": _("Dissolve %(name)s") % {"name": org.name}}
    return render(request, "party/org_form.html", context, status=status)


@login_required
def coverage_add(request: HttpRequest) -> HttpResponse:
    """Make an organisation responsible for an area: the way to fill a blank spot."""
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    area_code = (request.POST.get("area") or request.GET.get("area") or "").strip()
    area = _place_in_scope(request, area_code) if area_code else None
    orgs = orgs_visible_to(request.user, Action.CHANGE).filter(dissolved_on__isnull=True)
    if area is not None:
        orgs = orgs.filter(place__path__startswith=community_prefix(area.path))
    form = bootstrapify(CoverageAddForm(request.POST or None, orgs=orgs, initial={"area": area_code}))
    if request.method == "POST" and form.is_valid():
        if area is None:
            form.add_error("area", _("No residential area with this code among the places you manage."))
        else:
            try:
                services.coverage_add(
                    by=request.user, org=form.cleaned_data["org"], area=area, since=form.cleaned_data["since"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(area)s is now covered by %(org)s.")
                    % {"area": area.name, "org": form.cleaned_data["org"].name},
                )
                return redirect("territory:place_detail", area.code)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "area": area, "title": _("Assign an organisation to an area")}
    return render(request, "party/org_form.html", context, status=status)


@login_required
@require_POST
def coverage_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End an organisation's coverage of one area today; the area shows as a blank spot at once."""
    coverage = get_for_user(
        OrgCoverage.objects.select_related("org__place", "area"),
        request.user,
        action=Action.CHANGE,
        path_of=lambda c: c.area.path,
        pk=pk,
    )
    try:
        services.coverage_end(by=request.user, coverage=coverage, on=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.warning(
            request,
            _("%(org)s no longer covers %(area)s.") % {"org": coverage.org.name, "area": coverage.area.name},
        )
    return redirect("party:org_detail", coverage.org_id)

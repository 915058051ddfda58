"""A demand's page: its record, deadlines, timeline, similar open demands, and one POST view per action.

An action calls its service and redirects to the page with a message; when the service refuses, the page
is drawn again with status 400, the refused form and its message, and nothing was saved."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import User
from gongzhi.core.forms import add_service_errors
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.demands import selectors, services
from gongzhi.demands.forms import (
    AcceptForm,
    ContactForm,
    DispatchForm,
    EscalateForm,
    ExtendForm,
    MergeForm,
    ReasonForm,
    ResolveForm,
    TransferForm,
)
from gongzhi.demands.models import Channel, Demand, DemandPhoto, EventKind, Level, Rating, Status
from gongzhi.demands.page_selectors import (
    actions_allowed,
    agenda_item,
    ancestors_and_area,
    demand_for_page,
    handlers_for_place,
    similar_visible,
    transfer_stations,
)
from gongzhi.demands.views.common import STATUS_BADGES, badges
from gongzhi.demands.views.page_parts import actions_html, deadlines_html, timeline_html
from gongzhi.territory.forms import bootstrapify
from gongzhi.territory.models import Place, ServicePoint

ACTION_FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "dispatch": DispatchForm,
    "contact": ContactForm,
    "transfer": TransferForm,
    "return": ReasonForm,
    "extend": ExtendForm,
    "resolve": ResolveForm,
    "escalate": EscalateForm,
    "reject": ReasonForm,
    "merge": MergeForm,
}
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "dispatch": gettext_lazy("Dispatch"),
    "contact": gettext_lazy("Resident contacted"),
    "transfer": gettext_lazy("Transfer"),
    "return": gettext_lazy("Return"),
    "extend": gettext_lazy("Extend the deadline"),
    "resolve": gettext_lazy("Resolve"),
    "escalate": gettext_lazy("Escalate"),
    "reject": gettext_lazy("Do not accept"),
    "merge": gettext_lazy("Merge"),
}
DONE_MESSAGES = {
    "accept": gettext_lazy("Demand %(number)s was accepted."),
    "dispatch": gettext_lazy("Demand %(number)s was dispatched."),
    "contact": gettext_lazy("The contact with the resident on %(number)s was recorded."),
    "transfer": gettext_lazy("Demand %(number)s was transferred."),
    "return": gettext_lazy("Demand %(number)s was returned to be dispatched again."),
    "extend": gettext_lazy("The deadline of %(number)s was extended."),
    "resolve": gettext_lazy("Demand %(number)s was resolved; the resident is asked to rate the answer."),
    "escalate": gettext_lazy("Demand %(number)s was escalated."),
    "reject": gettext_lazy("Demand %(number)s was not accepted; the resident is told why."),
    "merge": gettext_lazy("Demand %(number)s was merged."),
}

# The labels of the codes the page shows, looked up in a dict: get_FOO_display() builds and translates the
# field's whole list of choices on every call, some thirty times a page.
LABELS = {
    "kind": dict(EventKind.choices),
    "status": dict(Status.choices),
    "level": dict(Level.choices),
    "channel": dict(Channel.choices),
    "rating": dict(Rating.choices),
}


def _label(field: str, code: str) -> Any:
    return LABELS[field].get(code, code)  # an unknown code shows as it is, as with get_FOO_display()


def action_form(name: str, demand: Demand, data: Any = None) -> forms.Form:
    """The form of one action. Field names stay plain (the resolve textarea is `reply`); ids are unique."""
    kwargs: dict[str, Any] = {}
    if name == "dispatch":
        kwargs["handlers"] = handlers_for_place(demand.place_path)
    elif name == "transfer":
        kwargs["stations"] = transfer_stations(demand)
    return bootstrapify(ACTION_FORMS[name](data, auto_id=f"id_{name}_%s", **kwargs))


def _fields_html(form: forms.Form) -> str:
    """A form's fields as the staff pages draw them."""
    return render_to_string("includes/form_fields.html", {"form": form})


# The actions whose form offers a pick that depends on the demand: its field, and the form's queryset
# argument with nothing in it (for an empty form the choices read for the page are set on the field).
CHOICE_FIELDS = {"dispatch": "handler", "transfer": "station"}
NO_CHOICES = {
    "dispatch": {"handlers": User.objects.none()},
    "transfer": {"stations": ServicePoint.objects.none()},
}


def _choices(name: str, demand: Demand, ancestors: list[Place]) -> tuple[tuple[int, str], ...]:
    """What an action offers to pick (handlers, service points), as (pk, label) pairs read once."""
    # Read as values, not model instances: the labels are what a ModelChoiceField shows, str(obj).
    if name == "dispatch":
        people = handlers_for_place(demand.place_path).values_list("pk", "display_name", "username")
        return tuple((pk, display_name or username) for pk, display_name, username in people)  # as str(User)
    if name == "transfer":
        return tuple(transfer_stations(demand, ancestors).values_list("pk", "name"))  # as str(ServicePoint)
    return ()


@functools.lru_cache(maxsize=256)
def _blank_fields(name: str, language: str, choices: tuple[tuple[int, str], ...]) -> str:
    """The fields of an action's empty form, as HTML. Django's widget templates (one per option of a
    select) cost more than the rest of the page, and an empty form always draws the same: so each is
    drawn once per action, language (of its labels) and choices, set on the field instead of a queryset."""
    form = ACTION_FORMS[name](auto_id=f"id_{name}_%s", **NO_CHOICES.get(name, {}))
    if name in CHOICE_FIELDS:
        field = form.fields[CHOICE_FIELDS[name]]
        empty = [] if field.empty_label is None else [("", field.empty_label)]
        field.choices = [*empty, *choices]
    return _fields_html(bootstrapify(form))


def _merge_target(user: Any, number: str) -> Demand:
    into = selectors.demands_visible_to(user, Action.CHANGE).filter(number=number.strip().upper()).first()
    if into is None:
        raise ValidationError({"into": [_("No demand with this number at the places you handle.")]})
    return into


def _run(name: str, data: dict[str, Any], demand: Demand, user: Any) -> None:
    """Call the action's service; it checks who may act and whether the state allows it."""
    reason = data.get("reason", "")
    calls = {
        "accept": lambda: services.demand_accept(by=user, demand=demand),
        "dispatch": lambda: services.demand_dispatch(
            by=user, demand=demand, handler=data["handler"], note=data["note"]
        ),
        "contact": lambda: services.demand_contact(by=user, demand=demand, note=data["note"]),
        "transfer": lambda: services.demand_transfer(
            by=user, demand=demand, station=data["station"], reason=reason
        ),
        "return": lambda: services.demand_return(by=user, demand=demand, reason=reason),
        "extend": lambda: services.demand_extend(by=user, demand=demand, days=data["days"], reason=reason),
        "resolve": lambda: services.demand_resolve(by=user, demand=demand, reply=data["reply"]),
        "escalate": lambda: services.demand_escalate(by=user, demand=demand, reason=reason),
        "reject": lambda: services.demand_reject(by=user, demand=demand, reason=reason),
        "merge": lambda: services.demand_merge(
            by=user, demand=demand, into=_merge_target(user, data["into"])
        ),
    }
    calls[name]()


def _deadlines(demand: Demand, now: datetime.datetime) -> list[dict[str, Any]]:
    """Each deadline with when it was met; late when met after it, overdue when still unmet past it."""
    rows = [
        (_("Dispatch"), demand.dispatch_due, demand.dispatched_at),
        (_("First contact"), demand.contact_due, demand.contacted_at),
        (pgettext("deadline of a demand", "Resolution"), demand.resolve_due, demand.resolved_at),
        (
            _("At this level (%(level)s)") % {"level": _label("level", demand.level)},
            demand.level_due,
            demand.resolved_at,
        ),
    ]
    out = []
    for label, due, met in rows:
        overdue = met is None and demand.is_open and due < now
        out.append(
            {
                "label": label,
                "due": due,
                "met": met,
                "late": met is not None and met > due,
                "overdue": overdue,
            }
        )
    return out


def _timeline(demand: Demand) -> list[dict[str, Any]]:
    """The demand's events, oldest first, read as plain values: the timeline shows a few fields of each."""
    system = _("system")
    events = demand.events.values_list(
        "at", "kind", "status", "level", "note", "actor__display_name", "actor__username"
    )
    return [
        {
            "at": at,
            "kind": kind,
            "kind_label": _label("kind", kind),
            "status_badge": STATUS_BADGES.get(status),
            "status_label": _label("status", status),
            "level_label": _label("level", level),
            "actor": display_name or username or system,  # as str(User); no actor: the system
            "note": note,
        }
        for at, kind, status, level, note, display_name, username in events
    ]


def _action_forms(
    demand: Demand, ancestors: list[Place], failed: tuple[str, forms.Form] | None
) -> list[tuple[str, Any, str, str]]:
    """(name, label, fields as HTML, URL) of each action the demand's state allows; a refused one is
    shown again as it was sent, with its errors."""
    offered: dict[str, str] = {}
    for name in actions_allowed(demand):
        choices = _choices(name, demand, ancestors)
        if name == "transfer" and not choices:
            continue  # no other open service point in the community to hand it to
        offered[name] = _blank_fields(name, get_language(), choices)
    if failed is not None:
        name, form = failed
        offered[name] = _fields_html(bootstrapify(form))  # in its place, or last
    # The actions' URLs are the page's followed by the action's name (urls.py): one reverse() for all.
    page_url = reverse("demands:detail", args=[demand.pk])
    return [(name, ACTION_LABELS[name], html, f"{page_url}{name}/") for name, html in offered.items()]


def _refusal_summary(name: str, form: forms.Form) -> list[str]:
    """The refused action's messages for the box above the page, each saying which action and field it is
    about ("转办 · 服务站点：此项必填。"): the form itself may be far down the page."""
    lines = []
    for field, messages_ in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        where = f"{ACTION_LABELS[name]} · {label}" if label else str(ACTION_LABELS[name])
        lines += [_("%(where)s: %(message)s") % {"where": where, "message": message} for message in messages_]
    return lines


def _detail_context(
    request: HttpRequest,
    demand: Demand,
    failed: tuple[str, forms.Form] | None = None,
    revealed: str = "",
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    ancestors = ancestors_and_area(demand)
    can_change = can(user, Action.CHANGE, demand.place_path)
    offered = _action_forms(demand, ancestors, failed) if can_change else []
    errors = _refusal_summary(*failed) if failed is not None else []
    return {
        "demand": demand,
        "labels": {
            field: _label(field, getattr(demand, field)) for field in ("status", "level", "channel", "rating")
        },
        "crumbs": [*ancestors, demand.place],
        "photos": demand.photos.all() if demand.has_photos else (),
        "timeline_html": timeline_html(_timeline(demand)),
        "deadlines_html": deadlines_html(_deadlines(demand, now)),
        "overdue": demand.is_open and demand.level_due < now,
        "similar_url": reverse("demands:similar", args=[demand.pk]),
        "can_reveal": can(user, Action.REVEAL, demand.place_path),
        "actions_html": actions_html(offered, failed[0] if failed else "", get_token(request))
        if offered
        else "",
        "action_errors": errors,
        "revealed": revealed,
        "agenda": agenda_item(demand) if demand.agenda_ref else None,
        **badges(),
    }


def _render_detail(request: HttpRequest, demand: Demand, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(
        request, "demands/demand_detail.html", _detail_context(request, demand, **kwargs), status=status
    )


@login_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = demand_for_page(request.user, pk)
    if not can(request.user, Action.VIEW, demand.place_path):
        # Only the person who submitted it: residents follow their demands on the portal.
        return redirect("portal:demand", demand.pk)
    return _render_detail(request, demand)


@login_required
def demand_similar(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel of similar open demands, which the page loads once it is shown (htmx): scoring the
    candidates is the slowest part of the page and the least needed. Scoped as the page (404 outside the
    user's view scope)."""
    demand = selectors.get_demand_for_user(request.user, pk, queryset=Demand.objects.select_related("place"))
    if not can(request.user, Action.VIEW, demand.place_path):
        raise Http404  # the person who submitted it follows it on the portal
    similar = []
    if demand.is_open:
        found = selectors.similar_open_demands(demand.place, demand.category_id, demand.description)
        similar = similar_visible(request.user, demand, found)
    can_merge = can(request.user, Action.CHANGE, demand.place_path) and "merge" in actions_allowed(demand)
    context = {"demand": demand, "similar": similar, "can_merge": can_merge, **badges()}
    return render(request, "demands/partials/similar.html", context)


@login_required
@require_POST
def demand_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404
    demand = demand_for_page(request.user, pk, Action.CHANGE)
    form = action_form(action, demand, request.POST)
    if form.is_valid():
        try:
            _run(action, form.cleaned_data, demand, request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, DONE_MESSAGES[action] % {"number": demand.number})
            return redirect("demands:detail", demand.pk)
    return _render_detail(request, demand, status=400, failed=(action, form))


@login_required
@require_POST
def demand_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact phone in clear, for roles that need it; every reveal is written to the audit log."""
    demand = demand_for_page(request.user, pk, Action.REVEAL)
    if not demand.contact_phone:
        raise Http404
    value = services.demand_reveal(by=request.user, demand=demand)
    if request.htmx:
        return render(request, "demands/demand_detail.html#revealed", {"value": value})
    return _render_detail(request, demand, revealed=value)


@login_required
def demand_photo(request: HttpRequest, pk: int) -> FileResponse:
    """Photos may show people and homes: served only to those who may read the demand, never from MEDIA_URL."""
    photo = get_object_or_404(DemandPhoto, pk=pk)
    selectors.get_demand_for_user(request.user, photo.demand_id)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response

"""Committees: the list in the user's scope, a committee's page (seats, composition, topics, meetings,
resolutions and their actions), and the seats' terms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere
from gongzhi.deliberation import selectors, services
from gongzhi.deliberation.choices import ActionStatus, CommitteeKind, TopicStatus
from gongzhi.deliberation.forms import SeatEndForm, SeatForm, TopicScreenForm
from gongzhi.deliberation.models import ActionItem, Committee, Resolution
from gongzhi.deliberation.views.common import (
    badges,
    get_seat_for_user,
    seat_user_candidates,
    service_errors,
)
from gongzhi.members.models import Member
from gongzhi.territory.forms import bootstrapify


@login_required
def committee_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_anywhere(user, Action.VIEW) and not selectors.seated_committee_ids(user).exists():
        raise PermissionDenied
    today = timezone.localdate()
    current = Q(seats__since__lte=today) & (Q(seats__until__isnull=True) | Q(seats__until__gt=today))
    committees = (
        selectors.committees_visible_to(user)
        .order_by("place__path", "kind", "id")
        .annotate(
            n_seats=Count("seats", filter=current, distinct=True),
            n_meetings=Count("meetings", distinct=True),
            n_open_actions=Count(
                "meetings__resolutions__actions",
                filter=~Q(meetings__resolutions__actions__status=ActionStatus.DONE),
                distinct=True,
            ),
        )
    )
    kind = request.GET.get("kind", "")
    if kind in CommitteeKind.values:
        committees = committees.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        committees = committees.filter(Q(name__icontains=q) | Q(place__name__icontains=q))
    context = {
        "page_obj": paginate(request, committees),
        "kinds": CommitteeKind.choices,
        "kind": kind,
        "q": q,
    }
    return render(request, "deliberation/committee_list.html", context)


def _screen_choices(topics: list) -> list[tuple[int, str]]:
    return [(t.pk, t.title) for t in topics if t.status in (TopicStatus.PROPOSED, TopicStatus.ACCEPTED)]


def committee_context(request: HttpRequest, committee: Committee, **extra: Any) -> dict[str, Any]:
    """Everything on a committee's page, in a fixed number of queries whatever its size."""
    user, today = request.user, timezone.localdate()
    seats = list(committee.seats.select_related("user", "member").order_by("stakeholder", "-since", "id"))
    for seat in seats:
        seat.current = seat.is_current(today)
    topics = list(selectors.topics_of(committee))
    into = _screen_choices(topics)
    for topic in topics:
        if topic.status == TopicStatus.PROPOSED:
            choices = [c for c in into if c[0] != topic.pk]
            topic.screen_form = TopicScreenForm(auto_id=f"id_t{topic.pk}_%s", into_choices=choices)
    resolutions = (
        Resolution.objects.filter(meeting__committee=committee)
        .select_related("meeting")
        .prefetch_related(Prefetch("actions", ActionItem.objects.select_related("owner")))
    )
    return {
        "committee": committee,
        "crumbs": [*committee.place.ancestors(), committee.place],
        "warnings": selectors.composition_warnings(committee, today),
        "seats": seats,
        "current_seats": [s for s in seats if s.current],
        "past_seats": [s for s in seats if not s.current],
        "topics_open": [t for t in topics if t.status in (TopicStatus.PROPOSED, TopicStatus.ACCEPTED)],
        "topics_done": [t for t in topics if t.status not in (TopicStatus.PROPOSED, TopicStatus.ACCEPTED)],
        "meetings": committee.meetings.all(),
        "resolutions": resolutions,
        "can_change": can(user, Action.CHANGE, committee.place.path),
        "is_seated": any(s.current and s.user_id == user.pk for s in seats),
        "end_form": SeatEndForm(),
        "today": today,
        **badges(),
        **extra,
    }


def render_committee(request: HttpRequest, committee: Committee, status: int = 200, **extra: Any):
    context = committee_context(request, committee, **extra)
    return render(request, "deliberation/committee_detail.html", context, status=status)


@login_required
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_committee(request, selectors.get_committee_for_user(request.user, pk))


@login_required
def seat_assign(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.get_committee_for_user(request.user, pk, Action.CHANGE)
    members = Member.objects.current().filter(branch__place__path__startswith=committee.branch.place.path)
    form = bootstrapify(
        SeatForm(
            request.POST or None,
            users=seat_user_candidates(committee),
            members=members.order_by("name"),
            initial={"stakeholder": request.GET.get("stakeholder", "")},
        )
    )
    if request.method == "POST" and form.is_valid():
        try:
            seat = services.seat_assign(by=request.user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(holder)s now holds a seat for %(who)s.")
                % {"holder": seat.holder, "who": seat.get_stakeholder_display()},
            )
            return redirect("deliberation:committee", committee.pk)
    context = {"form": form, "committee": committee, "title": _("Assign a seat"), "testid": "seat-form"}
    status = 400 if request.method == "POST" else 200
    return render(request, "deliberation/form.html", context, status=status)


@login_required
@require_POST
def seat_end(request: HttpRequest, pk: int) -> HttpResponse:
    seat = get_seat_for_user(request.user, pk, Action.CHANGE)
    form = SeatEndForm(request.POST)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return render_committee(request, seat.committee, status=400, errors=errors)
    try:
        services.seat_end(by=request.user, seat=seat, on=form.cleaned_data["on"])
    except ValidationError as exc:
        return render_committee(request, seat.committee, status=400, errors=service_errors(exc))
    messages.success(request, _("The term of %(holder)s was ended.") % {"holder": seat.holder})
    return redirect("deliberation:committee", seat.committee_id)

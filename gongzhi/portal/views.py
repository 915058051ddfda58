"""The residents' phone portal (居民端): report a problem, follow it, rate the answer.

Every page is for the signed-in user's own demands. Writes go through gongzhi.demands.services.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.clients import client_ip
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere
from gongzhi.demands import services
from gongzhi.demands.models import (
    DESCRIPTION_MAX,
    MAX_PHOTOS,
    Category,
    Channel,
    Demand,
    DemandPhoto,
    EventKind,
    Status,
)
from gongzhi.demands.questions import answer_errors, answers_from, category_from, questions_context
from gongzhi.demands.selectors import my_demands, similar_open_demands
from gongzhi.notifications.views import inbox_page
from gongzhi.portal.forms import COMMENT_MAX, REPORTABLE_KINDS, RateForm, ReportForm, add_errors
from gongzhi.portal.selectors import current_demands, home_places, last_contact, search_areas
from gongzhi.territory.models import Place

# "This is my problem too" links to someone else's demand carry a token naming the viewer, so the
# summary page shows only demands the portal itself offered as similar (no walking through numbers).
SAME_SALT = "gongzhi.portal.same"
SAME_MAX_AGE = datetime.timedelta(days=1)
SIMILAR_MIN_TEXT = 4
# A phone shows ten cards a page: fifty is a long scroll on a small screen.
PHONE_PAGE_SIZE = 10

# Staff-only steps stay off the resident's timeline.
HIDDEN_EVENTS = (EventKind.WARNED, EventKind.NOTE, EventKind.EXTENSION_REQUESTED)


def _page(request: HttpRequest, template: str, context: dict, tab: str, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "tab": tab}, status=status)


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _own_demand(request: HttpRequest, pk: int) -> Demand:
    """The user's own demand; anyone else's does not exist for them."""
    return get_object_or_404(my_demands(request.user).select_related("station", "merged_into"), pk=pk)


def status_text(demand: Demand) -> str:
    """Where the demand stands, in the words a resident uses."""
    station = demand.station.name if demand.station_id else _("the service station")
    texts = {
        Status.SUBMITTED: _("We have received it. The community will look at it soon."),
        Status.ACCEPTED: _(
            "The community has accepted it and is passing it to the people who will handle it."
        ),
        Status.DISPATCHED: _("It has been passed to %(station)s. They will contact you.")
        % {"station": station},
        Status.IN_PROGRESS: _("%(station)s is working on it.") % {"station": station},
        Status.RESOLVED: _(
            "It has been dealt with. Please read the reply and tell us whether you are satisfied."
        ),
        Status.CLOSED: _("Finished. Thank you for rating the answer."),
        Status.REOPENED: _("You were not satisfied, so it is being handled again."),
        Status.RETURNED: _("It is being passed on to the right people."),
        Status.MERGED: _("It is handled together with another report of the same problem."),
        Status.REJECTED: _("It could not be accepted. The reason is below."),
    }
    return texts.get(demand.status, demand.get_status_display())


def event_text(kind: str) -> str:
    texts = {
        EventKind.SUBMITTED: _("You sent the report."),
        EventKind.ACCEPTED: _("The community accepted it."),
        EventKind.DISPATCHED: _("It was passed to the people who will handle it."),
        EventKind.CONTACTED: _("The handler got in touch with you."),
        EventKind.TRANSFERRED: _("It was passed to another service station."),
        EventKind.RETURNED: _("It went back to be passed to the right people."),
        EventKind.EXTENSION_GRANTED: _("More time was given to deal with it."),
        EventKind.RESOLVED: _("It was dealt with, and a reply was written to you."),
        EventKind.RATED: _("You rated the answer."),
        EventKind.REOPENED: _("It was reopened to be handled again."),
        EventKind.ESCALATED: _("It was raised to a higher level to be dealt with."),
        EventKind.MERGED: _("It was joined with a report of the same problem."),
        EventKind.REJECTED: _("It could not be accepted."),
        EventKind.AGENDA: _("It was put on a consultation committee's agenda."),
    }
    return texts.get(kind, "")


# --- pages ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "current": current_demands(request.user)[:10],
        "is_staff_user": can_anywhere(request.user, Action.VIEW),
    }
    return _page(request, "portal/home.html", context, "home")


def _report_page(
    request: HttpRequest,
    form: ReportForm,
    *,
    photo_errors: list[str] | None = None,
    photos_dropped: bool = False,
    refused: ValidationError | None = None,
    status: int = 200,
) -> HttpResponse:
    places = home_places(request.user)
    chosen = form["place"].value()
    chosen_place = None
    if chosen and str(chosen) not in {str(p.pk) for p in places}:
        # A place found by the search: shown again, chosen, among the search results.
        chosen_place = (
            form.fields["place"].queryset.select_related("parent").filter(pk=_int(str(chosen))).first()
        )
    context = {
        "form": form,
        "categories": Category.objects.filter(active=True),
        "places": places,
        "chosen_place": chosen_place,
        "selected_category": str(form["category"].value() or ""),
        # The chosen category's own questions, with the answers given so far.
        **questions_context(
            category_from(str(form["category"].value() or "")),
            request.POST if form.is_bound else None,
            answer_errors(refused),
        ),
        "selected_place": str(chosen or ""),
        "photo_errors": photo_errors or [],
        "photos_dropped": photos_dropped,
        "description_max": DESCRIPTION_MAX,
        "max_photos": MAX_PHOTOS,
    }
    return _page(request, "portal/report.html", context, "report", status=status)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """One form in steps: what, where, what happened, photos, contact; the services decide."""
    if request.method != "POST":
        return _report_page(request, ReportForm(initial=last_contact(request.user)))
    form = ReportForm(request.POST)
    photos = request.FILES.getlist("photos")
    unasked: dict[str, list[str]] = {}  # service errors on fields this form does not have
    refused = None
    if form.is_valid():
        try:
            demand = services.demand_submit(
                by=request.user,
                channel=Channel.PORTAL,
                ip=_client_ip(request),
                photos=photos,
                attributes=answers_from(request.POST, form.cleaned_data["category"]),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc, unasked)
            refused = exc
        else:
            return redirect("portal:report_done", demand.pk)
    photo_errors = unasked.pop("photos", [])
    for errors in unasked.values():  # e.g. the category's questions: above the form, and beside each one
        for message in errors:
            form.add_error(None, message)
    return _report_page(
        request, form, photo_errors=photo_errors, photos_dropped=bool(photos), refused=refused, status=400
    )


@login_required
@require_GET
def report_done(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _own_demand(request, pk)
    return _page(request, "portal/report_done.html", {"demand": demand}, "report")


@login_required
@require_GET
def place_search(request: HttpRequest) -> HttpResponse:
    """htmx: a short list of residential areas matching a name or pinyin initials."""
    query = request.GET.get("place_q", "")[:50]
    context = {"results": search_areas(query), "query": query.strip()}
    return render(request, "portal/partials/place_results.html", context)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """htmx: open demands at the same area and category that read like what the resident is typing."""
    category_id = _int(request.GET.get("category"))
    # Only where a report can be made: a wider place (the subdistrict) would show the whole district's.
    place = Place.objects.open().filter(kind__in=REPORTABLE_KINDS, pk=_int(request.GET.get("place"))).first()
    text = request.GET.get("description", "")[:DESCRIPTION_MAX]
    found = []
    if category_id and place and len(text.strip()) >= SIMILAR_MIN_TEXT:
        for demand in similar_open_demands(place, category_id, text):
            own = demand.submitted_by_id == request.user.pk
            if own:
                link = reverse("portal:demand", args=[demand.pk])
            else:
                token = signing.dumps([request.user.pk, demand.pk], salt=SAME_SALT)
                link = f"{reverse('portal:same', args=[demand.pk])}?t={token}"
            found.append({"demand": demand, "link": link, "own": own})
    return render(request, "portal/partials/similar.html", {"found": found})


@login_required
@require_GET
def same(request: HttpRequest, pk: int) -> HttpResponse:
    """'This is my problem too': what a resident may know of someone else's report of the same problem."""
    try:
        viewer, demand_id = signing.loads(request.GET.get("t", ""), salt=SAME_SALT, max_age=SAME_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Http404 from exc
    if viewer != request.user.pk or demand_id != pk:
        raise Http404
    demand = get_object_or_404(Demand.objects.select_related("category", "place", "station"), pk=pk)
    if demand.submitted_by_id == request.user.pk:
        return redirect("portal:demand", pk)
    context = {"demand": demand, "status_text": status_text(demand)}
    return _page(request, "portal/same.html", context, "report")


@login_required
@require_GET
def demand_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, my_demands(request.user), PHONE_PAGE_SIZE)
    return _page(request, "portal/demand_list.html", {"page_obj": page}, "demands")


@login_required
@require_GET
def messages_list(request: HttpRequest) -> HttpResponse:
    """The resident's notifications (消息); opening one marks it read (notifications.views)."""
    return inbox_page(request, "portal/messages.html", PHONE_PAGE_SIZE, tab="")


def _merged_into(demand: Demand) -> dict | None:
    """For a merged demand: where the report it joined stands, and its reply (the answer to both)."""
    other = demand.merged_into if demand.status == Status.MERGED and demand.merged_into_id else None
    if other is None:
        return None
    return {"number": other.number, "status_text": status_text(other), "reply": other.reply}


def _detail_page(request: HttpRequest, demand: Demand, form: RateForm, status: int = 200) -> HttpResponse:
    events = [
        {"at": e.at, "kind": e.kind, "text": event_text(e.kind)}
        for e in demand.events.exclude(kind__in=HIDDEN_EVENTS)
    ]
    context = {
        "demand": demand,
        "status_text": status_text(demand),
        "events": events,
        "photos": demand.photos.order_by("pk"),
        "rate_form": form if demand.status == Status.RESOLVED else None,
        "merged": _merged_into(demand),
        "comment_max": COMMENT_MAX,
    }
    return _page(request, "portal/demand_detail.html", context, "demands", status=status)


@login_required
@require_GET
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _own_demand(request, pk)
    return _detail_page(request, demand, RateForm())


@login_required
@require_POST
def demand_rate(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _own_demand(request, pk)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            demand = services.demand_rate(
                by=request.user,
                demand=demand,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            demand.refresh_from_db()
            if demand.status != Status.RESOLVED:
                # Rated already (a second tap), or its state moved on since the page was drawn: the form is
                # gone from the page, so the reason goes in a message above it.
                messages.error(request, " ".join(exc.messages))
                return redirect("portal:demand", demand.pk)
            add_errors(form, exc, {})
        else:
            if demand.status == Status.REOPENED:
                messages.info(request, _("Thank you. Your demand will be handled again."))
            else:
                messages.success(request, _("Thank you for rating the answer."))
            return redirect("portal:demand", demand.pk)
    return _detail_page(request, demand, form, status=400)


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo of one of the user's own demands (photos may show people and homes)."""
    item = get_object_or_404(DemandPhoto, pk=pk, demand__submitted_by=request.user)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    context = {"is_staff_user": can_anywhere(request.user, Action.VIEW)}
    return _page(request, "portal/me.html", context, "me")

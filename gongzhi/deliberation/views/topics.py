"""Topics: raising one, making one of open demands, its page, and the branch's screening."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.deliberation import selectors, services
from gongzhi.deliberation.choices import TopicStatus
from gongzhi.deliberation.forms import TopicFromDemandsForm, TopicRaiseForm, TopicScreenForm
from gongzhi.deliberation.models import AgendaItem, Seat, Topic
from gongzhi.deliberation.views.committees import render_committee
from gongzhi.deliberation.views.common import badges, get_topic_for_user, service_errors
from gongzhi.demands.selectors import demands_visible_to
from gongzhi.territory.forms import bootstrapify


@login_required
def topic_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Organisers raise a topic for someone (a resident, a member, a station); seat holders for themselves."""
    user = request.user
    committee = selectors.get_committee_for_user(user, pk)
    seated = Seat.objects.current(timezone.localdate()).filter(committee=committee, user=user).exists()
    if not (seated or can(user, Action.CHANGE, committee.place.path)):
        raise PermissionDenied
    form = bootstrapify(TopicRaiseForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_raise(by=user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The topic “%(title)s” waits to be screened.") % {"title": topic.title}
            )
            return redirect("deliberation:committee", committee.pk)
    context = {"form": form, "committee": committee, "title": _("Raise a topic"), "testid": "topic-form"}
    return render(request, "deliberation/form.html", context, status=400 if form.errors else 200)


@login_required
def topic_from_demands(request: HttpRequest, pk: int) -> HttpResponse:
    """Open demands at the committee's place (or inside it) become one accepted topic."""
    committee = selectors.get_committee_for_user(request.user, pk, Action.CHANGE)
    demands = (
        demands_visible_to(request.user, Action.CHANGE)
        .open()
        .filter(place_path__startswith=committee.place.path)
        .order_by("-created_at", "-id")
    )
    initial = {"demands": request.GET.getlist("demand")}
    form = bootstrapify(TopicFromDemandsForm(request.POST or None, demands=demands, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_from_demands(by=request.user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "The topic “%(title)s” was accepted with %(n)d demand; it is now on the agenda.",
                    "The topic “%(title)s” was accepted with %(n)d demands; they are now on the agenda.",
                    len(form.cleaned_data["demands"]),
                )
                % {"title": topic.title, "n": len(form.cleaned_data["demands"])},
            )
            return redirect("deliberation:committee", committee.pk)
    selected = {str(v) for v in (form["demands"].value() or [])}
    context = {"form": form, "committee": committee, "demands": demands, "selected": selected}
    return render(
        request, "deliberation/topic_from_demands.html", context, status=400 if form.errors else 200
    )


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The topic's record: its demands, screening and the meetings that discussed it. Whoever raised it
    without seeing the committee reads how it was screened on a residents' page."""
    try:
        topic = get_topic_for_user(request.user, pk)
    except Http404:
        topic = Topic.objects.select_related("committee").filter(pk=pk, raised_by=request.user).first()
        if topic is None:
            raise
        return render(request, "deliberation/public/topic.html", {"topic": topic, **badges()})
    committee = topic.committee
    items = AgendaItem.objects.filter(topic=topic).select_related("meeting")
    context = {
        "topic": topic,
        "committee": committee,
        "crumbs": [*committee.place.ancestors(), committee.place],
        "demands": topic.demands.select_related("category", "place").order_by("created_at"),
        "agenda_items": items.prefetch_related(Prefetch("motions")),
        "merged_topics": topic.merged_topics.all(),
        "can_change": can(request.user, Action.CHANGE, committee.place.path),
        **badges(),
    }
    if context["can_change"] and topic.status == TopicStatus.PROPOSED:
        others = committee.topics.filter(status__in=(TopicStatus.PROPOSED, TopicStatus.ACCEPTED)).exclude(
            pk=topic.pk
        )
        topic.screen_form = TopicScreenForm(
            auto_id=f"id_t{topic.pk}_%s", into_choices=[(t.pk, t.title) for t in others]
        )
    return render(request, "deliberation/topic_detail.html", context)


@login_required
@require_POST
def topic_screen(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, pk, Action.CHANGE)
    committee = topic.committee
    others = list(committee.topics.exclude(pk=topic.pk).values_list("pk", "title"))
    form = TopicScreenForm(request.POST, into_choices=others)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return render_committee(request, committee, status=400, errors=errors)
    data = form.cleaned_data
    into = committee.topics.filter(pk=data["into"]).first() if data["into"] else None
    try:
        topic = services.topic_screen(
            by=request.user, topic=topic, decision=data["decision"], into=into, reason=data["reason"]
        )
    except ValidationError as exc:
        return render_committee(request, committee, status=400, errors=service_errors(exc))
    messages.success(
        request,
        _("The topic “%(title)s”: %(status)s.")
        % {"title": topic.title, "status": topic.get_status_display()},
    )
    return redirect("deliberation:committee", committee.pk)

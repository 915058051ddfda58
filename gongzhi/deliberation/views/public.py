"""The residents' page: the published resolutions of the committees serving their own place, and how far
each action carrying them out has come. Phone-first, on the residents' portal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core.paging import paginate
from gongzhi.deliberation import selectors
from gongzhi.deliberation.models import ActionItem, Resolution
from gongzhi.deliberation.views.common import badges

PER_PAGE = 10


def _with_actions(resolutions):
    return resolutions.prefetch_related(Prefetch("actions", ActionItem.objects.order_by("deadline", "id")))


@login_required
def public_resolutions(request: HttpRequest) -> HttpResponse:
    resolutions = _with_actions(selectors.published_resolutions_for_resident(request.user)).order_by(
        "-meeting__scheduled_at", "-id"
    )
    context = {"page_obj": paginate(request, resolutions, PER_PAGE), **badges()}
    return render(request, "deliberation/public/resolutions.html", context)


def render_public_resolution(request: HttpRequest, resolution: Resolution) -> HttpResponse:
    resolution = _with_actions(Resolution.objects.filter(pk=resolution.pk)).select_related(
        "meeting__committee__place"
    )[0]
    return render(request, "deliberation/public/resolution.html", {"resolution": resolution, **badges()})

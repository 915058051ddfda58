"""The in-app notifications of the signed-in user: the list, opening one, marking all read, and the bell's
count, which the pages load after themselves (htmx) so that drawing a page costs no extra query."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.paging import paginate
from gongzhi.core.scoping import uses_the_portal
from gongzhi.notifications import selectors, services
from gongzhi.notifications.models import Notification

SHOW_UNREAD = "unread"


def inbox_url(user) -> str:
    return reverse("portal:messages" if uses_the_portal(user) else "notifications:inbox")


def inbox_page(request: HttpRequest, template: str, per_page: int | None = None, **context) -> HttpResponse:
    """The list, all or unread only (`?show=unread`), newest first, paged; for staff and for the portal."""
    unread_only = request.GET.get("show") == SHOW_UNREAD
    page = paginate(request, selectors.notifications_for(request.user, unread_only=unread_only), per_page)
    unread = selectors.unread_count(request.user)
    return render(
        request, template, {**context, "page_obj": page, "unread_only": unread_only, "unread": unread}
    )


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    if uses_the_portal(request.user):
        return redirect("portal:messages")
    return inbox_page(request, "notifications/inbox.html")


@login_required
@require_POST
def open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go where it points (a page of this site only); without a link, back to the list."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(by=request.user, notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=False
    ):
        return redirect(link)
    return redirect(inbox_url(request.user))


@login_required
@require_POST
def mark_all_read_view(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(by=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count)
            % {"n": count},
        )
    return redirect(inbox_url(request.user))


@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The bell's unread count, as the fragment the navigation bars swap in. Signed out meanwhile (the
    session expired under an open page): 204, which htmx leaves alone, not the sign-in page in the bell."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    response = render(request, "notifications/badge.html", {"unread": selectors.unread_count(request.user)})
    response["Cache-Control"] = "no-store"
    return response

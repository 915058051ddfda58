"""Middleware of our own."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class HtmxSignInMiddleware:
    """A page's htmx request (a search box, a list of choices) made after its session expired is sent to
    sign in. htmx follows redirects itself and would put the whole sign-in page inside the part of the page
    it was to update; instead the browser goes to the sign-in page and comes back to the page it was on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302 or "HX-Request" not in request.headers:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        # The page the browser shows, not the fragment's address; only its path: never another site.
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = page.path + (f"?{page.query}" if page.query else "") if page.path else "/"
        return HttpResponseClientRedirect(f"{login}?{urlencode({'next': back})}")

"""The address a request came from, for rate limits and the audit of submissions.

Behind a reverse proxy REMOTE_ADDR is the proxy's, the same for every resident: a limit per address would
then throttle the whole city at once. The proxy adds the client's address to X-Forwarded-For, but anyone
can send that header too, so only the entries our own proxies appended are believed: with
GONGZHI_TRUSTED_PROXIES = N, the Nth address from the right end of the header.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies saw (None when unknown)."""
    direct = _address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return direct
    hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    if len(hops) < proxies:
        return direct  # not through all our proxies (or a misconfiguration): the direct peer is all we know
    return _address(hops[-proxies]) or direct

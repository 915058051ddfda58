"""The client's address behind our reverse proxies (core/clients.py)."""

import pytest
from django.test import RequestFactory

from gongzhi.core.clients import client_ip


def request(remote: str = "127.0.0.1", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_header_is_not_believed(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request("203.0.113.7", forwarded="198.51.100.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "10.9.9.9, 198.51.100.1", "198.51.100.1"),  # a client's own entry on the left is ignored
        (2, "10.9.9.9, 198.51.100.1, 172.16.0.2", "198.51.100.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "198.51.100.1", "127.0.0.1"),  # fewer hops than proxies: only the direct peer is known
        (1, "not-an-address", "127.0.0.1"),
        (1, "", "127.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_address_they_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(request(forwarded=forwarded)) == expected


def test_a_request_without_any_address_has_none(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request(remote="")) is None

"""A page's htmx request after the session expired sends the browser to sign in and back to that page,
instead of putting the sign-in page inside the part of the page htmx was to update."""

from __future__ import annotations

from django.urls import reverse


def test_an_expired_session_sends_the_browser_to_sign_in_and_back(client, db):
    response = client.get(
        reverse("portal:place_search"),
        {"place_q": "城市"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/m/report/?category=3",
    )
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == reverse("accounts:login") + "?next=%2Fm%2Freport%2F%3Fcategory%3D3"


def test_the_way_back_never_leads_to_another_site(client, db):
    response = client.get(
        reverse("demands:place_lookup"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/x"
    )
    assert response["HX-Redirect"] == reverse("accounts:login") + "?next=%2Fx"


def test_a_plain_request_is_still_redirected_as_before(client, db):
    response = client.get(reverse("portal:place_search"), {"place_q": "城市"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))

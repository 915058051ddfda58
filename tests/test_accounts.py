"""Signing in and out, the Django admin (superusers only) and the per-role second factor."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user

PASSWORD = "pw-for-tests-9"


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_sign_in_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert 'method="post"' in content


def test_signing_in_leads_to_the_workbench(client, wuhe_staff):
    response = client.post("/accounts/login/", {"username": "t-wuhe", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in(client)
    workbench = client.get("/")
    assert workbench.status_code == 200
    assert [r.place.code for r in workbench.context["reports"]] == ["wuhe"]


def test_signing_in_returns_to_the_page_asked_for(client, wuhe_staff):
    response = client.post(
        "/accounts/login/?next=/places/wuhe/",
        {"username": "t-wuhe", "password": PASSWORD, "next": "/places/wuhe/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/places/wuhe/"


def test_signing_in_never_redirects_to_another_site(client, wuhe_staff):
    response = client.post(
        "/accounts/login/", {"username": "t-wuhe", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password"),
    [("t-wuhe", "wrong-password"), ("t-wuhe", ""), ("nobody", PASSWORD), ("T-WUHE-x", PASSWORD)],
)
def test_a_wrong_password_shows_an_error_and_stays(client, wuhe_staff, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="alert alert-danger"' in response.content.decode()
    assert not _signed_in(client)
    assert client.get("/places/").status_code == 302


def test_an_inactive_account_cannot_sign_in(client, wuhe_staff):
    wuhe_staff.is_active = False
    wuhe_staff.save()
    response = client.post("/accounts/login/", {"username": "t-wuhe", "password": PASSWORD})
    assert response.status_code == 200
    assert not _signed_in(client)


def test_a_signed_in_user_is_sent_on_from_the_sign_in_page(client_for, wuhe_staff):
    response = client_for(wuhe_staff).get("/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_signing_out_is_a_post(client_for, wuhe_staff):
    client = client_for(wuhe_staff)
    assert client.get("/accounts/logout/").status_code == 405
    assert _signed_in(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not _signed_in(client)
    assert client.get("/places/wuhe/").status_code == 302


def test_every_page_offers_sign_out_as_a_form(client_for, wuhe_staff):
    content = client_for(wuhe_staff).get("/places/").content.decode()
    forms = re.findall(r"<form[^>]*>", content)
    (logout,) = [f for f in forms if 'action="/accounts/logout/"' in f]
    assert 'method="post"' in logout.lower()


def test_changing_the_password(client_for, wuhe_staff):
    client = client_for(wuhe_staff)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-pass-42",
            "new_password2": "a-much-longer-pass-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    wuhe_staff.refresh_from_db()
    assert wuhe_staff.check_password("a-much-longer-pass-42")
    assert _signed_in(client)


# --- the Django admin --------------------------------------------------------------------------------


def _refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith("/admin/login/")
    )


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/core/auditevent/"])
def test_the_admin_is_refused_to_a_subdistrict_admin(client_for, admin_user, url):
    assert _refused(client_for(admin_user).get(url))


def test_the_admin_is_refused_even_with_the_staff_flag(client_for, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    assert _refused(client_for(admin_user).get("/admin/"))
    response = client_for(admin_user).get("/admin/accounts/user/")
    assert _refused(response)


def test_the_admin_works_for_a_superuser(client, db):
    root = make_user("root")
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_the_admin_is_in_the_navigation_for_superusers_only(client_for, admin_user, client):
    assert "/admin/" not in client_for(admin_user).get("/places/").content.decode()
    root = make_user("root")
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    assert "/admin/" in client.get("/places/").content.decode()


# --- the second factor -------------------------------------------------------------------------------


def test_a_role_needing_a_second_factor_is_refused_a_password_only_sign_in(client, admin_user, settings):
    settings.SECOND_FACTOR_ROLES = ["subdistrict_admin"]
    response = client.post("/accounts/login/", {"username": "t-admin", "password": PASSWORD})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert errors[0] in response.content.decode()
    assert not _signed_in(client)


def test_other_roles_sign_in_as_usual_when_a_second_factor_is_required_of_some(client, wuhe_staff, settings):
    settings.SECOND_FACTOR_ROLES = ["subdistrict_admin"]
    response = client.post("/accounts/login/", {"username": "t-wuhe", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)


def test_without_second_factor_roles_the_admin_signs_in(client, admin_user, settings):
    settings.SECOND_FACTOR_ROLES = []
    response = client.post("/accounts/login/", {"username": "t-admin", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)

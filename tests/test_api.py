"""The JSON API: the coverage contract, bearer tokens, list envelopes and the OpenAPI description."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.services import assignment_grant, user_create
from gongzhi.core.roles import Role
from gongzhi.party.models import OrgCoverage
from gongzhi.party.services import coverage_end, org_dissolve
from gongzhi.territory.models import Place
from gongzhi.territory.services import place_close
from tests.factories import make_place

RESIDENTIAL = {"residents_committee", "resident_group", "garden_estate", "independent_area"}


def _coverage(client, code: str) -> dict:
    response = client.get(f"/api/v1/places/{code}/coverage")
    assert response.status_code == 200
    return response.json()


def _token_for(username: str) -> str:
    out = StringIO()
    call_command("create_api_token", username, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def _bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- the coverage contract ---------------------------------------------------------------------------


def test_coverage_answers_exactly_the_agreed_keys(client_for, wuhe_staff, world):
    body = _coverage(client_for(wuhe_staff), "wuhe")
    assert set(body) == {"place", "areas", "covered", "served", "coverage_rate", "blank_spots", "by_kind"}
    assert body["place"] == "wuhe"
    assert (body["areas"], body["covered"], body["served"], body["coverage_rate"]) == (3, 3, 3, 1.0)
    assert body["blank_spots"] == []
    assert set(body["by_kind"]) == RESIDENTIAL
    assert all(set(tally) == {"areas", "covered"} for tally in body["by_kind"].values())
    assert body["by_kind"] == {
        "residents_committee": {"areas": 0, "covered": 0},
        "resident_group": {"areas": 1, "covered": 1},
        "garden_estate": {"areas": 1, "covered": 1},
        "independent_area": {"areas": 1, "covered": 1},
    }


def test_coverage_of_the_subdistrict_adds_up_its_communities(client_for, admin_user, world):
    body = _coverage(client_for(admin_user), "bantian")
    assert (body["areas"], body["covered"]) == (4, 4)
    assert body["by_kind"]["garden_estate"] == {"areas": 2, "covered": 2}


def test_coverage_of_a_single_area_is_that_area(client_for, wuhe_staff, world):
    body = _coverage(client_for(wuhe_staff), "jzy")
    assert (body["place"], body["areas"], body["covered"]) == ("jzy", 1, 1)


def test_blank_spots_give_code_name_and_kind(client_for, wuhe_staff, world):
    coverage_end(by=None, coverage=OrgCoverage.objects.get(area=world.estate), on=timezone.localdate())
    body = _coverage(client_for(wuhe_staff), "wuhe")
    assert body["blank_spots"] == [{"code": "jzy", "name": "佳兆业花园", "kind": "garden_estate"}]
    assert body["covered"] == 2
    assert body["coverage_rate"] == pytest.approx(0.6667, abs=1e-4)
    assert body["by_kind"]["garden_estate"] == {"areas": 1, "covered": 0}


def test_coverage_counts_only_residential_kinds(client_for, wuhe_staff, world):
    make_place("industrial_park", world.wuhe, name="五和工业园", code="wuhe-park")
    make_place("building", world.estate, name="佳兆业1栋", code="jzy-1")
    make_place("grid", world.wuhe, name="五和一网格", code="wuhe-grid-1")
    body = _coverage(client_for(wuhe_staff), "wuhe")
    assert body["areas"] == 3
    assert body["blank_spots"] == []
    assert set(body["by_kind"]) == RESIDENTIAL
    assert sum(t["areas"] for t in body["by_kind"].values()) == 3


def test_coverage_counts_a_new_residential_area_under_a_residents_committee(client_for, wuhe_staff, world):
    committee = make_place("residents_committee", world.wuhe, name="五和居委会", code="wuhe-rc")
    make_place("resident_group", committee, name="第一居民小组", code="wuhe-rc-1")
    body = _coverage(client_for(wuhe_staff), "wuhe")
    assert body["areas"] == 5
    assert {s["code"] for s in body["blank_spots"]} == {"wuhe-rc", "wuhe-rc-1"}
    assert body["by_kind"]["residents_committee"] == {"areas": 1, "covered": 0}
    assert body["by_kind"]["resident_group"] == {"areas": 2, "covered": 1}


def test_coverage_excludes_closed_areas(client_for, wuhe_staff, world):
    abandoned = make_place("garden_estate", world.wuhe, name="旧村", code="old-village")
    client = client_for(wuhe_staff)
    assert [s["code"] for s in _coverage(client, "wuhe")["blank_spots"]] == ["old-village"]
    place_close(by=None, place=abandoned, on=timezone.localdate())
    place_close(by=None, place=world.dgk, on=timezone.localdate())
    body = _coverage(client, "wuhe")
    assert body["areas"] == 2
    assert body["blank_spots"] == []
    assert body["by_kind"]["resident_group"] == {"areas": 0, "covered": 0}


def test_an_area_whose_closing_date_is_still_to_come_is_counted_today(client_for, wuhe_staff, world):
    # A closing date may be recorded ahead of time (a demolition next month): until that day the area is
    # open (Place.is_open) and must still be counted and covered.
    place_close(by=None, place=world.dgk, on=timezone.localdate() + datetime.timedelta(days=30))
    assert Place.objects.get(code="dgk").is_open
    body = _coverage(client_for(wuhe_staff), "wuhe")
    assert body["areas"] == 3
    assert body["by_kind"]["resident_group"] == {"areas": 1, "covered": 1}


def test_coverage_of_another_community_is_404(client_for, wuhe_staff, world):
    response = client_for(wuhe_staff).get("/api/v1/places/city-plaza/coverage")
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


def test_coverage_of_an_unknown_place_is_404(client_for, admin_user, world):
    assert client_for(admin_user).get("/api/v1/places/nowhere/coverage").status_code == 404


def test_page_api_and_workbench_agree(client_for, wuhe_staff, world):
    coverage_end(by=None, coverage=OrgCoverage.objects.get(area=world.dgk), on=timezone.localdate())
    client = client_for(wuhe_staff)
    api = _coverage(client, "wuhe")
    report = client.get("/places/wuhe/coverage/").context["report"]
    assert (report.total.areas, report.total.covered, report.total.served) == (
        api["areas"],
        api["covered"],
        api["served"],
    )
    assert [r.code for r in report.blank_spots] == [s["code"] for s in api["blank_spots"]]
    (workbench,) = client.get("/").context["reports"]
    assert workbench.total.covered == api["covered"]


# --- bearer tokens -----------------------------------------------------------------------------------


def test_a_token_from_the_command_works(client, wuhe_staff, world):
    raw = _token_for("t-wuhe")
    response = client.get("/api/v1/places", **_bearer(raw))
    assert response.status_code == 200
    assert {p["code"] for p in response.json()["items"]} == {"wuhe", "dgk", "wuhe-xincun", "jzy"}
    token = ApiToken.objects.get(user=wuhe_staff)
    assert token.last_used_at is not None
    assert raw not in {token.digest, token.prefix}


def test_a_token_carries_its_users_scope(client, wuhe_staff, world):
    raw = _token_for("t-wuhe")
    assert client.get("/api/v1/places/wuhe", **_bearer(raw)).status_code == 200
    assert client.get("/api/v1/places/city-plaza", **_bearer(raw)).status_code == 404
    assert client.get("/api/v1/places/city-plaza/coverage", **_bearer(raw)).status_code == 404


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("header", ["Bearer gz_not-a-real-token", "Bearer ", "Token whatever", "Basic dDp0"])
def test_a_wrong_token_gets_401(client, wuhe_staff, world, header):
    _token_for("t-wuhe")
    response = client.get("/api/v1/places", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_revoked_token_gets_401(client, wuhe_staff, world):
    raw = _token_for("t-wuhe")
    assert client.get("/api/v1/places", **_bearer(raw)).status_code == 200
    ApiToken.objects.filter(user=wuhe_staff).update(revoked_at=timezone.now())
    assert client.get("/api/v1/places", **_bearer(raw)).status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(client, wuhe_staff, world):
    raw = _token_for("t-wuhe")
    wuhe_staff.is_active = False
    wuhe_staff.save()
    assert client.get("/api/v1/places", **_bearer(raw)).status_code == 401


@pytest.fixture
def demo_user(world):
    user = user_create(
        username="demo-wuhe", password="demo-pass-123", display_name="演示", by=None, is_demo=True
    )
    assignment_grant(user=user, role=Role.COMMUNITY_STAFF, place=world.wuhe, by=None)
    return user


def test_a_demo_users_token_is_refused_outside_demo_mode(client, demo_user, settings):
    settings.DEMO_MODE = False
    raw = _token_for("demo-wuhe")
    assert client.get("/api/v1/places", **_bearer(raw)).status_code == 401


def test_a_demo_users_token_works_in_demo_mode(client, demo_user, settings):
    settings.DEMO_MODE = True
    raw = _token_for("demo-wuhe")
    response = client.get("/api/v1/places", **_bearer(raw))
    assert response.status_code == 200
    assert response.json()["count"] == 4


def test_a_demo_user_cannot_sign_in_with_the_password_outside_demo_mode(client, demo_user, settings):
    settings.DEMO_MODE = False
    response = client.post("/accounts/login/", {"username": "demo-wuhe", "password": "demo-pass-123"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/places").status_code == 401


def test_a_demo_user_signs_in_in_demo_mode(client, demo_user, settings):
    settings.DEMO_MODE = True
    response = client.post("/accounts/login/", {"username": "demo-wuhe", "password": "demo-pass-123"})
    assert response.status_code == 302
    assert client.get("/api/v1/places").status_code == 200


# --- list envelopes and paging -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [("/api/v1/places", "code"), ("/api/v1/organizations", "id"), ("/api/v1/service-points", "code")],
)
def test_lists_honour_limit_and_offset(client_for, admin_user, world, url, key):
    client = client_for(admin_user)
    full = client.get(url).json()
    assert set(full) == {"items", "count"}
    assert full["count"] == len(full["items"]) >= 2
    window = client.get(url, {"limit": 1, "offset": 1}).json()
    assert window["count"] == full["count"]
    assert [i[key] for i in window["items"]] == [full["items"][1][key]]
    past_the_end = client.get(url, {"limit": 10, "offset": full["count"]}).json()
    assert past_the_end == {"items": [], "count": full["count"]}


def test_places_list_pages_in_a_stable_order(client_for, admin_user, world):
    client = client_for(admin_user)
    pages = [client.get("/api/v1/places", {"limit": 3, "offset": o}).json()["items"] for o in (0, 3, 6)]
    codes = [p["code"] for page in pages for p in page]
    assert codes == [p["code"] for p in client.get("/api/v1/places").json()["items"]]
    assert len(codes) == len(set(codes)) == 7


def test_places_list_filters_by_kind_and_query(client_for, admin_user, world):
    client = client_for(admin_user)
    estates = client.get("/api/v1/places", {"kind": "garden_estate"}).json()
    assert [p["code"] for p in estates["items"]] == ["jzy", "city-plaza"]
    found = client.get("/api/v1/places", {"q": "csgc"}).json()
    assert [p["code"] for p in found["items"]] == ["city-plaza"]


def test_a_place_answers_its_parent_and_closing_date(client_for, admin_user, world):
    place_close(by=None, place=world.dgk, on=timezone.localdate())
    body = client_for(admin_user).get("/api/v1/places/dgk").json()
    assert body == {
        "code": "dgk",
        "name": "大光勘居民小组",
        "kind": "resident_group",
        "parent": "wuhe",
        "closed_on": timezone.localdate().isoformat(),
    }
    assert client_for(admin_user).get("/api/v1/places/bantian").json()["parent"] is None


def test_organizations_hide_dissolved_unless_asked(client_for, admin_user, world):
    org_dissolve(by=None, org=world.plaza_branch, on=timezone.localdate())
    client = client_for(admin_user)
    ids = {o["id"] for o in client.get("/api/v1/organizations").json()["items"]}
    assert world.plaza_branch.pk not in ids
    everything = client.get("/api/v1/organizations", {"include_dissolved": "true"}).json()["items"]
    dissolved = next(o for o in everything if o["id"] == world.plaza_branch.pk)
    assert dissolved["dissolved_on"] == timezone.localdate().isoformat()


def test_an_organization_answers_its_parent_and_place(client_for, wuhe_staff, world):
    body = client_for(wuhe_staff).get(f"/api/v1/organizations/{world.dgk_branch.pk}").json()
    assert body["id"] == world.dgk_branch.pk
    assert body["place"] == "dgk"
    assert body["parent"] == world.wuhe_committee.pk
    assert body["established_on"] == "2018-09-01"


def test_an_unknown_organization_is_404(client_for, admin_user, world):
    assert client_for(admin_user).get("/api/v1/organizations/999999").status_code == 404


# --- OpenAPI -----------------------------------------------------------------------------------------


def test_openapi_describes_the_api(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/places/{code}/coverage" in paths
    assert "/api/v1/organizations/{org_id}/history" in paths
    assert "get" in paths["/api/v1/places/{code}/coverage"]

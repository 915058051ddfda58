"""Who sees and changes what: roles × URLs over pages, the API and the coverage export.

Outside a user's view scope a record does not exist for them (404); inside it, an action their role does
not grant is forbidden (403). Anonymous visitors are sent to the sign-in page, or get 401 from the API.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.party.models import OrgCoverage, PartyOrg
from gongzhi.party.services import org_rename
from gongzhi.territory.models import Place, ServicePoint
from tests.factories import make_org, make_place, make_point


def _ids(world) -> dict[str, int]:
    """The values the URL templates below are filled with."""
    coverage = {c.area_id: c.pk for c in OrgCoverage.objects.filter(until__isnull=True)}
    return {
        "xjt": world.xjt.pk,
        "dgk": world.dgk.pk,
        "wuhe_committee": world.wuhe_committee.pk,
        "xjt_committee": world.xjt_committee.pk,
        "dgk_branch": world.dgk_branch.pk,
        "estate_branch": world.estate_branch.pk,
        "plaza_branch": world.plaza_branch.pk,
        "dgk_cov": coverage[world.dgk.pk],
        "estate_cov": coverage[world.estate.pk],
        "plaza_cov": coverage[world.plaza.pk],
    }


def _fill(template: str, world) -> str:
    return template.format(**_ids(world))


def _fill_data(data: dict, world) -> dict:
    ids = _ids(world)
    filled = {}
    for key, value in data.items():
        if isinstance(value, list):
            filled[key] = [v.format(**ids) for v in value]
        else:
            filled[key] = value.format(**ids)
    return filled


# Reads of things in 五和 (wuhe): pages, export and API.
WUHE_READS = [
    "/places/wuhe/",
    "/places/jzy/",
    "/places/wuhe/coverage/",
    "/places/wuhe/coverage.xlsx",
    "/party/orgs/{dgk_branch}/",
    "/party/orgs/{wuhe_committee}/",
    "/service-points/wuhe-centre/",
    "/api/v1/places/wuhe",
    "/api/v1/places/jzy",
    "/api/v1/places/wuhe/coverage",
    "/api/v1/places?parent=wuhe",
    "/api/v1/organizations/{dgk_branch}",
    "/api/v1/organizations/{dgk_branch}/history",
    "/api/v1/organizations?place=wuhe",
    "/api/v1/service-points?place=wuhe",
]

# The same reads of things in 象角塘 (xiangjiaotang).
XJT_READS = [
    "/places/xiangjiaotang/",
    "/places/city-plaza/",
    "/places/xiangjiaotang/coverage/",
    "/places/xiangjiaotang/coverage.xlsx",
    "/party/orgs/{plaza_branch}/",
    "/party/orgs/{xjt_committee}/",
    "/service-points/xjt-centre/",
    "/api/v1/places/xiangjiaotang",
    "/api/v1/places/city-plaza",
    "/api/v1/places/city-plaza/coverage",
    "/api/v1/places?parent=xiangjiaotang",
    "/api/v1/organizations/{plaza_branch}",
    "/api/v1/organizations/{plaza_branch}/history",
    "/api/v1/organizations?place=xiangjiaotang",
    "/api/v1/service-points?place=xiangjiaotang",
]

# Pages listing the registers: for staff only.
STAFF_LISTS = ["/places/", "/places/?q=dgk", "/party/orgs/", "/service-points/"]

# Every change URL, as (method, url, data). The POST data is valid: a subdistrict admin's request succeeds.
CHANGES = [
    ("get", "/places/wuhe/new/", None),
    ("post", "/places/wuhe/new/", {"code": "vanke", "name": "万科城", "kind": "garden_estate"}),
    ("get", "/places/wuhe/edit/", None),
    ("post", "/places/wuhe/edit/", {"name": "五和社区（新）", "address": "", "note": ""}),
    ("get", "/places/jzy/move/", None),
    ("post", "/places/jzy/move/", {"new_parent": "{xjt}"}),
    ("get", "/places/dgk/close/", None),
    ("post", "/places/dgk/close/", {"on": timezone.localdate().isoformat()}),
    ("get", "/places/wuhe/new-service-point/", None),
    ("post", "/places/wuhe/new-service-point/", {"code": "wuhe-2", "name": "五和第二站", "kind": "station"}),
    ("get", "/service-points/wuhe-centre/edit/", None),
    ("post", "/service-points/wuhe-centre/edit/", {"name": "五和中心", "kind": "community_centre"}),
    ("get", "/service-points/wuhe-centre/areas/", None),
    ("post", "/service-points/wuhe-centre/areas/", {"areas": ["{dgk}"]}),
    ("post", "/service-points/wuhe-centre/close/", {"on": timezone.localdate().isoformat()}),
    ("get", "/party/orgs/{dgk_branch}/rename/", None),
    (
        "post",
        "/party/orgs/{dgk_branch}/rename/",
        {"name": "大光勘党支部", "on": timezone.localdate().isoformat(), "note": ""},
    ),
    ("get", "/party/orgs/{dgk_branch}/dissolve/", None),
    ("post", "/party/orgs/{dgk_branch}/dissolve/", {"on": timezone.localdate().isoformat(), "note": "撤销"}),
    ("post", "/party/coverage/{dgk_cov}/end/", {}),
    ("get", "/party/orgs/new/", None),
    (
        "post",
        "/party/orgs/new/",
        {
            "code": "new-branch",
            "name": "新党支部",
            "kind": "branch",
            "place": "dgk",
            "parent": "{wuhe_committee}",
            "areas": "dgk",
            "on": timezone.localdate().isoformat(),
            "note": "",
        },
    ),
    ("get", "/party/coverage/new/?area=dgk", None),
    (
        "post",
        "/party/coverage/new/",
        {"area": "dgk", "org": "{wuhe_committee}", "since": timezone.localdate().isoformat()},
    ),
]


def _request(client, method: str, url: str, data: dict | None, world):
    url = _fill(url, world)
    if method == "get":
        return client.get(url)
    return client.post(url, _fill_data(data or {}, world))


# --- staff of one community ------------------------------------------------------------------------


@pytest.mark.parametrize("url", WUHE_READS)
def test_community_staff_read_their_own_community(client_for, wuhe_staff, world, url):
    response = client_for(wuhe_staff).get(_fill(url, world))
    assert response.status_code == 200


@pytest.mark.parametrize("url", XJT_READS)
def test_community_staff_get_404_for_another_community(client_for, wuhe_staff, world, url):
    response = client_for(wuhe_staff).get(_fill(url, world))
    assert response.status_code == 404


@pytest.mark.parametrize("url", XJT_READS)
def test_outsider_reads_their_own_community(client_for, outsider, world, url):
    response = client_for(outsider).get(_fill(url, world))
    assert response.status_code == 200


@pytest.mark.parametrize("url", WUHE_READS)
def test_outsider_gets_404_for_wuhe(client_for, outsider, world, url):
    response = client_for(outsider).get(_fill(url, world))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/places/city-plaza/edit/",
        "/places/xiangjiaotang/new/",
        "/service-points/xjt-centre/edit/",
        "/party/orgs/{plaza_branch}/rename/",
        "/party/orgs/{plaza_branch}/dissolve/",
    ],
)
def test_change_pages_of_another_community_do_not_exist_for_staff(client_for, wuhe_staff, world, url):
    assert client_for(wuhe_staff).get(_fill(url, world)).status_code == 404


def test_ending_coverage_in_another_community_is_404_and_changes_nothing(client_for, wuhe_staff, world):
    coverage = OrgCoverage.objects.get(area=world.plaza)
    response = client_for(wuhe_staff).post(f"/party/coverage/{coverage.pk}/end/")
    assert response.status_code == 404
    coverage.refresh_from_db()
    assert coverage.until is None


# --- residents -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*STAFF_LISTS, "/audit/"])
def test_residents_are_refused_the_staff_lists(client_for, resident, url):
    assert client_for(resident).get(url).status_code == 403


@pytest.mark.parametrize("url", WUHE_READS + XJT_READS)
def test_residents_get_404_for_every_record(client_for, resident, world, url):
    # Even their own estate (city-plaza) is not readable through the registers.
    assert client_for(resident).get(_fill(url, world)).status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/places", "/api/v1/organizations", "/api/v1/service-points"])
def test_residents_list_nothing_through_the_api(client_for, resident, url):
    response = client_for(resident).get(url)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_residents_land_on_the_phone_portal(client_for, resident):
    response = client_for(resident).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/m/"


# --- the auditor: reads everything, changes nothing -----------------------------------------------


@pytest.mark.parametrize(
    "url", [*WUHE_READS, *XJT_READS, *STAFF_LISTS, "/audit/", "/places/bantian/coverage/"]
)
def test_auditor_reads_everything(client_for, auditor, world, url):
    assert client_for(auditor).get(_fill(url, world)).status_code == 200


@pytest.mark.parametrize(("method", "url", "data"), CHANGES)
def test_auditor_is_forbidden_every_change(client_for, auditor, world, method, url, data):
    events = AuditEvent.objects.count()
    response = _request(client_for(auditor), method, url, data, world)
    assert response.status_code == 403
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("method", "url", "data"), CHANGES)
def test_subdistrict_admin_may_make_every_change(client_for, admin_user, world, method, url, data):
    """The control for the auditor's refusals: the very same requests succeed for an administrator."""
    events = AuditEvent.objects.count()
    response = _request(client_for(admin_user), method, url, data, world)
    if method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert AuditEvent.objects.count() > events


def test_auditor_change_posts_leave_records_untouched(client_for, auditor, world):
    client = client_for(auditor)
    client.post("/places/wuhe/edit/", {"name": "改掉", "address": "", "note": ""})
    client.post(
        f"/party/orgs/{world.dgk_branch.pk}/dissolve/", {"on": timezone.localdate().isoformat(), "note": "x"}
    )
    client.post("/service-points/wuhe-centre/close/", {"on": timezone.localdate().isoformat()})
    assert Place.objects.get(code="wuhe").name == "五和社区"
    assert PartyOrg.objects.get(pk=world.dgk_branch.pk).dissolved_on is None
    assert ServicePoint.objects.get(code="wuhe-centre").closed_on is None


# --- a branch secretary and a grid worker -----------------------------------------------------------


def test_secretary_can_change_their_own_area(client_for, secretary, world):
    client = client_for(secretary)
    assert client.get("/places/dgk/edit/").status_code == 200
    assert client.get(f"/party/orgs/{world.dgk_branch.pk}/rename/").status_code == 200
    response = client.post("/places/dgk/edit/", {"name": "大光勘", "address": "", "note": ""})
    assert response.status_code == 302
    assert Place.objects.get(code="dgk").name == "大光勘"
    response = client.post(
        f"/party/orgs/{world.dgk_branch.pk}/rename/",
        {"name": "大光勘党支部", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert PartyOrg.objects.get(pk=world.dgk_branch.pk).name == "大光勘党支部"


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/places/jzy/", None),
        ("get", "/places/jzy/edit/", None),
        ("post", "/places/jzy/edit/", {"name": "改掉", "address": "", "note": ""}),
        ("get", "/party/orgs/{estate_branch}/rename/", None),
        (
            "post",
            "/party/orgs/{estate_branch}/rename/",
            {"name": "改掉", "on": timezone.localdate().isoformat()},
        ),
        ("post", "/party/coverage/{estate_cov}/end/", {}),
        ("get", "/places/wuhe/edit/", None),
    ],
)
def test_secretary_cannot_change_a_neighbouring_estate(client_for, secretary, world, method, url, data):
    events = AuditEvent.objects.count()
    response = _request(client_for(secretary), method, url, data, world)
    assert response.status_code == 404
    assert AuditEvent.objects.count() == events
    assert Place.objects.get(code="jzy").name == "佳兆业花园"


def test_grid_worker_reads_but_cannot_change_their_area(client_for, grid_worker, world):
    client = client_for(grid_worker)
    assert client.get("/places/wuhe-xincun/").status_code == 200
    assert client.get("/places/wuhe-xincun/edit/").status_code == 403
    assert client.post("/places/wuhe-xincun/edit/", {"name": "改掉"}).status_code == 403
    assert client.get(f"/party/orgs/{world.xincun_branch.pk}/rename/").status_code == 403
    assert client.get("/places/dgk/").status_code == 404
    assert Place.objects.get(code="wuhe-xincun").name == "五和新村"


# --- anonymous visitors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/places/",
        "/places/wuhe/",
        "/places/wuhe/coverage/",
        "/places/wuhe/coverage.xlsx",
        "/places/wuhe/edit/",
        "/party/orgs/",
        "/party/orgs/{dgk_branch}/",
        "/party/orgs/new/",
        "/service-points/",
        "/service-points/wuhe-centre/",
        "/audit/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, url):
    url = _fill(url, world)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "next=" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/places",
        "/api/v1/places/wuhe",
        "/api/v1/places/wuhe/coverage",
        "/api/v1/organizations",
        "/api/v1/organizations/{dgk_branch}",
        "/api/v1/organizations/{dgk_branch}/history",
        "/api/v1/service-points",
    ],
)
def test_anonymous_api_calls_get_401(client, world, url):
    response = client.get(_fill(url, world))
    assert response.status_code == 401
    assert "wuhe" not in response.content.decode()


# --- list filtering -------------------------------------------------------------------------------


def test_api_places_under_a_parent_outside_scope_is_404(client_for, wuhe_staff, world):
    response = client_for(wuhe_staff).get("/api/v1/places?parent=bantian")
    assert response.status_code == 404


def test_api_places_under_wuhe_are_its_three_areas(client_for, wuhe_staff, world):
    response = client_for(wuhe_staff).get("/api/v1/places?parent=wuhe")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [{k: p[k] for k in ("code", "name", "kind")} for p in body["items"]] == [
        {"code": "dgk", "name": "大光勘居民小组", "kind": "resident_group"},
        {"code": "wuhe-xincun", "name": "五和新村", "kind": "independent_area"},
        {"code": "jzy", "name": "佳兆业花园", "kind": "garden_estate"},
    ]


def test_api_organizations_of_wuhe_lists_only_wuhe_orgs(client_for, wuhe_staff, world):
    response = client_for(wuhe_staff).get("/api/v1/organizations?place=wuhe")
    assert response.status_code == 200
    body = response.json()
    got = {(o["id"], o["name"], o["kind"], o["place"]) for o in body["items"]}
    assert got == {
        (world.wuhe_committee.pk, "五和社区党委", "community_committee", "wuhe"),
        (world.dgk_branch.pk, "大光勘居民小组党支部", "branch", "dgk"),
        (world.xincun_branch.pk, "五和新村党支部", "branch", "wuhe-xincun"),
        (world.estate_branch.pk, "佳兆业花园党支部", "branch", "jzy"),
    }
    assert body["count"] == 4


@pytest.mark.parametrize(
    ("url", "key", "expected"),
    [
        ("/api/v1/places", "code", {"wuhe", "dgk", "wuhe-xincun", "jzy"}),
        ("/api/v1/service-points", "code", {"wuhe-centre"}),
        (
            "/api/v1/organizations",
            "name",
            {"五和社区党委", "大光勘居民小组党支部", "五和新村党支部", "佳兆业花园党支部"},
        ),
    ],
)
def test_api_lists_hold_only_the_callers_places(client_for, wuhe_staff, world, url, key, expected):
    body = client_for(wuhe_staff).get(url).json()
    assert {item[key] for item in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        ("/places/?q=花园", "佳兆业花园", "城市广场"),
        ("/places/?kind=garden_estate", "佳兆业花园", "城市广场"),
        ("/party/orgs/", "大光勘居民小组党支部", "城市广场党支部"),
        ("/service-points/", "五和社区党群服务站", "象角塘社区党群服务站"),
    ],
)
def test_list_pages_show_only_the_users_places(client_for, wuhe_staff, world, url, shown, hidden):
    response = client_for(wuhe_staff).get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert shown in content
    assert hidden not in content


@pytest.mark.parametrize(
    "url",
    [
        "/places/bantian/",
        "/places/bantian/coverage/",
        "/api/v1/places/bantian",
        "/api/v1/places/bantian/coverage",
    ],
)
def test_the_subdistrict_above_is_outside_community_staffs_scope(client_for, wuhe_staff, world, url):
    assert client_for(wuhe_staff).get(url).status_code == 404


def test_change_forms_offer_only_choices_inside_the_users_places(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    parents = client.get("/party/orgs/new/").context["form"].fields["parent"].queryset
    assert set(parents.values_list("place__code", flat=True)) == {"wuhe", "dgk", "wuhe-xincun", "jzy"}
    new_parents = client.get("/places/jzy/move/").context["form"].fields["new_parent"].queryset
    assert "xiangjiaotang" not in set(new_parents.values_list("code", flat=True))
    orgs = client.get("/party/coverage/new/?area=dgk").context["form"].fields["org"].queryset
    assert world.plaza_branch not in orgs
    assert world.xjt_committee not in orgs


def test_place_list_offers_the_users_top_places(client_for, wuhe_staff, outsider, world):
    assert [p.code for p in client_for(wuhe_staff).get("/places/").context["roots"]] == ["wuhe"]
    assert [p.code for p in client_for(outsider).get("/places/").context["roots"]] == ["xiangjiaotang"]


def test_withdrawn_role_no_longer_grants_access(client_for, wuhe_staff, world):
    wuhe_staff.assignments.update(active=False)
    client = client_for(wuhe_staff)
    assert client.get("/places/wuhe/").status_code == 404
    assert client.get("/places/").status_code == 403


# --- query counts: lists do not grow with the number of rows ---------------------------------------


def _grow(world, n: int) -> None:
    """Add `n` garden estates to 五和, each with a branch covering it, a station serving it, and history."""
    for _ in range(n):
        estate = make_place("garden_estate", world.wuhe)
        make_point(world.wuhe, [estate])
        make_org("branch", estate, world.wuhe_committee, [estate])
        org_rename(
            by=None, org=world.dgk_branch, name=f"大光勘党支部{estate.pk}", on=datetime.date(2020, 1, 1)
        )


LIST_URLS = [
    "/places/?q=garden",
    "/places/wuhe/",
    "/party/orgs/",
    "/service-points/",
    "/audit/",
    "/places/bantian/coverage/",
    "/api/v1/places",
    "/api/v1/organizations",
    "/api/v1/service-points",
    "/api/v1/organizations/{dgk_branch}/history",
]
QUERY_CEILING = 12  # measured: 10 at most (the place page), 5 for the lightest API list


def _rows(response) -> int:
    """How many rows the response lists: proof the measured request really saw the extra rows."""
    if response["Content-Type"].startswith("application/json"):
        return len(json.loads(response.content)["items"])
    context = response.context
    if "report" in context:
        return len(context["report"].rows)
    return len(list(context["page_obj"]))


def _measure(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm up anything cached per process
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), _rows(response)


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_queries_do_not_grow_with_rows(client_for, admin_user, world, settings, url):
    settings.PAGE_SIZE = 1000  # every row on one page, so every row is rendered
    client = client_for(admin_user)
    url = _fill(url, world)
    _grow(world, 4)
    small, small_rows = _measure(client, url)
    _grow(world, 8)
    large, large_rows = _measure(client, url)
    assert large_rows > small_rows
    assert large == small
    assert large <= QUERY_CEILING

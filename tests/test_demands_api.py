"""The demands API at /api/v1/demands: submit, read, list, and the statistics contract, scoped per user."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.demands import services
from gongzhi.demands.models import Category, CategoryAttribute, Demand, DemandEvent

URL = "/api/v1/demands"
STATS_KEYS = {"total", "resolved", "resolved_locally", "on_time", "satisfaction", "by_category"}


@pytest.fixture
def noise(world) -> Category:
    category = Category.objects.create(code="noise", name="噪音扰民", limit_days=5, order=1)
    CategoryAttribute.objects.create(
        category=category,
        code="time",
        datatype="singlevaluelist",
        required=True,
        description="什么时候有噪音？",
        values=[{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
    )
    return category


@pytest.fixture
def lamp(world) -> Category:
    return Category.objects.create(code="streetlight", name="路灯不亮", limit_days=3, order=2)


def _post(client, body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json")


def _submit(place, category, *, by=None, channel="phone", at=None, description="路灯坏了", **extra) -> Demand:
    return services.demand_submit(
        by=by, channel=channel, category=category, place=place, description=description, at=at, **extra
    )


def _valid(**extra) -> dict:
    return {
        "place": "wuhe-xincun",
        "category": "noise",
        "description": "楼下噪音扰民，晚上十点后仍在施工",
        "contact_name": "王小明",
        "contact_phone": "13800138000",
        "address": "五和新村12栋",
        "lat": 22.651234,
        "long": 114.061234,
        "attributes": {"time": "night"},
        **extra,
    }


def _nothing_saved(before_audit: int) -> None:
    assert not Demand.objects.exists()
    assert not DemandEvent.objects.exists()
    assert AuditEvent.objects.count() == before_audit


# --- submitting ----------------------------------------------------------------------------------------


def test_staff_submit_a_demand_and_get_201_with_it(client_for, wuhe_staff, noise):
    response = _post(client_for(wuhe_staff), _valid())
    assert response.status_code == 201
    body = response.json()
    demand = Demand.objects.get()
    assert (body["id"], body["number"]) == (demand.pk, demand.number)
    assert body["number"].startswith("SQ")
    assert (body["channel"], body["status"], body["level"]) == ("api", "submitted", "station")
    assert (body["category"], body["place"], body["area"], body["station"]) == (
        "noise",
        "wuhe-xincun",
        "wuhe-xincun",
        "wuhe-centre",
    )
    assert body["description"] == "楼下噪音扰民，晚上十点后仍在施工"
    assert body["contact_phone"] == "138****8000"
    assert body["attributes"] == {"time": "night"}
    assert (body["lat"], body["long"]) == (22.651234, 114.061234)
    assert demand.contact_phone == "13800138000" and demand.channel == "api"
    event = demand.events.get()
    assert (event.kind, event.actor) == ("submitted", wuhe_staff)


def test_a_machine_client_submits_with_only_a_bearer_token(wuhe_staff, noise):
    """No session and no CSRF cookie: the token alone must do (the session check must not refuse it)."""
    from django.test import Client

    from gongzhi.accounts.services import api_token_create

    _token, raw = api_token_create(user=wuhe_staff, name="hotline", by=None)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        URL, data=json.dumps(_valid()), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 201, response.content
    assert Demand.objects.get().channel == "api"


def test_a_grid_worker_reports_where_they_can_see_but_not_elsewhere(client_for, grid_worker, noise):
    client = client_for(grid_worker)
    assert _post(client, _valid()).status_code == 201
    before = AuditEvent.objects.count()
    response = _post(client, _valid(place="jzy"))
    assert response.status_code == 400
    assert set(response.json()["detail"]) == {"place"}
    assert Demand.objects.count() == 1 and AuditEvent.objects.count() == before


def test_an_outsider_place_is_unknown_and_residents_report_through_the_portal(
    client_for, outsider, resident, noise
):
    before = AuditEvent.objects.count()
    response = _post(client_for(outsider), _valid())
    assert response.status_code == 400
    assert set(response.json()["detail"]) == {"place"}
    response = _post(client_for(resident), _valid(place="city-plaza"))
    assert response.status_code == 400
    assert set(response.json()["detail"]) == {"place"}
    _nothing_saved(before)


def test_anonymous_callers_are_refused(client, world, noise):
    assert _post(client, _valid()).status_code == 401
    assert client.get(URL).status_code == 401
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"description": ""}, {"description"}),
        ({"description": "吵" * 4001}, {"description"}),
        ({"category": "potholes"}, {"category"}),
        ({"place": "nowhere", "category": "nothing"}, {"place", "category"}),
        ({"contact_phone": "12345"}, {"contact_phone"}),
        ({"attributes": {}}, {"attributes"}),
        ({"attributes": {"time": "noon"}}, {"attributes"}),
        ({"lat": 95.0}, {"lat"}),
        ({"long": None}, {"lat"}),
        ({"lat": "north"}, {"lat"}),
        ({"contact_name": "名" * 51}, {"contact_name"}),
    ],
)
def test_bad_input_is_400_with_field_messages_and_nothing_saved(
    client_for, wuhe_staff, noise, change, fields
):
    before = AuditEvent.objects.count()
    response = _post(client_for(wuhe_staff), _valid(**change))
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert set(detail) == fields
    assert all(isinstance(m, str) and m for messages in detail.values() for m in messages)
    _nothing_saved(before)


@pytest.mark.parametrize("body", ["", "not json", "[]", '{"place": "wuhe-xincun"}'])
def test_a_body_that_is_not_a_demand_is_400(client_for, wuhe_staff, noise, body):
    before = AuditEvent.objects.count()
    response = _post(client_for(wuhe_staff), body)
    assert response.status_code == 400
    assert response.json()["detail"]
    _nothing_saved(before)


def test_missing_fields_are_named(client_for, wuhe_staff, noise):
    response = _post(client_for(wuhe_staff), {"place": "wuhe-xincun"})
    assert set(response.json()["detail"]) == {"category", "description"}


# --- reading -------------------------------------------------------------------------------------------


def test_read_one_with_the_phone_masked(client_for, wuhe_staff, world, noise):
    demand = _submit(world.estate, noise, contact_phone="13912345678", attributes={"time": "day"})
    response = client_for(wuhe_staff).get(f"{URL}/{demand.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["number"], body["place"]) == (demand.pk, demand.number, "jzy")
    assert body["contact_phone"] == "139****5678"
    assert "13912345678" not in response.content.decode()


def test_staff_of_another_community_get_404(client_for, wuhe_staff, world, lamp):
    plaza_demand = _submit(world.plaza, lamp)
    assert client_for(wuhe_staff).get(f"{URL}/{plaza_demand.pk}").status_code == 404
    assert client_for(wuhe_staff).get(f"{URL}/999999").status_code == 404


def test_a_resident_sees_only_their_own_demands(client_for, resident, world, lamp):
    own = _submit(world.plaza, lamp, by=resident, channel="portal")
    other = _submit(world.plaza, lamp)
    client = client_for(resident)
    assert client.get(f"{URL}/{own.pk}").status_code == 200
    assert client.get(f"{URL}/{other.pk}").status_code == 404
    body = client.get(URL).json()
    assert body["count"] == 1 and [d["id"] for d in body["items"]] == [own.pk]


def test_the_list_pages_and_counts(client_for, wuhe_staff, world, lamp):
    made = [_submit(world.dgk, lamp) for _ in range(5)]
    _submit(world.plaza, lamp)  # not in 五和
    client = client_for(wuhe_staff)
    body = client.get(URL, {"limit": 2, "offset": 1}).json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 5
    assert [d["id"] for d in body["items"]] == [made[3].pk, made[2].pk]  # newest first


def test_the_list_filters(client_for, admin_user, world, noise, lamp):
    fixed = _submit(world.dgk, lamp)
    services.demand_resolve(by=admin_user, demand=fixed, reply="已修好")
    noisy = _submit(world.estate, noise, attributes={"time": "day"})
    far = _submit(world.plaza, lamp)
    client = client_for(admin_user)

    def ids(**query) -> list[int]:
        return [d["id"] for d in client.get(URL, query).json()["items"]]

    assert ids() == [far.pk, noisy.pk, fixed.pk]
    assert ids(place="wuhe") == [noisy.pk, fixed.pk]
    assert ids(place="jzy") == [noisy.pk]
    assert ids(status="open") == [far.pk, noisy.pk]
    assert ids(status="resolved") == [fixed.pk]
    assert ids(status="resolved,submitted") == [far.pk, noisy.pk, fixed.pk]
    assert ids(category="noise") == [noisy.pk]
    assert client.get(URL, {"status": "pending"}).status_code == 400


def test_the_list_filter_by_an_unseen_place_is_404(client_for, wuhe_staff, world):
    assert client_for(wuhe_staff).get(URL, {"place": "city-plaza"}).status_code == 404


def test_the_list_costs_the_same_queries_at_n_and_3n(client_for, wuhe_staff, world, noise, lamp):
    client = client_for(wuhe_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    def add(n: int) -> None:
        for i in range(n):
            place = (world.dgk, world.xincun, world.estate)[i % 3]
            _submit(place, noise, contact_phone="13800138000", attributes={"time": "day"})
            _submit(place, lamp)

    add(2)
    few, count = queries()
    assert count == 4
    add(4)
    many, count = queries()
    assert count == 12
    assert many == few


# --- statistics ----------------------------------------------------------------------------------------


@pytest.fixture
def history(admin_user, world, noise, lamp) -> dict:
    """Demands in 五和 and one in 象角塘, in every outcome the statistics count."""
    answers = {"attributes": {"time": "night"}}
    satisfied = _submit(world.xincun, noise, **answers)
    services.demand_resolve(by=admin_user, demand=satisfied, reply="已处理")
    services.demand_rate(by=None, demand=satisfied, rating="satisfied")
    basic = _submit(world.xincun, noise, **answers)
    services.demand_resolve(by=admin_user, demand=basic, reply="已处理")
    services.demand_rate(by=None, demand=basic, rating="basic")
    # Escalated, resolved at the community, then rated dissatisfied: reopened, so no longer resolved.
    reopened = _submit(world.xincun, noise, **answers)
    services.demand_escalate(by=admin_user, demand=reopened, reason="需要社区协调")
    services.demand_resolve(by=admin_user, demand=reopened, reply="已协调")
    services.demand_rate(by=None, demand=reopened, rating="dissatisfied")
    # Submitted thirty days ago and resolved today: resolved at the station, but late.
    late = _submit(world.xincun, lamp, at=timezone.now() - datetime.timedelta(days=30))
    services.demand_resolve(by=admin_user, demand=late, reply="已更换")
    # Escalated and resolved at the community: resolved on time, not locally.
    escalated = _submit(world.estate, lamp)
    services.demand_escalate(by=admin_user, demand=escalated, reason="需要社区协调")
    services.demand_resolve(by=admin_user, demand=escalated, reply="社区已处理")
    _submit(world.estate, noise, **answers)  # still open
    elsewhere = _submit(world.plaza, noise, **answers)
    services.demand_resolve(by=admin_user, demand=elsewhere, reply="已处理")
    return {"late_day": timezone.localdate(late.created_at)}


def _stats(client, **query) -> dict:
    response = client.get(f"{URL}/stats", query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == STATS_KEYS
    assert set(body["satisfaction"]) == {"satisfied", "basic", "dissatisfied"}
    return body


def test_the_stats_contract_for_a_community(client_for, wuhe_staff, history):
    assert _stats(client_for(wuhe_staff), place="wuhe") == {
        "total": 6,
        "resolved": 4,
        "resolved_locally": 3,
        "on_time": 3,
        "satisfaction": {"satisfied": 1, "basic": 1, "dissatisfied": 1},
        "by_category": {"noise": 4, "streetlight": 2},
    }


def test_the_stats_of_a_window_and_of_the_subdistrict(client_for, admin_user, history):
    client = client_for(admin_user)
    today = timezone.localdate().isoformat()
    assert _stats(client, place="wuhe", since=today, until=today) == {
        "total": 5,
        "resolved": 3,
        "resolved_locally": 2,
        "on_time": 3,
        "satisfaction": {"satisfied": 1, "basic": 1, "dissatisfied": 1},
        "by_category": {"noise": 4, "streetlight": 1},
    }
    until = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert _stats(client, place="wuhe", until=until) == {
        "total": 1,
        "resolved": 1,
        "resolved_locally": 1,
        "on_time": 0,
        "satisfaction": {"satisfied": 0, "basic": 0, "dissatisfied": 0},
        "by_category": {"streetlight": 1},
    }
    whole = _stats(client, place="bantian")
    assert (whole["total"], whole["resolved"], whole["by_category"]) == (
        7,
        5,
        {"noise": 5, "streetlight": 2},
    )
    assert _stats(client, place="jzy")["total"] == 2
    empty = _stats(client, place="wuhe", since="2000-01-01", until="2000-12-31")
    assert empty == {
        "total": 0,
        "resolved": 0,
        "resolved_locally": 0,
        "on_time": 0,
        "satisfaction": {"satisfied": 0, "basic": 0, "dissatisfied": 0},
        "by_category": {},
    }


def test_stats_need_a_place_the_caller_can_see(client_for, wuhe_staff, resident, history):
    client = client_for(wuhe_staff)
    assert client.get(f"{URL}/stats", {"place": "xiangjiaotang"}).status_code == 404
    assert client.get(f"{URL}/stats", {"place": "nowhere"}).status_code == 404
    assert client.get(f"{URL}/stats").status_code == 400
    assert client.get(f"{URL}/stats", {"place": "wuhe", "since": "last week"}).status_code == 400
    assert (
        client.get(
            f"{URL}/stats", {"place": "wuhe", "since": "2026-02-01", "until": "2026-01-01"}
        ).status_code
        == 400
    )
    assert client_for(resident).get(f"{URL}/stats", {"place": "city-plaza"}).status_code == 404

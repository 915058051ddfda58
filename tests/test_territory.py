"""Places and service points: creating, moving, closing and searching places; which point serves which area."""

from __future__ import annotations

import datetime
import html
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.core.models import AuditEvent
from gongzhi.party.coverage import coverage_report
from gongzhi.party.models import OrgCoverage
from gongzhi.territory import services
from gongzhi.territory.models import Place, ServiceArea, ServicePoint
from tests.factories import make_place, make_point


def _coverage(client, code: str) -> dict:
    response = client.get(f"/api/v1/places/{code}/coverage")
    assert response.status_code == 200
    return response.json()


def _page_text(response) -> str:
    return html.unescape(response.content.decode())


# --- creating places -------------------------------------------------------------------------------


def test_creating_a_place_adds_it_under_its_parent(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    response = client.post(
        "/places/wuhe/new/",
        {"code": "vanke", "name": " 万科城 ", "kind": "garden_estate", "address": "五和大道1号"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/places/vanke/"
    place = Place.objects.get(code="vanke")
    assert (place.name, place.kind, place.parent, place.address) == (
        "万科城",
        "garden_estate",
        world.wuhe,
        "五和大道1号",
    )
    assert place.path == f"{world.wuhe.path}{place.pk}/"
    assert place.depth == world.wuhe.depth + 1
    assert "万科城" in client.get("/places/vanke/").content.decode()
    assert "万科城" in client.get("/places/wuhe/").content.decode()


def test_creating_a_place_is_audited_with_the_acting_user(client_for, wuhe_staff, world):
    client_for(wuhe_staff).post(
        "/places/wuhe/new/", {"code": "vanke", "name": "万科城", "kind": "garden_estate"}
    )
    place = Place.objects.get(code="vanke")
    event = AuditEvent.objects.get(target_type="territory.place", target_id=str(place.pk))
    assert event.action == "create"
    assert event.actor == wuhe_staff
    assert event.actor_name == "t-wuhe"
    assert event.place_path == place.path
    assert event.changes["name"] == [None, "万科城"]
    assert event.changes["code"] == [None, "vanke"]


def test_a_new_uncovered_area_is_a_blank_spot(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    client.post("/places/wuhe/new/", {"code": "vanke", "name": "万科城", "kind": "garden_estate"})
    coverage = _coverage(client, "wuhe")
    assert coverage["areas"] == 4
    assert coverage["blank_spots"] == [{"code": "vanke", "name": "万科城", "kind": "garden_estate"}]


def _form_messages(response) -> list[str]:
    return [message for errors in response.context["form"].errors.values() for message in errors]


@pytest.mark.parametrize(
    ("parent", "data"),
    [
        ("wuhe", {"code": "vanke", "name": "", "kind": "garden_estate"}),
        ("wuhe", {"code": "vanke", "name": "   ", "kind": "garden_estate"}),
        ("wuhe", {"code": "dgk", "name": "重复的编码", "kind": "garden_estate"}),
        ("wuhe", {"code": "Vanke City", "name": "万科城", "kind": "garden_estate"}),
        ("wuhe", {"code": "", "name": "万科城", "kind": "garden_estate"}),
        ("jzy", {"code": "new-community", "name": "新社区", "kind": "community"}),
        ("wuhe", {"code": "new-community", "name": "新社区", "kind": "community"}),
        ("dgk", {"code": "new-estate", "name": "新小区", "kind": "garden_estate"}),
        ("wuhe", {"code": "vanke", "name": "万科城", "kind": "castle"}),
    ],
)
def test_bad_input_for_a_new_place_is_refused_and_saves_nothing(client_for, wuhe_staff, world, parent, data):
    places, events = Place.objects.count(), AuditEvent.objects.count()
    response = client_for(wuhe_staff).post(f"/places/{parent}/new/", data)
    assert response.status_code == 400
    messages = _form_messages(response)
    assert messages and all(m.strip() for m in messages)
    content = response.content.decode()
    assert all(html.escape(m) in content for m in messages)
    assert Place.objects.count() == places
    assert AuditEvent.objects.count() == events


def test_the_service_refuses_a_community_under_a_garden_estate(admin_user, world):
    places, events = Place.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.place_create(by=admin_user, code="c2", name="社区", kind="community", parent=world.estate)
    assert "parent" in exc.value.message_dict
    assert (Place.objects.count(), AuditEvent.objects.count()) == (places, events)


def test_the_service_refuses_a_duplicate_code(admin_user, world):
    places = Place.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.place_create(
            by=admin_user, code="jzy", name="另一个", kind="garden_estate", parent=world.xjt
        )
    assert "code" in exc.value.message_dict
    assert Place.objects.count() == places


def test_places_cannot_be_added_under_a_closed_place(admin_user, world):
    services.place_close(by=admin_user, place=world.dgk, on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.place_create(by=admin_user, code="b1", name="1栋", kind="building", parent=world.dgk)
    assert not Place.objects.filter(code="b1").exists()


def test_the_new_place_form_offers_only_kinds_allowed_under_the_parent(client_for, wuhe_staff, world):
    kinds = {
        k
        for k, _label in client_for(wuhe_staff).get("/places/jzy/new/").context["form"].fields["kind"].choices
    }
    assert kinds == {"grid", "building"}


# --- editing ----------------------------------------------------------------------------------------


def test_renaming_a_place_updates_the_pinyin_search(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    response = client.post("/places/jzy/edit/", {"name": "曾家园", "address": "", "note": ""})
    assert response.status_code == 302
    found = [p.code for p in client.get("/places/?q=zjy").context["page_obj"]]
    assert found == ["jzy"]
    event = AuditEvent.objects.filter(target_type="territory.place", action="update").get()
    assert event.changes["name"] == ["佳兆业花园", "曾家园"]
    assert event.actor == wuhe_staff


# --- moving ------------------------------------------------------------------------------------------


@pytest.fixture
def estate_subtree(world):
    """佳兆业花园 with a grid, a building in the grid and a building of its own."""
    grid = make_place("grid", world.estate, name="佳兆业一网格", code="jzy-grid")
    in_grid = make_place("building", grid, name="1栋", code="jzy-1")
    own = make_place("building", world.estate, name="2栋", code="jzy-2")
    return grid, in_grid, own


def test_moving_a_place_moves_its_whole_subtree(client_for, admin_user, world, estate_subtree):
    grid, in_grid, own = estate_subtree
    untouched = {p.code: p.path for p in Place.objects.exclude(path__startswith=world.estate.path)}
    response = client_for(admin_user).post("/places/jzy/move/", {"new_parent": world.xjt.pk})
    assert response.status_code == 302
    estate = Place.objects.get(code="jzy")
    assert estate.parent == world.xjt
    assert estate.path == f"{world.xjt.path}{estate.pk}/"
    assert estate.depth == 2
    grid.refresh_from_db()
    in_grid.refresh_from_db()
    own.refresh_from_db()
    assert (grid.path, grid.depth) == (f"{estate.path}{grid.pk}/", 3)
    assert (in_grid.path, in_grid.depth) == (f"{grid.path}{in_grid.pk}/", 4)
    assert (own.path, own.depth) == (f"{estate.path}{own.pk}/", 3)
    assert (grid.parent_id, in_grid.parent_id, own.parent_id) == (estate.pk, grid.pk, estate.pk)
    assert {p.code: p.path for p in Place.objects.exclude(path__startswith=estate.path)} == untouched


def test_a_moved_area_counts_in_the_coverage_of_its_new_community(
    client_for, admin_user, world, estate_subtree
):
    client = client_for(admin_user)
    client.post("/places/jzy/move/", {"new_parent": world.xjt.pk})
    page = client.get("/places/xiangjiaotang/coverage/")
    assert {r.code for r in page.context["report"].rows} == {"city-plaza", "jzy"}
    assert page.context["report"].total.areas == 2
    assert _coverage(client, "xiangjiaotang")["areas"] == 2
    assert _coverage(client, "wuhe")["areas"] == 2
    # The subdistrict still counts every area once.
    assert _coverage(client, "bantian")["areas"] == 4


def test_a_move_is_audited_with_the_old_and_new_path(client_for, admin_user, world):
    old_path = world.estate.path
    client_for(admin_user).post("/places/jzy/move/", {"new_parent": world.xjt.pk})
    event = AuditEvent.objects.get(action="move")
    estate = Place.objects.get(code="jzy")
    assert event.actor == admin_user
    assert event.changes["path"] == [old_path, estate.path]
    assert event.changes["parent"] == [str(world.wuhe.pk), str(world.xjt.pk)]


def test_staff_cannot_move_a_place_out_of_their_community(client_for, wuhe_staff, world, estate_subtree):
    response = client_for(wuhe_staff).post("/places/jzy/move/", {"new_parent": world.xjt.pk})
    assert response.status_code == 400
    assert Place.objects.get(code="jzy").parent == world.wuhe
    assert not AuditEvent.objects.filter(action="move").exists()


def test_a_place_cannot_be_moved_under_its_own_descendant(admin_user, world, estate_subtree):
    grid, _in_grid, _own = estate_subtree
    with pytest.raises(ValidationError):
        services.place_move(by=admin_user, place=world.estate, new_parent=grid)
    world.estate.refresh_from_db()
    assert world.estate.parent == world.wuhe


# --- closing -----------------------------------------------------------------------------------------


def test_closing_refuses_a_place_with_open_children(client_for, wuhe_staff, world):
    events = AuditEvent.objects.count()
    response = client_for(wuhe_staff).post("/places/wuhe/close/", {"on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    messages = _form_messages(response)
    assert messages
    assert html.escape(messages[0]) in response.content.decode()
    assert Place.objects.get(code="wuhe").closed_on is None
    assert AuditEvent.objects.count() == events


def test_closing_a_leaf_removes_it_from_coverage(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    response = client.post("/places/dgk/close/", {"on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert Place.objects.get(code="dgk").closed_on == timezone.localdate()
    assert _coverage(client, "wuhe")["areas"] == 2
    assert AuditEvent.objects.get(action="close", target_type="territory.place").actor == wuhe_staff


def test_closing_twice_is_refused(admin_user, world):
    services.place_close(by=admin_user, place=world.dgk, on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.place_close(by=admin_user, place=world.dgk, on=timezone.localdate())


# --- searching ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["dgk", "DGK", "dgkjmxz", "大光勘", "daguangkan"])
def test_search_finds_a_place_by_name_code_or_pinyin(client_for, wuhe_staff, world, query):
    response = client_for(wuhe_staff).get("/places/", {"q": query})
    assert response.status_code == 200
    assert [p.code for p in response.context["page_obj"]] == ["dgk"]
    assert "大光勘居民小组" in response.content.decode()


@pytest.mark.parametrize("query", ["zjy", "cjy", "曾家"])
def test_search_finds_a_polyphonic_surname_by_either_reading(client_for, wuhe_staff, world, query):
    make_place("garden_estate", world.wuhe, name="曾家园", code="garden-of-the-family")
    client = client_for(wuhe_staff)
    response = client.get("/places/", {"q": query})
    assert [p.code for p in response.context["page_obj"]] == ["garden-of-the-family"]
    api = client.get("/api/v1/places", {"q": query}).json()
    assert [p["code"] for p in api["items"]] == ["garden-of-the-family"]


def test_search_does_not_reach_outside_the_users_places(client_for, outsider, world):
    response = client_for(outsider).get("/places/", {"q": "dgk"})
    assert list(response.context["page_obj"]) == []
    assert "大光勘" not in response.content.decode()


def test_search_with_htmx_returns_only_the_results(client_for, wuhe_staff, world):
    response = client_for(wuhe_staff).get("/places/", {"q": "dgk"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "大光勘居民小组" in content
    assert "<html" not in content


def test_search_can_be_narrowed_by_kind(client_for, admin_user, world):
    response = client_for(admin_user).get("/places/", {"kind": "garden_estate"})
    assert [p.code for p in response.context["page_obj"]] == ["jzy", "city-plaza"]


# --- service points ----------------------------------------------------------------------------------


def test_opening_a_service_point_leads_to_choosing_its_areas(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    response = client.post(
        "/places/wuhe/new-service-point/", {"code": "wuhe-2", "name": "五和第二站", "kind": "station"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/service-points/wuhe-2/areas/"
    point = ServicePoint.objects.get(code="wuhe-2")
    assert point.place == world.wuhe
    assert not point.areas.exists()


def test_assigning_an_area_served_elsewhere_moves_it(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    new = make_point(world.wuhe, [], code="wuhe-2")
    response = client.post("/service-points/wuhe-2/areas/", {"areas": [world.dgk.pk]})
    assert response.status_code == 302
    assert ServiceArea.objects.get(area=world.dgk).point == new
    assert set(
        ServiceArea.objects.filter(point__code="wuhe-centre").values_list("area__code", flat=True)
    ) == {
        "wuhe-xincun",
        "jzy",
    }
    points = {p["code"]: set(p["areas"]) for p in client.get("/api/v1/service-points").json()["items"]}
    assert points == {"wuhe-centre": {"wuhe-xincun", "jzy"}, "wuhe-2": {"dgk"}}
    assert _coverage(client, "wuhe")["served"] == 3
    detail = client.get("/places/dgk/")
    assert detail.context["served_by"].point == new


def test_the_areas_page_says_which_point_serves_an_area_now(client_for, wuhe_staff, world):
    make_point(world.wuhe, [], code="wuhe-2")
    response = client_for(wuhe_staff).get("/service-points/wuhe-2/areas/")
    assert response.status_code == 200
    assert {a.code for a in response.context["candidates"]} == {"dgk", "wuhe-xincun", "jzy"}
    assert "五和社区党群服务站" in response.content.decode()


def test_unticking_every_area_leaves_them_unserved(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    # A browser always sends the CSRF token, even with every box unticked.
    response = client.post(
        "/service-points/wuhe-centre/areas/", {"csrfmiddlewaretoken": "sent-by-the-browser"}
    )
    assert response.status_code == 302
    assert _coverage(client, "wuhe")["served"] == 0


def test_a_point_cannot_serve_an_area_of_another_community(client_for, admin_user, world):
    response = client_for(admin_user).post("/service-points/wuhe-centre/areas/", {"areas": [world.plaza.pk]})
    assert response.status_code == 400
    assert ServiceArea.objects.get(area=world.plaza).point.code == "xjt-centre"
    point = ServicePoint.objects.get(code="wuhe-centre")
    with pytest.raises(ValidationError):
        services.service_point_set_areas(by=admin_user, point=point, areas=[world.plaza])
    assert ServiceArea.objects.get(area=world.plaza).point.code == "xjt-centre"


def test_a_point_cannot_serve_a_place_that_is_not_residential(admin_user, world):
    park = make_place("industrial_park", world.wuhe, code="wuhe-park")
    point = ServicePoint.objects.get(code="wuhe-centre")
    with pytest.raises(ValidationError):
        services.service_point_set_areas(by=admin_user, point=point, areas=[park])
    assert not ServiceArea.objects.filter(area=park).exists()


def test_closing_a_point_makes_its_areas_unserved(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    response = client.post("/service-points/wuhe-centre/close/", {"on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert ServicePoint.objects.get(code="wuhe-centre").closed_on == timezone.localdate()
    page = client.get("/places/wuhe/coverage/")
    report = page.context["report"]
    assert report.total.served == 0
    assert {r.code for r in report.unserved} == {"dgk", "wuhe-xincun", "jzy"}
    # Coverage by party organisations is another matter: still complete.
    assert report.blank_spots == []
    assert _coverage(client, "wuhe")["served"] == 0
    # The closed point leaves the list of open points, but stays findable.
    assert "wuhe-centre" not in {p.code for p in client.get("/service-points/").context["page_obj"]}
    assert "wuhe-centre" in {p.code for p in client.get("/service-points/?closed=1").context["page_obj"]}


def test_closing_a_point_needs_a_date(client_for, wuhe_staff, world):
    response = client_for(wuhe_staff).post("/service-points/wuhe-centre/close/", {"on": ""})
    assert response.status_code == 302
    assert ServicePoint.objects.get(code="wuhe-centre").closed_on is None


def test_closing_a_point_is_a_post(client_for, wuhe_staff, world):
    assert client_for(wuhe_staff).get("/service-points/wuhe-centre/close/").status_code == 405
    assert ServicePoint.objects.get(code="wuhe-centre").closed_on is None


def test_editing_a_service_point_saves_its_new_details(client_for, wuhe_staff, world):
    # The code is shown but disabled: browsers do not send disabled fields, so the POST has no `code`.
    client = client_for(wuhe_staff)
    response = client.post(
        "/service-points/wuhe-centre/edit/",
        {
            "name": "五和社区党群服务中心",
            "kind": "community_centre",
            "address": "五和大道",
            "opening_hours": "9:00-18:00",
        },
    )
    assert response.status_code == 302
    point = ServicePoint.objects.get(code="wuhe-centre")
    assert (point.name, point.address, point.opening_hours) == (
        "五和社区党群服务中心",
        "五和大道",
        "9:00-18:00",
    )


def test_the_code_of_a_service_point_cannot_be_changed_by_editing(client_for, wuhe_staff, world):
    client_for(wuhe_staff).post(
        "/service-points/wuhe-centre/edit/",
        {"code": "hijacked", "name": "五和中心", "kind": "community_centre"},
    )
    assert ServicePoint.objects.filter(code="wuhe-centre").exists()
    assert not ServicePoint.objects.filter(code="hijacked").exists()


# --- the coverage export ---------------------------------------------------------------------------


def test_the_coverage_export_has_the_same_figures_as_the_api(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    client.post(f"/party/coverage/{OrgCoverage.objects.get(area=world.dgk).pk}/end/")  # one blank spot
    response = client.get("/places/wuhe/coverage.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    by_community, by_kind, areas = book.worksheets
    total = list(by_community.iter_rows(values_only=True))[-1]
    assert total[1:4] == (3, 2, 3)
    codes = [row[0] for row in areas.iter_rows(min_row=2, values_only=True)]
    assert codes == ["dgk", "wuhe-xincun", "jzy"]
    assert len(list(by_kind.iter_rows(min_row=2))) == 4


def test_the_export_defuses_spreadsheet_formulas_in_names(client_for, admin_user, world):
    make_place("garden_estate", world.wuhe, name='=HYPERLINK("http://x")', code="evil")
    response = client_for(admin_user).get("/places/wuhe/coverage.xlsx")
    assert response.status_code == 200
    areas = load_workbook(BytesIO(response.content)).worksheets[2]
    names = [row[1] for row in areas.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names


def test_coverage_on_a_past_day_counts_areas_covered_then(world):
    report = coverage_report(world.wuhe, datetime.date(2018, 8, 31))
    assert report.total.areas == 3
    assert report.total.covered == 0

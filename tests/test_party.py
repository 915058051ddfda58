"""Party organisations: establishing, renaming, dissolving, merging, splitting and reorganising them, and the
coverage of residential areas that makes blank spots appear and disappear."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.party import services
from gongzhi.party.models import OrgChange, OrgCoverage, PartyOrg
from gongzhi.party.services import OrgSpec
from tests.factories import make_place


def _coverage(client, code: str = "wuhe") -> dict:
    response = client.get(f"/api/v1/places/{code}/coverage")
    assert response.status_code == 200
    return response.json()


def _blank_codes_on_page(client, code: str = "wuhe") -> list[str]:
    response = client.get(f"/places/{code}/coverage/")
    assert response.status_code == 200
    return [r.code for r in response.context["report"].blank_spots]


def _active_areas(org: PartyOrg) -> set[str]:
    return set(
        OrgCoverage.objects.active_on(timezone.localdate())
        .filter(org=org)
        .values_list("area__code", flat=True)
    )


def _history(client, org_id: int) -> dict:
    response = client.get(f"/api/v1/organizations/{org_id}/history")
    assert response.status_code == 200
    return response.json()


def _ref(org: PartyOrg) -> dict:
    return {"id": org.pk, "code": org.code, "name": org.name, "kind": org.kind}


def _state() -> tuple:
    """Everything a refused change must leave as it was."""
    return (
        sorted(PartyOrg.objects.values_list("pk", "code", "name", "dissolved_on")),
        sorted(OrgCoverage.objects.values_list("pk", "org_id", "area_id", "since", "until")),
        OrgChange.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def vanke(world):
    """A new garden estate in 五和 that no organisation covers yet: a blank spot."""
    return make_place("garden_estate", world.wuhe, name="万科城", code="vanke")


# --- establishing ------------------------------------------------------------------------------------


def test_establishing_an_org_for_a_blank_spot_covers_it(client_for, wuhe_staff, world, vanke):
    client = client_for(wuhe_staff)
    assert _coverage(client)["blank_spots"] == [{"code": "vanke", "name": "万科城", "kind": "garden_estate"}]
    response = client.post(
        "/party/orgs/new/",
        {
            "code": "vanke-branch",
            "name": "万科城党支部",
            "kind": "branch",
            "place": "vanke",
            "parent": world.wuhe_committee.pk,
            "areas": "vanke",
            "on": timezone.localdate().isoformat(),
            "note": "新建小区",
        },
    )
    org = PartyOrg.objects.get(code="vanke-branch")
    assert response.status_code == 302
    assert response["Location"] == f"/party/orgs/{org.pk}/"
    assert (org.name, org.kind, org.place, org.parent, org.established_on) == (
        "万科城党支部",
        "branch",
        vanke,
        world.wuhe_committee,
        timezone.localdate(),
    )
    assert _active_areas(org) == {"vanke"}
    assert _coverage(client)["blank_spots"] == []
    history = _history(client, org.pk)
    assert history["count"] == 1
    assert history["items"][0]["kind"] == "establish"
    assert history["items"][0]["note"] == "新建小区"
    assert history["items"][0]["predecessors"] == []
    assert history["items"][0]["successors"] == [_ref(org)]
    event = AuditEvent.objects.get(target_type="party.partyorg", target_id=str(org.pk), action="create")
    assert event.actor == wuhe_staff


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"place": "city-plaza", "areas": ""}, "a place outside the user's community"),
        ({"place": "vanke", "areas": "vanke city-plaza"}, "an area outside the user's community"),
        ({"place": "vanke", "areas": "no-such-area"}, "an unknown area"),
        ({"place": "vanke", "areas": "vanke", "parent": ""}, "a branch with no parent"),
        ({"place": "vanke", "areas": "wuhe"}, "a community is not a residential area"),
        ({"place": "vanke", "areas": "vanke", "code": "Bad Code"}, "an invalid code"),
    ],
)
def test_establishing_refuses_bad_input_and_saves_nothing(client_for, wuhe_staff, world, vanke, data, reason):
    before = _state()
    post = {
        "code": "vanke-branch",
        "name": "万科城党支部",
        "kind": "branch",
        "parent": world.wuhe_committee.pk,
        "on": timezone.localdate().isoformat(),
        "note": "",
        **data,
    }
    response = client_for(wuhe_staff).post("/party/orgs/new/", post)
    assert response.status_code == 400, reason
    assert response.context["form"].errors, reason
    assert _state() == before, reason


# --- renaming ----------------------------------------------------------------------------------------


def test_renaming_keeps_the_org_and_records_the_rename(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    org = world.dgk_branch
    response = client.post(
        f"/party/orgs/{org.pk}/rename/",
        {"name": "大光勘党支部", "on": timezone.localdate().isoformat(), "note": ""},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "大光勘党支部"
    assert org.dissolved_on is None
    assert _active_areas(org) == {"dgk"}
    history = _history(client, org.pk)
    assert [item["kind"] for item in history["items"]] == ["establish", "rename"]
    rename = history["items"][-1]
    assert rename["predecessors"] == rename["successors"] == [_ref(org)]
    assert "大光勘居民小组党支部" in rename["note"]
    assert "大光勘党支部" in rename["note"]
    page = client.get(f"/party/orgs/{org.pk}/")
    assert [e.kind for e in page.context["history"]] == ["establish", "rename"]
    assert "大光勘居民小组党支部 → 大光勘党支部" in page.content.decode()


def test_the_renamed_org_is_found_by_its_new_pinyin(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    client.post(
        f"/party/orgs/{world.dgk_branch.pk}/rename/",
        {"name": "曾家园党支部", "on": timezone.localdate().isoformat()},
    )
    found = [o.pk for o in client.get("/party/orgs/?q=zjydzb").context["page_obj"]]
    assert found == [world.dgk_branch.pk]


def test_a_dissolved_org_cannot_be_renamed(wuhe_staff, world):
    services.org_dissolve(by=wuhe_staff, org=world.dgk_branch, on=timezone.localdate())
    before = _state()
    with pytest.raises(ValidationError):
        services.org_rename(by=wuhe_staff, org=world.dgk_branch, name="新名", on=timezone.localdate())
    assert _state() == before


# --- dissolving ---------------------------------------------------------------------------------------


def test_dissolving_an_org_makes_its_area_a_blank_spot_at_once(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    org = world.xincun_branch
    response = client.post(
        f"/party/orgs/{org.pk}/dissolve/", {"on": timezone.localdate().isoformat(), "note": "党员转出"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.dissolved_on == timezone.localdate()
    assert OrgCoverage.objects.get(org=org).until == timezone.localdate()
    coverage = _coverage(client)
    assert coverage["blank_spots"] == [
        {"code": "wuhe-xincun", "name": "五和新村", "kind": "independent_area"}
    ]
    assert coverage["covered"] == 2
    assert coverage["coverage_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert _blank_codes_on_page(client) == ["wuhe-xincun"]
    assert [item["kind"] for item in _history(client, org.pk)["items"]] == ["establish", "dissolve"]
    # The register hides dissolved organisations unless asked.
    assert org.pk not in [o.pk for o in client.get("/party/orgs/").context["page_obj"]]
    assert org.pk in [o.pk for o in client.get("/party/orgs/?dissolved=1").context["page_obj"]]


def test_dissolving_needs_a_reason(client_for, wuhe_staff, world):
    before = _state()
    response = client_for(wuhe_staff).post(
        f"/party/orgs/{world.xincun_branch.pk}/dissolve/", {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    assert _state() == before


def test_an_org_with_active_children_cannot_be_dissolved(client_for, wuhe_staff, world):
    before = _state()
    response = client_for(wuhe_staff).post(
        f"/party/orgs/{world.wuhe_committee.pk}/dissolve/",
        {"on": timezone.localdate().isoformat(), "note": "合并"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert _state() == before


# --- ending and adding coverage ---------------------------------------------------------------------


def test_ending_coverage_makes_a_blank_spot_and_adding_it_fills_it(client_for, wuhe_staff, admin_user, world):
    client = client_for(wuhe_staff)
    coverage = OrgCoverage.objects.get(area=world.dgk)
    response = client.post(f"/party/coverage/{coverage.pk}/end/")
    assert response.status_code == 302
    assert response["Location"] == f"/party/orgs/{world.dgk_branch.pk}/"
    coverage.refresh_from_db()
    assert coverage.until == timezone.localdate()
    assert _blank_codes_on_page(client) == ["dgk"]
    page = client.get("/places/wuhe/coverage/").content.decode()
    assert 'data-testid="blank-count">1<' in page
    assert _coverage(client)["blank_spots"] == [
        {"code": "dgk", "name": "大光勘居民小组", "kind": "resident_group"}
    ]
    # The subdistrict's figures move at once too.
    assert _coverage(client_for(admin_user), "bantian")["covered"] == 3

    client = client_for(wuhe_staff)
    response = client.post(
        "/party/coverage/new/",
        {"area": "dgk", "org": world.dgk_branch.pk, "since": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert _blank_codes_on_page(client) == []
    assert _coverage(client)["blank_spots"] == []
    assert _coverage(client)["covered"] == 3


def test_ending_coverage_is_a_post(client_for, wuhe_staff, world):
    coverage = OrgCoverage.objects.get(area=world.dgk)
    assert client_for(wuhe_staff).get(f"/party/coverage/{coverage.pk}/end/").status_code == 405
    coverage.refresh_from_db()
    assert coverage.until is None


def test_ending_coverage_twice_changes_nothing(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    coverage = OrgCoverage.objects.get(area=world.dgk)
    client.post(f"/party/coverage/{coverage.pk}/end/", follow=True)
    before = _state()
    response = client.post(f"/party/coverage/{coverage.pk}/end/", follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert _state() == before


def test_the_coverage_form_offers_only_orgs_of_the_areas_community(client_for, admin_user, world):
    response = client_for(admin_user).get("/party/coverage/new/?area=dgk")
    offered = set(response.context["form"].fields["org"].queryset.values_list("pk", flat=True))
    assert world.plaza_branch.pk not in offered
    assert world.xjt_committee.pk not in offered
    assert {world.wuhe_committee.pk, world.dgk_branch.pk} <= offered


def test_covering_a_place_that_is_not_residential_is_refused_on_the_page(client_for, wuhe_staff, world):
    before = _state()
    response = client_for(wuhe_staff).post(
        "/party/coverage/new/",
        {"area": "wuhe", "org": world.wuhe_committee.pk, "since": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    assert _state() == before


def test_covering_an_area_the_user_does_not_manage_is_refused(client_for, wuhe_staff, world):
    before = _state()
    response = client_for(wuhe_staff).post(
        "/party/coverage/new/",
        {"area": "city-plaza", "org": world.wuhe_committee.pk, "since": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert _state() == before


# --- merge, split, reorganise -----------------------------------------------------------------------


def test_merging_dissolves_the_predecessors_and_covers_their_areas(client_for, wuhe_staff, world):
    a, b = world.xincun_branch, world.estate_branch
    into = OrgSpec(
        code="wuhe-united",
        name="五和联合党支部",
        kind="branch",
        place=world.wuhe,
        parent=world.wuhe_committee,
    )
    new = services.org_merge(by=wuhe_staff, orgs=[a, b], into=into, on=timezone.localdate(), note="合并")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.dissolved_on, b.dissolved_on) == (timezone.localdate(), timezone.localdate())
    assert new.is_active
    assert _active_areas(new) == {"wuhe-xincun", "jzy"}
    assert _active_areas(a) == _active_areas(b) == set()
    change = OrgChange.objects.get(kind="merge")
    assert set(change.predecessors.all()) == {a, b}
    assert list(change.successors.all()) == [new]
    assert change.place == world.wuhe
    assert change.recorded_by == wuhe_staff

    client = client_for(wuhe_staff)
    assert _coverage(client)["blank_spots"] == []
    history = _history(client, new.pk)
    assert history["count"] == 1
    (item,) = history["items"]
    assert item["kind"] == "merge"
    assert sorted(item["predecessors"], key=lambda o: o["id"]) == [_ref(a), _ref(b)]
    assert item["successors"] == [_ref(new)]
    old = _history(client, a.pk)
    assert old["count"] == 2
    assert [i["kind"] for i in old["items"]] == ["establish", "merge"]
    # The new organisation's page tells where it came from.
    page = client.get(f"/party/orgs/{new.pk}/").content.decode()
    assert "五和新村党支部" in page
    assert "佳兆业花园党支部" in page


def test_splitting_gives_each_successor_its_own_areas(client_for, wuhe_staff, world):
    phase2 = make_place("garden_estate", world.wuhe, name="佳兆业花园二期", code="jzy-2")
    services.coverage_add(by=wuhe_staff, org=world.estate_branch, area=phase2, since=timezone.localdate())
    specs = [
        OrgSpec(
            code="jzy-1-branch",
            name="佳兆业一期党支部",
            kind="branch",
            place=world.estate,
            parent=world.wuhe_committee,
            areas=[world.estate],
        ),
        OrgSpec(
            code="jzy-2-branch",
            name="佳兆业二期党支部",
            kind="branch",
            place=phase2,
            parent=world.wuhe_committee,
            areas=[phase2],
        ),
    ]
    first, second = services.org_split(
        by=wuhe_staff, org=world.estate_branch, into=specs, on=timezone.localdate()
    )
    world.estate_branch.refresh_from_db()
    assert world.estate_branch.dissolved_on == timezone.localdate()
    assert _active_areas(world.estate_branch) == set()
    assert _active_areas(first) == {"jzy"}
    assert _active_areas(second) == {"jzy-2"}
    change = OrgChange.objects.get(kind="split")
    assert list(change.predecessors.all()) == [world.estate_branch]
    assert set(change.successors.all()) == {first, second}
    history = _history(client_for(wuhe_staff), world.estate_branch.pk)
    split = history["items"][-1]
    assert split["kind"] == "split"
    assert split["predecessors"] == [_ref(world.estate_branch)]
    assert sorted(split["successors"], key=lambda o: o["id"]) == [_ref(first), _ref(second)]
    assert _coverage(client_for(wuhe_staff))["blank_spots"] == []


def test_reorganising_replaces_a_set_of_orgs_in_one_event(client_for, admin_user, world):
    before_orgs = [world.dgk_branch, world.xincun_branch]
    specs = [
        OrgSpec(
            code="dgk-new",
            name="大光勘第一党支部",
            kind="branch",
            place=world.dgk,
            parent=world.wuhe_committee,
            areas=[world.dgk],
        ),
        OrgSpec(
            code="xincun-new",
            name="五和新村第一党支部",
            kind="branch",
            place=world.xincun,
            parent=world.wuhe_committee,
            areas=[world.xincun],
        ),
        OrgSpec(
            code="wuhe-general",
            name="五和党总支",
            kind="general_branch",
            place=world.wuhe,
            parent=world.wuhe_committee,
        ),
    ]
    new = services.org_reorganise(
        by=admin_user, orgs=before_orgs, into=specs, on=timezone.localdate(), note="2018年调整"
    )
    assert [o.code for o in new] == ["dgk-new", "xincun-new", "wuhe-general"]
    for org in before_orgs:
        org.refresh_from_db()
        assert org.dissolved_on == timezone.localdate()
    assert _active_areas(new[0]) == {"dgk"}
    assert _active_areas(new[1]) == {"wuhe-xincun"}
    assert _active_areas(new[2]) == set()
    (change,) = OrgChange.objects.filter(kind="reorganise")
    assert set(change.predecessors.all()) == set(before_orgs)
    assert set(change.successors.all()) == set(new)
    assert change.note == "2018年调整"
    history = _history(client_for(admin_user), new[2].pk)
    assert history["count"] == 1
    assert sorted(o["code"] for o in history["items"][0]["predecessors"]) == sorted(
        o.code for o in before_orgs
    )
    assert _coverage(client_for(admin_user), "bantian")["blank_spots"] == []


def test_history_api_pages_through_events(client_for, wuhe_staff, world):
    for n in range(4):
        services.org_rename(
            by=wuhe_staff, org=world.dgk_branch, name=f"大光勘党支部{n}", on=datetime.date(2020, 1, n + 1)
        )
    client = client_for(wuhe_staff)
    full = _history(client, world.dgk_branch.pk)
    assert full["count"] == 5
    assert [i["kind"] for i in full["items"]] == ["establish", "rename", "rename", "rename", "rename"]
    response = client.get(f"/api/v1/organizations/{world.dgk_branch.pk}/history?limit=2&offset=1")
    window = response.json()
    assert window["count"] == 5
    assert window["items"] == full["items"][1:3]
    assert set(window) == {"items", "count"}
    assert set(full["items"][0]) == {"id", "kind", "on", "note", "predecessors", "successors"}


# --- refused changes leave the database unchanged ----------------------------------------------------


def _spec(world, **overrides) -> OrgSpec:
    values = {
        "code": "new-org",
        "name": "新党支部",
        "kind": "branch",
        "place": world.wuhe,
        "parent": world.wuhe_committee,
    }
    return OrgSpec(**{**values, **overrides})


def _dissolve_xincun(w):
    services.org_dissolve(by=None, org=w.xincun_branch, on=timezone.localdate())
    w.xincun_branch.refresh_from_db()


def _nothing(w):
    return None


# name: (set-up run before the snapshot, the refused change)
REFUSALS = {
    "merge with one org": (
        _nothing,
        lambda w, by: services.org_merge(by=by, orgs=[w.dgk_branch], into=_spec(w), on=timezone.localdate()),
    ),
    "merge with a dissolved org": (
        _dissolve_xincun,
        lambda w, by: services.org_merge(
            by=by, orgs=[w.dgk_branch, w.xincun_branch], into=_spec(w), on=timezone.localdate()
        ),
    ),
    "merge into an org with no parent": (
        _nothing,
        lambda w, by: services.org_merge(
            by=by, orgs=[w.dgk_branch, w.xincun_branch], into=_spec(w, parent=None), on=timezone.localdate()
        ),
    ),
    "merge into a duplicate code": (
        _nothing,
        lambda w, by: services.org_merge(
            by=by,
            orgs=[w.dgk_branch, w.xincun_branch],
            into=_spec(w, code=w.estate_branch.code),
            on=timezone.localdate(),
        ),
    ),
    "merge into an org anchored in another community": (
        _nothing,
        lambda w, by: services.org_merge(
            by=by,
            orgs=[w.dgk_branch, w.xincun_branch],
            into=_spec(w, place=w.plaza, parent=w.xjt_committee),
            on=timezone.localdate(),
        ),
    ),
    "split into one": (
        _nothing,
        lambda w, by: services.org_split(by=by, org=w.dgk_branch, into=[_spec(w)], on=timezone.localdate()),
    ),
    "split with a successor covering another community": (
        _nothing,
        lambda w, by: services.org_split(
            by=by,
            org=w.dgk_branch,
            into=[_spec(w, areas=[w.dgk]), _spec(w, code="other", areas=[w.plaza])],
            on=timezone.localdate(),
        ),
    ),
    "reorganise into nothing": (
        _nothing,
        lambda w, by: services.org_reorganise(by=by, orgs=[w.dgk_branch], into=[], on=timezone.localdate()),
    ),
    "reorganise a parent that has children": (
        _nothing,
        lambda w, by: services.org_reorganise(
            by=by, orgs=[w.dgk_branch, w.wuhe_committee], into=[_spec(w)], on=timezone.localdate()
        ),
    ),
    "cover a community": (
        _nothing,
        lambda w, by: services.coverage_add(
            by=by, org=w.wuhe_committee, area=w.wuhe, since=timezone.localdate()
        ),
    ),
    "cover an industrial park": (
        lambda w: make_place("industrial_park", w.wuhe, code="park"),
        lambda w, by, park: services.coverage_add(
            by=by, org=w.wuhe_committee, area=park, since=timezone.localdate()
        ),
    ),
    "cover outside the org's community": (
        _nothing,
        lambda w, by: services.coverage_add(
            by=by, org=w.dgk_branch, area=w.plaza, since=timezone.localdate()
        ),
    ),
    "cover an area the org already covers": (
        _nothing,
        lambda w, by: services.coverage_add(by=by, org=w.dgk_branch, area=w.dgk, since=timezone.localdate()),
    ),
    "cover with a dissolved org": (
        _dissolve_xincun,
        lambda w, by: services.coverage_add(
            by=by, org=w.xincun_branch, area=w.dgk, since=timezone.localdate()
        ),
    ),
    "end coverage before it began": (
        _nothing,
        lambda w, by: services.coverage_end(
            by=by, coverage=OrgCoverage.objects.get(area=w.dgk), on=datetime.date(2017, 1, 1)
        ),
    ),
    "establish a branch under a party group": (
        lambda w: services.org_establish(
            by=None,
            spec=_spec(w, code="grp", kind="group", place=w.dgk, parent=w.dgk_branch),
            on=timezone.localdate(),
        ),
        lambda w, by, group: services.org_establish(
            by=by, spec=_spec(w, parent=group), on=timezone.localdate()
        ),
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_invalid_changes_leave_the_database_unchanged(admin_user, world, name):
    setup, attempt = REFUSALS[name]
    made = setup(world)
    before = _state()
    with pytest.raises(ValidationError):
        if made is None:
            attempt(world, admin_user)
        else:
            attempt(world, admin_user, made)
    assert _state() == before

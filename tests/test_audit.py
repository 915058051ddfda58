"""The audit log: every write leaves a row saying who changed what, rows never change, and the log is scoped."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts import services as accounts
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.party import services as party
from gongzhi.party.models import OrgCoverage
from gongzhi.party.services import OrgSpec
from gongzhi.territory import services as territory
from gongzhi.territory.models import ServicePoint
from tests.factories import make_place, make_point, make_user


def _spec(world, code: str, place=None, areas=None) -> OrgSpec:
    return OrgSpec(
        code=code,
        name=f"{code}党支部",
        kind="branch",
        place=place or world.wuhe,
        parent=world.wuhe_committee,
        areas=areas or [],
    )


def _centre():
    return ServicePoint.objects.get(code="wuhe-centre")


# name: (the write, done by `by`; the record it must be logged against, as (type, action))
WRITES = {
    "place_create": (
        lambda w, by: territory.place_create(
            by=by, code="vanke", name="万科城", kind="garden_estate", parent=w.wuhe
        ),
        ("territory.place", "create"),
    ),
    "place_update": (
        lambda w, by: territory.place_update(
            by=by, place=w.estate, name="佳兆业花园二期", address="五和大道"
        ),
        ("territory.place", "update"),
    ),
    "place_move": (
        lambda w, by: territory.place_move(by=by, place=w.estate, new_parent=w.xjt),
        ("territory.place", "move"),
    ),
    "place_close": (
        lambda w, by: territory.place_close(by=by, place=w.dgk, on=timezone.localdate()),
        ("territory.place", "close"),
    ),
    "service_point_create": (
        lambda w, by: territory.service_point_create(
            by=by, code="wuhe-2", name="五和二站", kind="station", place=w.wuhe
        ),
        ("territory.servicepoint", "create"),
    ),
    "service_point_update": (
        lambda w, by: territory.service_point_update(
            by=by, point=_centre(), name="五和中心", kind="sub_centre"
        ),
        ("territory.servicepoint", "update"),
    ),
    "service_point_set_areas": (
        lambda w, by: territory.service_point_set_areas(by=by, point=_centre(), areas=[w.dgk]),
        ("territory.servicepoint", "set_areas"),
    ),
    "service_point_close": (
        lambda w, by: territory.service_point_close(by=by, point=_centre(), on=timezone.localdate()),
        ("territory.servicepoint", "close"),
    ),
    "org_establish": (
        lambda w, by: party.org_establish(by=by, spec=_spec(w, "new"), on=timezone.localdate()),
        ("party.orgchange", "org_establish"),
    ),
    "org_rename": (
        lambda w, by: party.org_rename(by=by, org=w.dgk_branch, name="大光勘党支部", on=timezone.localdate()),
        ("party.partyorg", "update"),
    ),
    "org_dissolve": (
        lambda w, by: party.org_dissolve(by=by, org=w.dgk_branch, on=timezone.localdate()),
        ("party.partyorg", "dissolve"),
    ),
    "org_merge": (
        lambda w, by: party.org_merge(
            by=by, orgs=[w.dgk_branch, w.xincun_branch], into=_spec(w, "m"), on=timezone.localdate()
        ),
        ("party.orgchange", "org_merge"),
    ),
    "org_split": (
        lambda w, by: party.org_split(
            by=by,
            org=w.dgk_branch,
            into=[_spec(w, "s1", w.dgk, [w.dgk]), _spec(w, "s2")],
            on=timezone.localdate(),
        ),
        ("party.orgchange", "org_split"),
    ),
    "org_reorganise": (
        lambda w, by: party.org_reorganise(
            by=by, orgs=[w.dgk_branch], into=[_spec(w, "r1", w.dgk, [w.dgk])], on=timezone.localdate()
        ),
        ("party.orgchange", "org_reorganise"),
    ),
    "coverage_add": (
        lambda w, by: party.coverage_add(by=by, org=w.wuhe_committee, area=w.dgk, since=timezone.localdate()),
        ("party.orgcoverage", "cover"),
    ),
    "coverage_end": (
        lambda w, by: party.coverage_end(
            by=by, coverage=OrgCoverage.objects.get(area=w.dgk), on=timezone.localdate()
        ),
        ("party.orgcoverage", "uncover"),
    ),
    "user_create": (
        lambda w, by: accounts.user_create(username="new-user", password="pw-for-tests-9", by=by),
        ("accounts.user", "create"),
    ),
    "assignment_grant": (
        lambda w, by: accounts.assignment_grant(
            user=accounts.user_create(username="new-user", password=None, by=None),
            role=Role.GRID_WORKER,
            place=w.dgk,
            by=by,
        ),
        ("accounts.assignment", "grant_role"),
    ),
    "api_token_create": (
        lambda w, by: accounts.api_token_create(user=by, name="cli", by=by),
        ("accounts.apitoken", "create_token"),
    ),
}


@pytest.mark.parametrize("name", WRITES)
def test_every_service_write_is_audited_with_actor_and_changes(admin_user, world, name):
    write, (target_type, action) = WRITES[name]
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    write(world, admin_user)
    new = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert new, "no audit row"
    assert [e for e in new if e.target_type == target_type and e.action == action]
    for event in new:
        if event.target_type == "accounts.user" and name == "assignment_grant":
            continue  # the set-up's own user_create, done by the system
        assert event.actor == admin_user
        assert event.actor_name == "t-admin"
        assert event.changes
        for field, values in event.changes.items():
            assert isinstance(values, list) and len(values) == 2, field
            assert values[0] != values[1], field


def test_an_update_records_before_and_after(admin_user, world):
    territory.place_update(by=admin_user, place=world.estate, name="佳兆业花园二期", address="五和大道")
    event = AuditEvent.objects.get(action="update", target_type="territory.place")
    assert event.changes == {"address": ["", "五和大道"], "name": ["佳兆业花园", "佳兆业花园二期"]}
    assert event.target_id == str(world.estate.pk)
    assert event.target_repr == "佳兆业花园二期"
    assert event.place_path == world.estate.path


def test_a_write_that_changes_nothing_adds_no_row(admin_user, world):
    count = AuditEvent.objects.count()
    territory.place_update(by=admin_user, place=world.estate, name="佳兆业花园")
    assert AuditEvent.objects.count() == count


def test_system_writes_are_logged_as_the_system(world):
    place = make_place("garden_estate", world.wuhe, code="sys-estate")
    event = AuditEvent.objects.get(target_type="territory.place", target_id=str(place.pk))
    assert event.actor is None
    assert event.actor_name == "system"


def test_a_removed_account_is_still_named_in_the_log(admin_user, world):
    territory.place_update(by=admin_user, place=world.estate, name="佳兆业花园二期")
    event = AuditEvent.objects.get(action="update", target_type="territory.place")
    admin_user.delete()
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_name == "t-admin"


# --- append-only -------------------------------------------------------------------------------------


@pytest.fixture
def event(admin_user, world):
    territory.place_update(by=admin_user, place=world.estate, name="佳兆业花园二期")
    return AuditEvent.objects.get(action="update", target_type="territory.place")


def _unchanged(event) -> None:
    fresh = AuditEvent.objects.get(pk=event.pk)
    assert (fresh.actor_name, fresh.action, fresh.changes) == (
        "t-admin",
        "update",
        {"name": ["佳兆业花园", "佳兆业花园二期"]},
    )


def test_saving_an_existing_row_is_refused(event):
    event.actor_name = "someone-else"
    with pytest.raises(PermissionError):
        event.save()
    _unchanged(event)


def test_deleting_a_row_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()
    _unchanged(event)


def test_updating_rows_in_bulk_is_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone-else")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(changes={})
    _unchanged(event)


def test_deleting_rows_in_bulk_is_refused(event):
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count
    _unchanged(event)


def test_bulk_update_of_objects_is_refused(event):
    event.actor_name = "someone-else"
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["actor_name"])
    _unchanged(event)


def test_update_or_create_on_an_existing_row_is_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"actor_name": "someone-else"})
    _unchanged(event)


def test_the_admin_offers_no_way_to_change_the_log(client, event):
    root = make_user("root")
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/change/", {"actor_name": "x"}).status_code == 403
    _unchanged(event)


# --- the audit page ----------------------------------------------------------------------------------


@pytest.fixture
def edits(wuhe_staff, outsider, world):
    """One edit in each community, by its own staff."""
    territory.place_update(by=wuhe_staff, place=world.estate, name="佳兆业花园二期")
    territory.place_update(by=outsider, place=world.plaza, name="城市广场二期")


def test_community_staff_see_their_communitys_events_only(client_for, wuhe_staff, world, edits):
    response = client_for(wuhe_staff).get("/audit/")
    assert response.status_code == 200
    events = list(response.context["page_obj"])
    assert events
    assert all(e.place_path.startswith(world.wuhe.path) for e in events)
    content = response.content.decode()
    assert "佳兆业花园二期" in content
    assert "城市广场" not in content
    assert "象角塘" not in content


def test_the_outsider_sees_the_other_side(client_for, outsider, world, edits):
    content = client_for(outsider).get("/audit/").content.decode()
    assert "城市广场二期" in content
    assert "佳兆业花园" not in content


def test_the_auditor_sees_both_communities(client_for, auditor, world, edits):
    content = client_for(auditor).get("/audit/").content.decode()
    assert "城市广场二期" in content
    assert "佳兆业花园二期" in content


@pytest.mark.parametrize("user", ["grid_worker", "secretary", "resident"])
def test_roles_without_audit_are_refused_the_log(client_for, request, world, user):
    assert client_for(request.getfixturevalue(user)).get("/audit/").status_code == 403


def test_the_audit_log_can_be_searched(client_for, auditor, world, edits):
    response = client_for(auditor).get("/audit/", {"q": "t-xjt"})
    events = list(response.context["page_obj"])
    assert "t-xjt" in {e.actor_name for e in events}
    assert all("t-xjt" in e.actor_name or "t-xjt" in e.target_repr or "t-xjt" in e.action for e in events)
    assert len(events) < AuditEvent.objects.count()
    by_type = list(client_for(auditor).get("/audit/", {"type": "party.partyorg"}).context["page_obj"])
    assert by_type
    assert {e.target_type for e in by_type} == {"party.partyorg"}


def test_the_audit_page_shows_before_and_after(client_for, wuhe_staff, world, edits):
    content = client_for(wuhe_staff).get("/audit/").content.decode()
    assert "佳兆业花园 → 佳兆业花园二期" in content


def test_new_events_appear_first(client_for, wuhe_staff, world, edits):
    make_point(world.wuhe, [], code="wuhe-latest")
    first = next(iter(client_for(wuhe_staff).get("/audit/").context["page_obj"]))
    assert first.target_repr.startswith("五和社区党群服务站")
    assert first.at <= timezone.now() + datetime.timedelta(seconds=1)


def test_the_audit_page_speaks_the_readers_language(client_for, auditor, wuhe_staff, world):
    """The log keeps field names and codes; its page shows the fields' labels and the codes' names, and
    "system" for what no one signed in did."""
    from gongzhi.demands import services as demands
    from gongzhi.demands.models import Category

    category = Category.objects.create(code="repair", name="公共设施维修", limit_days=5)
    demand = demands.demand_submit(
        by=None, channel="walk_in", category=category, place=world.dgk, description="路灯不亮"
    )
    demands.demand_accept(by=wuhe_staff, demand=demand)
    event = AuditEvent.objects.filter(target_type="demands.demand", actor__isnull=True).first()
    assert event.actor_name == "system" and "status" in event.changes  # stored as written
    client = client_for(auditor)
    page = client.get("/audit/?type=demands.demand").content.decode()
    assert "<td>系统</td>" in page and "<td>system</td>" not in page
    assert "<strong>状态</strong>: — → 已提交" in page
    assert "<strong>状态</strong>: — → 已受理" in page and "<strong>层级</strong>: — → 站点" in page
    client.cookies["django_language"] = "en"
    english = client.get("/audit/?type=demands.demand").content.decode()
    assert "<strong>Status</strong>: — → Accepted" in english


def test_a_reveal_reads_as_such_on_the_audit_page(client_for, auditor, secretary, world):
    from gongzhi.members.services import member_reveal
    from tests.factories import make_member

    member = make_member(world.dgk_branch, phone="13800138000")
    member_reveal(by=secretary, member=member, field="phone")
    page = client_for(auditor).get("/audit/").content.decode()
    assert "<strong>联系电话</strong>: *** → 已显示明文" in page and "revealed" not in page

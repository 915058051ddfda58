"""The Bantian demo data reproduces the article's figures through the system's own reports and API."""

import pytest
from django.db import transaction
from django.test import override_settings

from gongzhi.core.models import AuditEvent
from gongzhi.demo.management.commands.load_demo import load_all
from gongzhi.members.models import Member
from gongzhi.orglife.models import LifeRecord
from gongzhi.party.models import OrgChange, PartyOrg
from gongzhi.territory.models import Place


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Place, PartyOrg, OrgChange, Member, LifeRecord, AuditEvent))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo set, loaded once for this module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_all(lambda _msg: None)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_client(demo, db, client, settings):
    settings.DEMO_MODE = True
    assert client.login(username="admin", password="gongzhi-demo")
    return client


def test_loading_twice_changes_nothing(demo_client):
    before = _counts()
    load_all(lambda _msg: None)
    assert _counts() == before


def test_article_figures_come_out_of_the_reports(demo_client):
    client = demo_client

    # Full coverage of every residential area, no blank spot.
    coverage = client.get("/api/v1/places/bantian/coverage").json()
    assert coverage["coverage_rate"] == 1.0 and coverage["blank_spots"] == []
    assert coverage["areas"] == coverage["covered"] == coverage["served"]
    assert len(client.get("/api/v1/places?parent=bantian&kind=community").json()["items"]) == 12

    # 18 company branches became 4 residents'-committee and 14 resident-group branches in one event.
    new_branch = PartyOrg.objects.get(code="dagangkan-zb")
    history = client.get(f"/api/v1/organizations/{new_branch.pk}/history").json()["items"]
    (event,) = [e for e in history if e["kind"] == "reorganise"]
    assert len(event["predecessors"]) == 18
    assert all(o["name"].endswith("股份合作公司党支部") for o in event["predecessors"])
    successor_areas = [PartyOrg.objects.get(pk=o["id"]).place.kind for o in event["successors"]]
    assert successor_areas.count("residents_committee") == 4
    assert successor_areas.count("resident_group") == 14
    page = client.get(f"/party/orgs/{new_branch.pk}/").content.decode()
    assert "大光勘股份合作公司党支部" in page and "(18)" in page

    # Each of the 7 independent areas (外卖地) has a branch of its own.
    areas = Place.objects.filter(kind="independent_area")
    assert areas.count() == 7
    for area in areas:
        orgs = client.get(f"/api/v1/organizations?place={area.code}&kind=branch").json()
        assert orgs["count"] == 1, area.name

    # 城市广场's branch held 6 themed party days from its founding to the end of January 2019.
    plaza = PartyOrg.objects.get(code="city-plaza-zb")
    life = client.get(f"/api/v1/organizations/{plaza.pk}/life?since=2018-01-01&until=2019-01-31").json()
    assert life["by_type"]["themed_day"] == {"required": 6, "held": 6}
    listing = client.get(f"/life/orgs/{plaza.pk}/?type=themed_day&until=2019-01-31").content.decode()
    assert listing.count('href="/life/records/') == 6

    # 曾拥军 holds his concurrent posts.
    zeng = Member.objects.get(name="曾拥军")
    detail = client.get(f"/api/v1/members/{zeng.pk}").json()
    assert {(p["org_name"], p["title"]) for p in detail["posts"]} == {
        ("大光勘居民小组党支部", "secretary"),
        ("五和社区党委", "deputy_secretary"),
    }
    assert {p["title"] for p in detail["outside_posts"]} == {"resident_group_leader", "company_chairman"}


def test_demo_accounts_need_demo_mode(demo_client, client, settings):
    settings.DEMO_MODE = False
    client.logout()
    assert not client.login(username="wuhe", password="gongzhi-demo")


def test_the_demo_is_not_loaded_outside_demo_mode_without_force(db, settings):
    from django.core.management import CommandError, call_command

    settings.DEMO_MODE = False
    before = _counts()
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo")
    assert _counts() == before

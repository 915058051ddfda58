"""The demo resident demands: the article's 城市广场 figures come out of the statistics, the roll-up agrees
with the demands, every community has demands, and loading twice changes nothing.

The demo set takes a while to load, so it is loaded once for the module, inside a transaction that is
rolled back at the end; each test runs in a savepoint of its own within it.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI

from gongzhi import urls as project_urls
from gongzhi.api import api as project_api
from gongzhi.core.models import AuditEvent
from gongzhi.demands import selectors, tallies
from gongzhi.demands.api import router as demands_router
from gongzhi.demands.demo import load_demands, read_data
from gongzhi.demands.models import (
    OPEN_STATES,
    Category,
    CategoryAttribute,
    Demand,
    DemandEvent,
    DemandTally,
    EventKind,
    Level,
)
from gongzhi.demo.loader import load_bantian
from gongzhi.members.demo import load_members
from gongzhi.notifications.models import Notification
from gongzhi.territory.models import Place, PlaceKind

# The statistics endpoint, whether or not gongzhi/api.py mounts the demands router yet (as in
# tests/test_demands_api.py): until it does, a stand-in API serves it at the same prefix.
urlpatterns = list(project_urls.urlpatterns)
if not any(mounted is demands_router for _prefix, mounted in project_api._routers):
    _standin = NinjaAPI(auth=project_api.auth, urls_namespace="demand-demo-standin")
    for _exception, _handler in project_api._exception_handlers.items():
        _standin.add_exception_handler(_exception, _handler)
    _standin.add_router("/", demands_router)
    urlpatterns.insert(0, path("api/v1/", _standin.urls))
pytestmark = pytest.mark.urls(__name__)

ARTICLE = read_data()["article"]
SINCE, UNTIL = ARTICLE["since"], ARTICLE["until"]
QUIET = lambda _message: None  # noqa: E731


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The Bantian territory, its members and the demo demands, loaded once for the module."""
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_bantian(log=QUIET)
            load_members(log=QUIET)
            loaded = load_demands(log=QUIET)
            yield loaded
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def plaza(demo, db, settings) -> Place:
    settings.DEMO_MODE = True
    return Place.objects.get(code=ARTICLE["place"])


def test_it_loads_a_modest_history_through_the_services(demo, plaza):
    assert 1500 <= demo <= 3000
    assert Demand.objects.count() == demo
    # Every demand has its submission event at its own (historical) time, and no event lies in the future.
    assert DemandEvent.objects.filter(kind=EventKind.SUBMITTED).count() == demo
    first = Demand.objects.order_by("created_at").first()
    assert first.created_at.year == 2018
    assert not DemandEvent.objects.filter(at__gt=timezone.now()).exists()
    # Most resolved and rated; a few reopened after a dissatisfied rating; some open, a few overdue,
    # some raised to the community; several channels.
    done = Demand.objects.filter(status__in=("resolved", "closed")).count()
    assert done / demo > 0.9
    assert Demand.objects.filter(status="closed").count() > 0.8 * demo
    assert Demand.objects.filter(reopen_count__gt=0, status="closed").count() >= 10
    assert Demand.objects.filter(status__in=OPEN_STATES).exists()
    assert Demand.objects.overdue(timezone.now()).exists()
    assert Demand.objects.filter(level=Level.COMMUNITY).exists()
    assert set(Demand.objects.values_list("channel", flat=True)) >= {"portal", "phone", "walk_in", "grid"}


def test_the_catalogue_has_its_categories_and_questions(demo, plaza):
    codes = set(Category.objects.values_list("code", flat=True))
    assert codes >= {
        "noise",
        "sanitation",
        "property",
        "neighbours",
        "facilities",
        "medical",
        "safety",
        "other",
    }
    assert Category.objects.get(code="safety").urgency == "urgent"
    when = CategoryAttribute.objects.get(category__code="noise", code="when")
    assert when.required and when.datatype == "singlevaluelist"
    assert {v["name"] for v in when.values} == {"白天", "夜间", "全天"}
    assert CategoryAttribute.objects.get(category__code="facilities", code="facility").datatype == "string"
    # Every noise demand answers the required question.
    assert not Demand.objects.filter(category__code="noise").exclude(attributes__has_key="when").exists()


def test_city_plaza_resolved_15_problems_in_the_articles_window(demo, plaza):
    stats = selectors.demand_stats(plaza, SINCE, UNTIL)
    assert stats["resolved"] == stats["total"] == 15
    assert stats["resolved_locally"] == 15
    assert {"noise", "sanitation"} <= set(stats["by_category"])
    assert stats["by_category"]["noise"] + stats["by_category"]["sanitation"] >= 8
    # Since the branch was founded, nothing else at 城市广场 was resolved by the end of the window.
    resolved_by_then = Demand.objects.filter(
        place_path__startswith=plaza.path,
        resolved_at__lte=datetime.datetime.combine(
            UNTIL, datetime.time.max, tzinfo=timezone.get_default_timezone()
        ),
    )
    assert resolved_by_then.count() == 15
    assert all(timezone.localdate(d.created_at) >= SINCE for d in resolved_by_then)


def test_city_plaza_figure_through_the_api(demo, plaza, client):
    from gongzhi.accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    response = client.get(f"/api/v1/demands/stats?place={plaza.code}&since={SINCE}&until={UNTIL}")
    assert response.status_code == 200, response.content
    assert response.json()["resolved"] == 15


def test_the_five_year_medical_problem(demo, plaza):
    (medical,) = Demand.objects.filter(
        place_path__startswith=plaza.path, category__code="medical", agenda_ref__gt=""
    )
    local = timezone.localtime(medical.created_at).date()
    assert local < SINCE  # raised before the branch existed: not among the 15
    assert medical.resolved_at.date() > UNTIL and medical.resolved_at.year == 2019
    assert "城广社康中心" in medical.reply and "五年" in medical.description
    assert medical.agenda_ref == ARTICLE["medical"]["agenda_ref"]
    assert medical.events.filter(kind=EventKind.AGENDA).exists()


def test_the_roll_up_agrees_with_a_recount(demo, plaza):
    def key(row) -> tuple:
        return (row["area_id"], row["day"], row["category_id"], *(row[k] for k in tallies.COUNTERS))

    recounted = {key(r) for r in tallies.recount()}
    kept = {
        key(
            {
                "area_id": t.area_id,
                "day": t.day,
                "category_id": t.category_id,
                **{k: getattr(t, k) for k in tallies.COUNTERS},
            }
        )
        for t in DemandTally.objects.all()
        if any(getattr(t, k) for k in tallies.COUNTERS)
    }
    assert kept == recounted


def test_every_community_has_demands(demo, plaza):
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY)
    assert communities.count() == 12
    for community in communities:
        assert Demand.objects.filter(place_path__startswith=community.path).count() >= 20, community.name


def test_the_demo_accounts_have_something_to_do(demo, plaza):
    assert Demand.objects.filter(
        place__code="dagangkan", status__in=OPEN_STATES, handler__username="dgk"
    ).exists()
    assert Demand.objects.filter(submitted_by__username="resident").count() >= 5
    assert Demand.objects.filter(submitted_by__username="grid", status__in=OPEN_STATES).exists()
    # Historical answers send no text messages: only open demands carry a phone number.
    assert not Notification.objects.filter(recipient__isnull=True).exists()
    assert not [d.number for d in Demand.objects.exclude(status__in=OPEN_STATES) if d.contact_phone]


def test_loading_twice_changes_nothing(demo, plaza):
    models = (Demand, DemandEvent, DemandTally, Category, CategoryAttribute, AuditEvent, Notification)
    before = [m.objects.count() for m in models]
    assert load_demands(log=QUIET) == 0
    assert [m.objects.count() for m in models] == before

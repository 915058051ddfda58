"""Resident demands through their services: the whole state machine as a truth table (the status, level,
timeline event and audit row each transition leaves; refused transitions leave nothing), routing, reopening
and escalation, merge, reject, extension, who is told and how, the statistics roll-up against a full recount
after random histories, the rebuild command, statistics over a date window, and two handlers resolving the
same demand at once on PostgreSQL."""

from __future__ import annotations

import datetime
import io
import random
import threading
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from gongzhi.accounts.models import User
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.demands.models import (
    OPEN_STATES,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandTally,
    EventKind,
    Level,
    Rating,
    Status,
    Urgency,
)
from gongzhi.demands.selectors import demand_stats
from gongzhi.demands.services import (
    demand_accept,
    demand_contact,
    demand_dispatch,
    demand_escalate,
    demand_extend,
    demand_merge,
    demand_rate,
    demand_reject,
    demand_resolve,
    demand_return,
    demand_submit,
    demand_transfer,
    sweep_deadlines,
)
from gongzhi.demands.tallies import (
    COUNTERS,
    DAYS,
    GRAINS,
    MONTHS,
    YEARS,
    contribution,
    recount,
    roll_up,
    split,
)
from gongzhi.notifications.models import Notification
from gongzhi.party.services import org_dissolve
from gongzhi.territory.services import service_point_close
from gongzhi.workdays.calendar import working_deadline
from tests.factories import make_org, make_place, make_point, make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Tuesday in March 2026, far from any holiday: deadlines here are plain weekdays.
START = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
D = datetime.date
PHONE = "13912345678"
DEMAND = "demands.demand"


@pytest.fixture(autouse=True)
def clock():
    """Time stands still at START unless a test moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in the source language."""
    with translation.override("en"):
        yield


def site(message: str, **params) -> str:
    """What the system writes for other people to read later (notes, notifications): the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % params if params else gettext(message)


@dataclass
class Cast:
    world: object
    general: Category
    urgent: Category
    resident: User
    secretary: User  # branch secretary of 大光勘 (dgk): answers at station level there
    estate_secretary: User
    wuhe_staff: User
    admin: User
    outsider: User  # community staff of 象角塘: nothing to do with 五和
    grid_worker: User  # of 五和新村 (xincun)
    reporter: User  # a grid worker of 大光勘 (dgk): reports there
    auditor: User
    other_station: object


@pytest.fixture
def cast(world, resident, secretary, wuhe_staff, admin_user, outsider, grid_worker, auditor) -> Cast:
    return Cast(
        world=world,
        general=Category.objects.create(
            code="sanitation", name="环境卫生", urgency=Urgency.GENERAL, limit_days=5
        ),
        urgent=Category.objects.create(code="water", name="供水", urgency=Urgency.URGENT, limit_days=1),
        resident=resident,
        secretary=secretary,
        estate_secretary=make_user("t-estate", Role.BRANCH_SECRETARY, world.estate),
        wuhe_staff=wuhe_staff,
        admin=admin_user,
        outsider=outsider,
        grid_worker=grid_worker,
        reporter=make_user("t-grid-dgk", Role.GRID_WORKER, world.dgk),
        auditor=auditor,
        other_station=make_point(world.dgk, [], kind="station", code="dgk-station"),
    )


def submit(by, place, category, *, channel=Channel.PORTAL, phone="", text="楼道垃圾堆积，无人清理", **kw):
    return demand_submit(
        by=by,
        channel=channel,
        category=category,
        place=place,
        description=text,
        contact_name="王女士" if phone else "",
        contact_phone=phone,
        **kw,
    )


def fresh(demand: Demand) -> Demand:
    return Demand.objects.get(pk=demand.pk)


def everything_about(demand: Demand) -> dict:
    """What a refused action must leave exactly as it was."""
    return {
        "row": Demand.objects.filter(pk=demand.pk).values().get(),
        "events": list(DemandEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "notifications": Notification.objects.count(),
        "tallies": list(DemandTally.objects.order_by("pk").values()),
    }


# --- the roll-up and its reference -------------------------------------------------------------------


def _counters(source) -> dict:
    return {k: source[k] if isinstance(source, dict) else getattr(source, k) for k in COUNTERS}


def stored_tallies() -> dict:
    """The roll-up as the services kept it (rows that count nothing are no difference)."""
    return {
        (t.area_id, t.day, t.category_id): {"area_path": t.area_path, **_counters(t)}
        for t in DemandTally.objects.all()
        if any(_counters(t).values())
    }


def reference_tallies() -> dict:
    """The reference recount, demand by demand in Python, from tallies.contribution()."""
    cells: dict = {}
    for d in Demand.objects.select_related("area", "place"):
        area = d.area or d.place
        key = (area.pk, timezone.localdate(d.created_at, SHANGHAI), d.category_id)
        row = cells.setdefault(key, {"area_path": area.path, **dict.fromkeys(COUNTERS, 0)})
        for k, v in contribution(d).items():
            row[k] += v
    return {k: v for k, v in cells.items() if any(v[c] for c in COUNTERS)}


def sql_tallies() -> dict:
    return {
        (r["area_id"], r["day"], r["category_id"]): {"area_path": r["area_path"], **_counters(r)}
        for r in recount()
    }


def stored_coarse_tallies() -> dict:
    """The monthly and yearly roll-ups as the services kept them, by grain."""
    return {
        grain.name: {
            (t.area_id, getattr(t, grain.period), t.category_id): {"area_path": t.area_path, **_counters(t)}
            for t in grain.model.objects.all()
            if any(_counters(t).values())
        }
        for grain in (MONTHS, YEARS)
    }


def coarse_of(day_cells: dict) -> dict:
    """The monthly and yearly cells a set of daily cells sums to."""
    rows = [{"area_id": a, "day": d, "category_id": c, **cell} for (a, d, c), cell in day_cells.items()]
    return {
        grain.name: {
            (r["area_id"], r[grain.period], r["category_id"]): {"area_path": r["area_path"], **_counters(r)}
            for r in roll_up(rows, grain)
        }
        for grain in (MONTHS, YEARS)
    }


def assert_rollup_consistent() -> None:
    reference = reference_tallies()
    assert sql_tallies() == reference
    assert stored_tallies() == reference
    assert stored_coarse_tallies() == coarse_of(reference)


# --- the state machine as a truth table --------------------------------------------------------------

STATES = [
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
    Status.REOPENED,
    Status.RETURNED,
    Status.MERGED,
    Status.REJECTED,
]


def bring_to(state: str, c: Cast) -> Demand:
    """A demand at 大光勘, submitted by the resident on the portal, taken to `state` through the services."""
    d = submit(c.resident, c.world.dgk, c.general)
    s = c.secretary
    if state == Status.SUBMITTED:
        return d
    if state == Status.MERGED:
        target = submit(c.reporter, c.world.dgk, c.general, channel=Channel.GRID)
        return demand_merge(by=s, demand=d, into=target)
    if state == Status.REJECTED:
        return demand_reject(by=s, demand=d, reason="不属于社区职责")
    d = demand_accept(by=s, demand=d)
    if state == Status.ACCEPTED:
        return d
    d = demand_dispatch(by=s, demand=d, handler=s)
    if state == Status.DISPATCHED:
        return d
    if state == Status.RETURNED:
        return demand_return(by=s, demand=d, reason="派错了")
    d = demand_contact(by=s, demand=d, note="已电话联系")
    if state == Status.IN_PROGRESS:
        return d
    d = demand_resolve(by=s, demand=d, reply="已清理")
    if state == Status.RESOLVED:
        return d
    if state == Status.CLOSED:
        return demand_rate(by=c.resident, demand=d, rating=Rating.SATISFIED)
    assert state == Status.REOPENED
    return demand_rate(by=c.resident, demand=d, rating=Rating.DISSATISFIED)


@dataclass
class Transition:
    allowed: tuple
    run: object  # (cast, demand, sibling) -> Demand
    status: str | None  # None: unchanged
    events: tuple
    by_resident: bool = False
    level: str = Level.STATION


OPEN = tuple(OPEN_STATES)
TRANSITIONS = {
    "accept": Transition(
        (Status.SUBMITTED,),
        lambda c, d, sib: demand_accept(by=c.secretary, demand=d),
        Status.ACCEPTED,
        (EventKind.ACCEPTED,),
    ),
    "dispatch": Transition(
        # From dispatched or in progress too: dispatching again reassigns it.
        (
            Status.SUBMITTED,
            Status.ACCEPTED,
            Status.RETURNED,
            Status.REOPENED,
            Status.DISPATCHED,
            Status.IN_PROGRESS,
        ),
        lambda c, d, sib: demand_dispatch(by=c.secretary, demand=d, handler=c.secretary),
        Status.DISPATCHED,
        (EventKind.DISPATCHED,),
    ),
    "contact": Transition(
        (Status.DISPATCHED, Status.IN_PROGRESS),
        lambda c, d, sib: demand_contact(by=c.secretary, demand=d, note="上门查看"),
        Status.IN_PROGRESS,
        (EventKind.CONTACTED,),
    ),
    "transfer": Transition(
        OPEN,
        lambda c, d, sib: demand_transfer(by=c.secretary, demand=d, station=c.other_station, reason="就近"),
        Status.DISPATCHED,
        (EventKind.TRANSFERRED,),
    ),
    "return": Transition(
        (Status.DISPATCHED, Status.IN_PROGRESS),
        lambda c, d, sib: demand_return(by=c.secretary, demand=d, reason="不是本站点的"),
        Status.RETURNED,
        (EventKind.RETURNED,),
    ),
    "extend": Transition(
        OPEN,
        lambda c, d, sib: demand_extend(by=c.secretary, demand=d, days=2, reason="等待配件"),
        None,
        (EventKind.EXTENSION_GRANTED,),
    ),
    "resolve": Transition(
        OPEN,
        lambda c, d, sib: demand_resolve(by=c.secretary, demand=d, reply="已处理完毕"),
        Status.RESOLVED,
        (EventKind.RESOLVED,),
    ),
    "rate": Transition(
        (Status.RESOLVED,),
        lambda c, d, sib: demand_rate(by=c.resident, demand=d, rating=Rating.SATISFIED),
        Status.CLOSED,
        (EventKind.RATED,),
        by_resident=True,
    ),
    "escalate": Transition(
        OPEN,
        lambda c, d, sib: demand_escalate(by=c.secretary, demand=d, reason="需要社区协调"),
        None,
        (EventKind.ESCALATED,),
        level=Level.COMMUNITY,
    ),
    "reject": Transition(
        (Status.SUBMITTED, Status.ACCEPTED),
        lambda c, d, sib: demand_reject(by=c.secretary, demand=d, reason="属于物业合同纠纷"),
        Status.REJECTED,
        (EventKind.REJECTED,),
    ),
    "merge": Transition(
        OPEN,
        lambda c, d, sib: demand_merge(by=c.secretary, demand=d, into=sib),
        Status.MERGED,
        (EventKind.MERGED,),
    ),
}


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
def test_the_state_machine(cast, state, action):
    spec = TRANSITIONS[action]
    demand = bring_to(state, cast)
    sibling = submit(cast.reporter, cast.world.dgk, cast.general, channel=Channel.GRID, text="同一处垃圾")
    before = everything_about(demand)
    actor = cast.resident if spec.by_resident else cast.secretary

    if state not in spec.allowed:
        with pytest.raises(ValidationError) as refused:
            spec.run(cast, demand, sibling)
        if action == "resolve" and state == Status.RESOLVED:
            assert refused.value.messages == [f"{cast.secretary} has already resolved this demand."]
        else:
            assert "Reload the page" in refused.value.messages[0]
        assert everything_about(demand) == before
        return

    spec.run(cast, demand, sibling)
    after = fresh(demand)
    assert after.status == (spec.status or state)
    assert after.level == spec.level
    new_events = list(
        DemandEvent.objects.filter(demand=demand).exclude(pk__in=before["events"]).order_by("pk")
    )
    assert [e.kind for e in new_events] == list(spec.events)
    assert all(e.actor == actor and e.status == after.status and e.level == after.level for e in new_events)
    audit = AuditEvent.objects.filter(target_type=DEMAND, target_id=str(demand.pk)).exclude(
        pk__in=before["audit"]
    )
    assert [(a.action, a.actor_id, a.actor_name) for a in audit.order_by("pk")] == [
        (f"demand_{kind}", actor.pk, actor.username) for kind in spec.events
    ]
    assert_rollup_consistent()


def test_the_table_agrees_with_the_actions_the_pages_offer():
    from gongzhi.demands.services import ACTION_STATES

    assert {a: set(states) for a, states in ACTION_STATES.items()} == {
        a: set(t.allowed) for a, t in TRANSITIONS.items() if a != "rate"
    }


STAFF_ACTIONS = [a for a, t in TRANSITIONS.items() if not t.by_resident]


@pytest.mark.parametrize("action", STAFF_ACTIONS)
@pytest.mark.parametrize("who", ["outsider", "grid_worker", "auditor", "resident"])
def test_people_without_the_right_change_nothing(cast, who, action):
    spec = TRANSITIONS[action]
    state = spec.allowed[0]
    demand = bring_to(state, cast)
    sibling = submit(cast.reporter, cast.world.dgk, cast.general, channel=Channel.GRID)
    before = everything_about(demand)
    # The same call, made by someone who may only look (or not even that).
    stand_in = Cast(**{**cast.__dict__, "secretary": getattr(cast, who)})
    with pytest.raises(PermissionDenied):
        spec.run(stand_in, demand, sibling)
    assert everything_about(demand) == before


def test_only_the_resident_who_submitted_rates(cast):
    demand = bring_to(Status.RESOLVED, cast)
    before = everything_about(demand)
    for someone in (cast.secretary, cast.grid_worker, cast.admin):
        with pytest.raises(PermissionDenied):
            demand_rate(by=someone, demand=demand, rating=Rating.SATISFIED)
    assert everything_about(demand) == before


def _bad(cast, d, other):
    s = cast.secretary
    return {
        "blank reply": lambda: demand_resolve(by=s, demand=d, reply="   "),
        "return without reason": lambda: demand_return(by=s, demand=d, reason=" "),
        "transfer without reason": lambda: demand_transfer(
            by=s, demand=d, station=cast.other_station, reason=""
        ),
        "extend by 0": lambda: demand_extend(by=s, demand=d, days=0, reason="x"),
        "extend by 11": lambda: demand_extend(by=s, demand=d, days=11, reason="x"),
        "extend without reason": lambda: demand_extend(by=s, demand=d, days=1, reason=""),
        "merge into itself": lambda: demand_merge(by=s, demand=d, into=d),
        "merge into a closed demand": lambda: demand_merge(by=s, demand=d, into=other),
        "handler who cannot act here": lambda: demand_dispatch(by=s, demand=d, handler=cast.outsider),
        "no such rating": lambda: demand_rate(by=cast.resident, demand=d, rating="meh"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "blank reply",
        "return without reason",
        "transfer without reason",
        "extend by 0",
        "extend by 11",
        "extend without reason",
        "merge into itself",
        "merge into a closed demand",
        "handler who cannot act here",
        "no such rating",
    ],
)
def test_bad_input_is_refused_with_nothing_changed(cast, case):
    closed = bring_to(Status.CLOSED, cast)
    demand = bring_to(Status.IN_PROGRESS, cast)
    if case == "no such rating":
        demand = demand_resolve(by=cast.secretary, demand=demand, reply="好了")
    before = everything_about(demand)
    with pytest.raises(ValidationError) as refused:
        _bad(cast, demand, closed)[case]()
    assert refused.value.messages and all(refused.value.messages)
    assert everything_about(demand) == before


def test_extensions_add_up_to_ten_working_days_at_most(cast):
    demand = bring_to(Status.DISPATCHED, cast)
    demand_extend(by=cast.secretary, demand=demand, days=6, reason="等待审批")
    before = everything_about(demand)
    with pytest.raises(ValidationError):
        demand_extend(by=cast.secretary, demand=demand, days=5, reason="还要等")
    assert everything_about(demand) == before
    demand_extend(by=cast.secretary, demand=demand, days=4, reason="最后一次")
    assert fresh(demand).extension_days == 10


def test_escalation_stops_at_the_subdistrict(cast):
    demand = bring_to(Status.DISPATCHED, cast)
    demand_escalate(by=cast.secretary, demand=demand, reason="协调")
    assert fresh(demand).level == Level.COMMUNITY
    demand_escalate(by=cast.wuhe_staff, demand=demand, reason="跨社区")
    assert fresh(demand).level == Level.SUBDISTRICT
    before = everything_about(demand)
    with pytest.raises(ValidationError) as refused:
        demand_escalate(by=cast.admin, demand=demand, reason="再上")
    assert refused.value.messages == ["This demand is already at the subdistrict."]
    assert everything_about(demand) == before


def test_the_full_journey_leaves_a_timeline(cast):
    demand = bring_to(Status.CLOSED, cast)
    kinds = list(fresh(demand).events.values_list("kind", "status", "level"))
    assert kinds == [
        (EventKind.SUBMITTED, Status.SUBMITTED, Level.STATION),
        (EventKind.ACCEPTED, Status.ACCEPTED, Level.STATION),
        (EventKind.DISPATCHED, Status.DISPATCHED, Level.STATION),
        (EventKind.CONTACTED, Status.IN_PROGRESS, Level.STATION),
        (EventKind.RESOLVED, Status.RESOLVED, Level.STATION),
        (EventKind.RATED, Status.CLOSED, Level.STATION),
    ]
    d = fresh(demand)
    assert d.number == f"SQ20260310{d.pk:06d}"
    assert d.handler == cast.secretary
    assert d.closed_level == Level.STATION and d.solved_locally
    assert d.dispatched_at == d.contacted_at == d.resolved_at == d.closed_at == START
    assert d.rating == Rating.SATISFIED
    assert AuditEvent.objects.filter(target_type=DEMAND, target_id=str(d.pk)).count() == 6


# --- intake ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "   "}, "description"),
        ({"text": "长" * 4001}, "description"),
        ({"phone": "12345"}, "contact_phone"),
    ],
)
def test_a_bad_submission_saves_nothing(cast, change, field):
    kwargs = {"phone": "", "text": "路灯不亮"} | change
    with pytest.raises(ValidationError) as refused:
        submit(cast.resident, cast.world.dgk, cast.general, **kwargs)
    assert field in refused.value.message_dict
    assert not Demand.objects.exists()
    assert not DemandTally.objects.exists()
    assert not Notification.objects.exists()


def test_a_retired_category_is_refused(cast):
    cast.general.active = False
    cast.general.save()
    with pytest.raises(ValidationError) as refused:
        submit(cast.resident, cast.world.dgk, cast.general)
    assert "category" in refused.value.message_dict
    assert not Demand.objects.exists()


def test_walk_ins_are_entered_by_staff_of_the_place(cast):
    with pytest.raises(PermissionDenied):
        submit(cast.outsider, cast.world.dgk, cast.general, channel=Channel.WALK_IN, phone=PHONE)
    assert not Demand.objects.exists()
    demand = submit(cast.wuhe_staff, cast.world.dgk, cast.general, channel=Channel.WALK_IN, phone=PHONE)
    # Staff entering a visitor's demand do not become its submitter: the visitor is told by SMS.
    assert demand.submitted_by is None
    assert fresh(demand).contact_phone == PHONE


def test_the_portal_limits_a_resident_to_five_an_hour(cast, clock):
    for _ in range(5):
        submit(cast.resident, cast.world.dgk, cast.general)
    with pytest.raises(ValidationError):
        submit(cast.resident, cast.world.dgk, cast.general)
    assert Demand.objects.count() == 5
    clock.shift(datetime.timedelta(hours=1, seconds=1))
    submit(cast.resident, cast.world.dgk, cast.general)
    assert Demand.objects.count() == 6


# --- routing -----------------------------------------------------------------------------------------


def test_routing_area_to_its_station_and_branch(cast):
    w = cast.world
    wuhe_centre = w.dgk.served_by.point
    xjt_centre = w.plaza.served_by.point
    new_estate = make_place("garden_estate", w.wuhe, name="新雪花园", code="xinxue")
    own_station = make_point(new_estate, [new_estate], kind="station", code="xinxue-station")
    new_branch = make_org("branch", new_estate, w.wuhe_committee, [new_estate], name="新雪花园党支部")
    unserved = make_place("garden_estate", w.wuhe, name="未设站小区", code="unserved")
    building = make_place("building", w.dgk, name="3栋", code="dgk-3")
    park = make_place("industrial_park", w.wuhe, name="五和工业园", code="wuhe-park")

    cases = [
        # place, area, station, branch
        (w.dgk, w.dgk, wuhe_centre, w.dgk_branch),
        (building, w.dgk, wuhe_centre, w.dgk_branch),
        (w.plaza, w.plaza, xjt_centre, w.plaza_branch),
        (new_estate, new_estate, own_station, new_branch),
        # No ServiceArea: the community's centre; no coverage: no branch.
        (unserved, unserved, wuhe_centre, None),
        # Not in any residential area: the community's centre, and the tally counts it at the park itself.
        (park, None, wuhe_centre, None),
    ]
    for place, area, station, branch in cases:
        d = submit(cast.admin, place, cast.general, channel=Channel.WALK_IN)
        assert (d.area, d.station, d.branch, d.place_path) == (area, station, branch, place.path), place
        assert d.level == Level.STATION and d.status == Status.SUBMITTED
        cell = DemandTally.objects.get(area=area or place, category=cast.general)
        assert cell.area_path == (area or place).path
    assert_rollup_consistent()


def test_routing_skips_closed_points_and_prefers_a_branch_in_force(cast):
    """A submission goes to the point that took the area over from a closed one, and to a branch before
    an organisation of another kind that covered the area first, never to a dissolved branch."""
    w = cast.world
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    estate = make_place("garden_estate", w.wuhe, name="路由花园", code="route-estate")
    closed = make_point(estate, [estate], code="route-closed")
    service_point_close(by=None, point=closed, on=yesterday)
    open_point = make_point(estate, [estate], code="route-open")
    general = make_org("general_branch", estate, w.wuhe_committee, [estate], name="路由花园党总支")
    gone = make_org("branch", estate, w.wuhe_committee, [estate], name="已撤销党支部")
    org_dissolve(by=None, org=gone, on=yesterday)
    branch = make_org("branch", estate, w.wuhe_committee, [estate], name="路由花园党支部")
    only_general = make_place("garden_estate", w.wuhe, name="无支部花园", code="route-general")
    general_point = make_point(only_general, [only_general], code="route-general-point")
    other = make_org("general_branch", only_general, w.wuhe_committee, [only_general], name="无支部党总支")

    for place, station, org in ((estate, open_point, branch), (only_general, general_point, other)):
        d = submit(cast.admin, place, cast.general, channel=Channel.WALK_IN)
        assert (d.station, d.branch) == (station, org), place
    assert general.pk < branch.pk  # the branch wins by kind, not by being first


# --- reopening, escalation, merge, reject, extension -------------------------------------------------


def test_dissatisfied_reopens_and_the_second_reopening_escalates(cast):
    s = cast.secretary
    demand = bring_to(Status.REOPENED, cast)
    d = fresh(demand)
    assert (d.status, d.level, d.reopen_count, d.resolved_at, d.closed_level) == (
        Status.REOPENED,
        Level.STATION,
        1,
        None,
        "",
    )
    assert list(d.events.values_list("kind", flat=True))[-2:] == [EventKind.RATED, EventKind.REOPENED]
    assert (
        Notification.objects.filter(
            recipient=s,
            subject__contains=site(
                "Demand %(number)s was reopened: the resident is dissatisfied", number=d.number
            ),
        ).count()
        == 1
    )
    assert not Notification.objects.filter(recipient=cast.wuhe_staff).exists()
    assert_rollup_consistent()

    demand_dispatch(by=s, demand=d, handler=s)
    demand_resolve(by=s, demand=d, reply="重新清理")
    demand_rate(by=cast.resident, demand=d, rating=Rating.DISSATISFIED)
    d = fresh(demand)
    assert (d.status, d.level, d.reopen_count) == (Status.REOPENED, Level.COMMUNITY, 2)
    assert list(d.events.values_list("kind", flat=True))[-3:] == [
        EventKind.RATED,
        EventKind.REOPENED,
        EventKind.ESCALATED,
    ]
    assert (
        Notification.objects.filter(
            recipient=cast.wuhe_staff,
            subject__contains=site(
                "Demand %(number)s was escalated to you: %(reason)s", number=d.number, reason=""
            ),
        ).count()
        == 1
    )
    assert not Notification.objects.filter(recipient=cast.outsider).exists()
    # Resolved at community level now, it is resolved but not locally.
    demand_resolve(by=cast.wuhe_staff, demand=d, reply="社区协调解决")
    demand_rate(by=cast.resident, demand=d, rating=Rating.BASIC)
    d = fresh(demand)
    assert (d.status, d.closed_level, d.solved_locally, d.rating) == (
        Status.CLOSED,
        Level.COMMUNITY,
        False,
        Rating.BASIC,
    )
    stats = demand_stats(cast.world.wuhe)
    assert (stats["resolved"], stats["resolved_locally"], stats["satisfaction"]) == (
        1,
        0,
        {"satisfied": 0, "basic": 1, "dissatisfied": 0},
    )
    assert_rollup_consistent()


def test_merge_a_duplicate(cast):
    first = submit(cast.reporter, cast.world.dgk, cast.general, channel=Channel.GRID)
    duplicate = submit(cast.resident, cast.world.dgk, cast.general, text="楼道垃圾还是没人管")
    assert DemandTally.objects.get().total == 2

    demand_merge(by=cast.secretary, demand=duplicate, into=first)
    d = fresh(duplicate)
    assert (d.status, d.merged_into) == (Status.MERGED, first)
    assert fresh(first).status == Status.SUBMITTED
    note = fresh(first).events.last()
    assert (note.kind, note.actor) == (EventKind.NOTE, cast.secretary)
    assert duplicate.number in note.note
    assert Notification.objects.filter(recipient=cast.resident, subject__contains=first.number).count() == 1
    # A merged demand no longer counts: the same problem is one demand.
    assert DemandTally.objects.get().total == 1
    # Nothing can be merged into a merged demand, and a merged demand is done with.
    other = submit(cast.reporter, cast.world.dgk, cast.general, channel=Channel.GRID)
    with pytest.raises(ValidationError):
        demand_merge(by=cast.secretary, demand=other, into=d)
    with pytest.raises(ValidationError):
        demand_resolve(by=cast.secretary, demand=d, reply="x")
    assert_rollup_consistent()


def test_reject_tells_the_caller_by_sms(cast, sms_outbox, django_capture_on_commit_callbacks):
    demand = submit(cast.wuhe_staff, cast.world.dgk, cast.general, channel=Channel.PHONE, phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        demand_reject(by=cast.secretary, demand=demand, reason="属于法院管辖")
    d = fresh(demand)
    assert (d.status, d.reply) == (Status.REJECTED, "属于法院管辖")
    sms = Notification.objects.get(recipient__isnull=True)
    assert sms.phone == PHONE
    assert sms.subject == site("Your demand %(number)s could not be accepted", number=d.number)
    assert "sms" in sms.delivered
    assert sms_outbox == [(PHONE, sms.subject)]
    # Rejected demands still count as submitted: a refusal is an answer, not a duplicate.
    assert DemandTally.objects.get().total == 1
    assert_rollup_consistent()


def test_an_extension_refused_says_how_many_days_are_left(cast):
    demand = bring_to(Status.DISPATCHED, cast)
    demand_extend(by=cast.secretary, demand=demand, days=8, reason="等待配件")
    with pytest.raises(ValidationError) as refused:
        demand_extend(by=cast.secretary, demand=fresh(demand), days=3, reason="还要等")
    assert refused.value.message_dict == {"days": ["8 working days were granted already: at most 2 more."]}
    demand_extend(by=cast.secretary, demand=fresh(demand), days=2, reason="最后两天")
    with pytest.raises(ValidationError) as spent:
        demand_extend(by=cast.secretary, demand=fresh(demand), days=1, reason="再等等")
    assert spent.value.message_dict == {
        "days": ["This demand has had the 10 working days of extension it may have."]
    }
    assert fresh(demand).extension_days == 10


def test_an_extension_moves_resolve_due_and_level_due(cast):
    demand = bring_to(Status.DISPATCHED, cast)
    d = fresh(demand)
    assert d.resolve_due == d.level_due == working_deadline(START, 5)
    # 2026-03-10 is a Tuesday: 5 working days → Tuesday 17 March; 3 more → Friday 20 March.
    assert timezone.localdate(d.resolve_due, SHANGHAI) == D(2026, 3, 17)
    demand_extend(by=cast.secretary, demand=d, days=3, reason="等待配件到货")
    d = fresh(demand)
    assert d.extension_days == 3
    assert d.resolve_due == d.level_due == working_deadline(START, 8)
    assert timezone.localdate(d.resolve_due, SHANGHAI) == D(2026, 3, 20)
    event = d.events.last()
    assert (event.kind, event.note) == (
        EventKind.EXTENSION_GRANTED,
        site("%(days)d working days: %(reason)s", days=3, reason="等待配件到货"),
    )


def test_an_extension_never_shortens_a_later_level_deadline(cast, clock):
    demand = bring_to(Status.DISPATCHED, cast)
    clock.move_to(datetime.datetime(2026, 3, 18, 9, tzinfo=SHANGHAI))
    assert sweep_deadlines()["escalated"] == 1
    community_due = fresh(demand).level_due
    assert timezone.localdate(community_due, SHANGHAI) == D(2026, 3, 25)
    demand_extend(by=cast.wuhe_staff, demand=demand, days=1, reason="协调中")
    d = fresh(demand)
    assert timezone.localdate(d.resolve_due, SHANGHAI) == D(2026, 3, 18)
    assert d.level_due == community_due


# --- who is told ---------------------------------------------------------------------------------------


def told(subject_part: str = "") -> set[str]:
    rows = Notification.objects.filter(recipient__isnull=False, subject__contains=subject_part)
    return set(rows.values_list("recipient__username", flat=True))


def test_the_people_answering_at_each_level_are_told(cast):
    demand = submit(cast.resident, cast.world.dgk, cast.general)
    # Station level: the branch secretary of the place (or above it), not the one of another estate.
    assert told(site("New demand %(number)s: %(category)s", number=demand.number, category="")) == {"t-dgk"}
    demand_dispatch(by=cast.secretary, demand=demand, handler=cast.wuhe_staff)
    assert told(site("Demand %(number)s was assigned to you", number=demand.number)) == {"t-wuhe"}
    demand_escalate(by=cast.secretary, demand=demand, reason="需要协调")
    escalated = site("Demand %(number)s was escalated to you: %(reason)s", number=demand.number, reason="")
    assert told(escalated) == {"t-wuhe"}
    demand_escalate(by=cast.wuhe_staff, demand=demand, reason="跨部门")
    assert told(escalated) == {"t-wuhe", "t-admin"}
    assert "t-xjt" not in told() and "t-estate" not in told()
    demand_resolve(by=cast.admin, demand=demand, reply="街道协调解决")
    resolved = Notification.objects.get(
        subject=site("Your demand %(number)s was resolved: please rate the answer", number=demand.number)
    )
    assert (resolved.recipient, resolved.link) == (cast.resident, reverse("portal:demand", args=[demand.pk]))
    assert not Notification.objects.filter(recipient__isnull=True).exists()


def test_a_building_reports_to_the_secretary_of_its_area(cast):
    building = make_place("building", cast.world.estate, name="5栋", code="jzy-5")
    demand = submit(cast.resident, building, cast.general)
    assert told(site("New demand %(number)s: %(category)s", number=demand.number, category="")) == {
        "t-estate"
    }


def test_delivery_runs_after_the_commit(cast, sms_outbox, django_capture_on_commit_callbacks):
    for user, address in ((cast.secretary, "dgk@example.cn"), (cast.resident, "resident@example.cn")):
        user.email = address
        user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False) as pending:
        demand = submit(cast.resident, cast.world.dgk, cast.general)
    assert pending and mail.outbox == []
    for callback in pending:
        callback()
    assert [m.to for m in mail.outbox] == [["dgk@example.cn"]]
    assert "email" in Notification.objects.get(recipient=cast.secretary).delivered

    with django_capture_on_commit_callbacks(execute=True):
        demand_resolve(by=cast.secretary, demand=demand, reply="已清理干净")
    assert [m.to for m in mail.outbox][-1] == ["resident@example.cn"]
    assert sms_outbox == []


def test_a_caller_without_an_account_is_told_by_sms(cast, sms_outbox, django_capture_on_commit_callbacks):
    demand = submit(cast.wuhe_staff, cast.world.dgk, cast.urgent, channel=Channel.PHONE, phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        demand_resolve(by=cast.secretary, demand=demand, reply="已恢复供水")
    sms = Notification.objects.get(recipient__isnull=True)
    assert sms.phone == PHONE and sms.delivered.keys() == {"sms"}
    resolved = site("Your demand %(number)s was resolved: please rate the answer", number=demand.number)
    assert sms_outbox == [(PHONE, resolved)]
    # Nobody can rate through the portal for the caller; staff record the rating by phone (by=None).
    demand_rate(by=None, demand=demand, rating=Rating.SATISFIED)
    assert fresh(demand).status == Status.CLOSED


# --- the roll-up ---------------------------------------------------------------------------------------

OPERATIONS = (
    "submit",
    "accept",
    "dispatch",
    "contact",
    "resolve",
    "rate",
    "merge",
    "reject",
    "extend",
    "escalate",
    "return",
    "transfer",
    "sweep",
)


def random_history(cast: Cast, clock, seed: int, demands_wanted: int = 50) -> None:
    """A seeded random walk over the services, invalid steps included (they must change nothing)."""
    rng = random.Random(seed)
    w = cast.world
    building = make_place("building", w.dgk, name="7栋", code=f"dgk-7-{seed}")
    park = make_place("industrial_park", w.wuhe, name="园区", code=f"park-{seed}")
    # Each place with someone who may report there (grid reports need the right to see the place).
    reporters = {
        w.dgk: cast.reporter,
        building: cast.reporter,
        w.xincun: cast.grid_worker,
        w.estate: cast.wuhe_staff,
        park: cast.wuhe_staff,
        w.plaza: cast.outsider,
    }
    places = list(reporters)
    basic = Category.objects.create(code=f"road-{seed}", name="道路", limit_days=2)
    categories = [cast.general, cast.urgent, basic]
    demands: list[Demand] = []
    staff = cast.admin
    steps = refused = 0
    while len(demands) < demands_wanted or steps < demands_wanted * 6:
        steps += 1
        # Minutes to days: some cross midnight, the weekend and the October holiday; some run late.
        clock.shift(datetime.timedelta(minutes=rng.choice([5, 30, 90, 240, 600, 1500, 2900])))
        op = "submit" if not demands or (len(demands) < demands_wanted and rng.random() < 0.2) else None
        op = op or rng.choice(OPERATIONS)
        d = rng.choice(demands) if demands else None
        try:
            if op == "submit":
                place = rng.choice(places)
                by, channel = rng.choice([(reporters[place], Channel.GRID), (staff, Channel.PHONE)])
                demands.append(
                    submit(
                        by,
                        place,
                        rng.choice(categories),
                        channel=channel,
                        phone=PHONE if channel == Channel.PHONE else "",
                    )
                )
            elif op == "accept":
                demand_accept(by=staff, demand=d)
            elif op == "dispatch":
                demand_dispatch(by=staff, demand=d, handler=rng.choice([None, staff]))
            elif op == "contact":
                demand_contact(by=staff, demand=d)
            elif op == "resolve":
                demand_resolve(by=staff, demand=d, reply="处理完毕")
            elif op == "rate":
                d = fresh(d)
                demand_rate(by=d.submitted_by, demand=d, rating=rng.choice(Rating.values))
            elif op == "merge":
                demand_merge(by=staff, demand=d, into=rng.choice(demands))
            elif op == "reject":
                demand_reject(by=staff, demand=d, reason="不予受理")
            elif op == "extend":
                demand_extend(by=staff, demand=d, days=rng.randint(1, 4), reason="延期")
            elif op == "escalate":
                demand_escalate(by=staff, demand=d, reason="升级")
            elif op == "return":
                demand_return(by=staff, demand=d, reason="退回")
            elif op == "transfer":
                demand_transfer(by=staff, demand=d, station=cast.other_station, reason="转办")
            else:
                sweep_deadlines()
        except (ValidationError, PermissionDenied):
            refused += 1  # a step the state did not allow: the walk goes on, the roll-up must still agree
        if steps % 60 == 0:
            assert_rollup_consistent()
    assert refused > 0  # the walk also tried steps the state did not allow


def test_solved_locally_means_closed_at_the_level_first_dispatched(cast):
    """DOMAIN.md: a station that hands a demand up before dispatching it has not made it the community's
    failure; a demand dispatched at the station and then escalated was not solved locally."""
    handed_up = submit(cast.resident, cast.world.dgk, cast.general)
    demand_escalate(by=cast.secretary, demand=handed_up, reason="需社区协调")
    demand_dispatch(by=cast.wuhe_staff, demand=handed_up, handler=cast.wuhe_staff)
    demand_resolve(by=cast.wuhe_staff, demand=handed_up, reply="社区已协调解决")

    climbed = submit(cast.resident, cast.world.dgk, cast.general)
    demand_dispatch(by=cast.secretary, demand=climbed, handler=cast.secretary)
    demand_escalate(by=cast.secretary, demand=climbed, reason="处理不了")
    demand_dispatch(by=cast.wuhe_staff, demand=climbed, handler=cast.wuhe_staff)
    demand_resolve(by=cast.wuhe_staff, demand=climbed, reply="社区解决")

    first, second = fresh(handed_up), fresh(climbed)
    assert (first.dispatch_level, first.closed_level, first.solved_locally) == (
        Level.COMMUNITY,
        Level.COMMUNITY,
        True,
    )
    assert (second.dispatch_level, second.closed_level, second.solved_locally) == (
        Level.STATION,
        Level.COMMUNITY,
        False,
    )
    stats = demand_stats(cast.world.wuhe)
    assert (stats["resolved"], stats["resolved_locally"]) == (2, 1)
    assert_rollup_consistent()


@pytest.mark.parametrize("seed", [7, 2026, 31337])
def test_the_rollup_equals_a_full_recount_after_a_random_history(cast, clock, seed):
    clock.move_to(datetime.datetime(2026, 9, 21, 8, tzinfo=SHANGHAI))
    random_history(cast, clock, seed)
    assert Demand.objects.count() >= 50
    statuses = set(Demand.objects.values_list("status", flat=True))
    assert len(statuses) >= 5, statuses  # the walk went somewhere
    assert_rollup_consistent()


def test_rebuild_restores_a_wiped_or_damaged_rollup(cast, clock):
    clock.move_to(datetime.datetime(2026, 9, 21, 8, tzinfo=SHANGHAI))
    random_history(cast, clock, seed=99, demands_wanted=30)
    reference = reference_tallies()
    coarse = coarse_of(reference)
    assert stored_tallies() == reference
    assert stored_coarse_tallies() == coarse

    for grain in GRAINS:
        grain.model.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_demand_tallies", "--dry-run", stdout=out)
    assert f"Daily: {len(reference)} cells in the recount; rows that would be created: {len(reference)}" in (
        out.getvalue()
    )
    for label, grain in (("Monthly", "months"), ("Yearly", "years")):
        n = len(coarse[grain])
        assert f"{label}: {n} cells in the recount; rows that would be created: {n}" in out.getvalue()
    assert not any(grain.model.objects.exists() for grain in GRAINS)

    call_command("rebuild_demand_tallies", stdout=out)
    assert stored_tallies() == reference
    assert stored_coarse_tallies() == coarse

    # Damage: a counter off, a wrong path, and a row no demand backs; a month off.
    first = DemandTally.objects.filter(total__gt=0).order_by("pk").first()
    DemandTally.objects.filter(pk=first.pk).update(total=999, area_path="/stale/")
    stray = DemandTally.objects.create(
        area=cast.world.xjt, area_path=cast.world.xjt.path, day=D(2020, 1, 1), category=cast.general, total=3
    )
    month = MONTHS.model.objects.filter(total__gt=0).order_by("pk").first()
    MONTHS.model.objects.filter(pk=month.pk).update(resolved=77)
    out = io.StringIO()
    call_command("rebuild_demand_tallies", stdout=out)
    assert "Daily: " in out.getvalue() and "created: 0, updated: 1, set to zero: 1" in out.getvalue()
    assert "Monthly: " in out.getvalue() and "created: 0, updated: 1, set to zero: 0" in out.getvalue()
    assert stored_tallies() == reference
    assert stored_coarse_tallies() == coarse
    stray.refresh_from_db()
    assert stray.total == 0
    # Nothing left to do: a second rebuild changes nothing, in any roll-up.
    out = io.StringIO()
    call_command("rebuild_demand_tallies", stdout=out)
    assert out.getvalue().count("created: 0, updated: 0, set to zero: 0") == 3


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_window_is_cut_into_whole_years_months_and_edge_days_covering_each_day_once():
    """Every window over 26 months (and open-ended ones) is covered exactly, by whole periods only."""
    calendar = _days(D(2024, 11, 1), D(2026, 12, 31))
    edges = [None, *calendar[::17], D(2025, 1, 1), D(2025, 12, 31), D(2026, 1, 31), D(2026, 2, 28)]
    for coarsest in (YEARS, MONTHS):
        for since in edges:
            for until in edges:
                if since and until and until < since:
                    continue
                parts = split(since, until, coarsest=coarsest)
                covered = []
                for grain, (low, high) in parts:
                    assert low is None or low == grain.start(low), (grain.name, low)
                    assert high is None or high == grain.start(high), (grain.name, high)
                    assert grain is not YEARS or coarsest is YEARS
                    covered += [
                        d
                        for d in calendar
                        if (low is None or grain.start(d) >= low) and (high is None or grain.start(d) <= high)
                    ]
                wanted = [
                    d for d in calendar if (since is None or d >= since) and (until is None or d <= until)
                ]
                assert sorted(covered) == wanted, (since, until, parts)
                # Few parts: a year span, up to two month spans, up to two day spans.
                assert len(parts) <= 5
                assert sum(1 for g, _span in parts if g is DAYS) <= 2


def test_statistics_of_any_window_equal_the_daily_cells_in_it(cast, clock):
    """demand_stats reads whole months from the monthly roll-up: the figures are those of the days."""
    clock.move_to(datetime.datetime(2026, 7, 20, 8, tzinfo=SHANGHAI))
    random_history(cast, clock, seed=5, demands_wanted=40)
    days = sorted(DemandTally.objects.values_list("day", flat=True).distinct())
    assert days[-1].month != days[0].month  # the history crosses a month's edge
    rng = random.Random(5)
    place = cast.world.bantian
    windows = [(None, None), (days[0], None), (None, days[-1])]
    windows += [tuple(sorted(rng.sample(days, 2))) for _ in range(25)]
    for since, until in windows:
        cells = DemandTally.objects.filter(area_path__startswith=place.path)
        if since:
            cells = cells.filter(day__gte=since)
        if until:
            cells = cells.filter(day__lte=until)
        expected = {k: sum(getattr(c, k) for c in cells) for k in COUNTERS}
        stats = demand_stats(place, since, until)
        got = {
            **{k: stats[k] for k in ("total", "resolved", "resolved_locally", "on_time")},
            **stats["satisfaction"],
        }
        assert got == expected, (since, until)
        assert sum(stats["by_category"].values()) == expected["total"]


def test_the_recount_is_one_grouped_query_whatever_the_number_of_demands(cast, clock):
    for i in range(40):
        clock.shift(datetime.timedelta(hours=7))
        submit(cast.admin, [cast.world.dgk, cast.world.plaza][i % 2], cast.general, channel=Channel.PHONE)
    with CaptureQueriesContext(connection) as queries:
        rows = recount()
    # One GROUP BY over the demands, one look-up of the areas' paths.
    assert len(queries) == 2
    assert "GROUP BY" in queries[0]["sql"].upper()
    assert sum(r["total"] for r in rows) == 40
    assert_rollup_consistent()


def test_the_day_of_a_demand_is_the_sites_day_whatever_the_active_time_zone(cast, clock):
    # 07:30 in Shanghai is still the previous evening in UTC.
    clock.move_to(datetime.datetime(2026, 3, 11, 7, 30, tzinfo=SHANGHAI))
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        submit(cast.reporter, cast.world.dgk, cast.general, channel=Channel.GRID)
        assert [r["day"] for r in recount()] == [D(2026, 3, 11)]
    assert DemandTally.objects.get().day == D(2026, 3, 11)
    assert_rollup_consistent()


# --- statistics over a date window ------------------------------------------------------------------


def test_demand_stats_over_a_date_window(cast, clock):
    s, c = cast.secretary, cast
    # 10 March: two at 五和; one solved on the spot, satisfied.
    first = submit(c.resident, c.world.dgk, c.general)
    for step in (demand_accept, demand_dispatch, demand_contact):
        step(by=s, demand=first)
    demand_resolve(by=s, demand=first, reply="已清理")
    demand_rate(by=c.resident, demand=first, rating=Rating.SATISFIED)
    submit(c.grid_worker, c.world.xincun, c.urgent, channel=Channel.GRID)
    # 11 March, 00:30 Beijing time (still 10 March in UTC): escalated, solved by the community, late.
    clock.move_to(datetime.datetime(2026, 3, 11, 0, 30, tzinfo=SHANGHAI))
    late = submit(c.resident, c.world.estate, c.urgent)
    demand_escalate(by=c.wuhe_staff, demand=late, reason="物业不配合")
    clock.move_to(datetime.datetime(2026, 3, 16, 9, tzinfo=SHANGHAI))
    demand_resolve(by=c.wuhe_staff, demand=late, reply="社区约谈物业")
    demand_rate(by=c.resident, demand=late, rating=Rating.BASIC)
    # 12 March: one at 象角塘 (another community), and a duplicate that is merged away.
    clock.move_to(datetime.datetime(2026, 3, 12, 15, tzinfo=SHANGHAI))
    plaza = submit(c.resident, c.world.plaza, c.general)
    dup = submit(c.resident, c.world.plaza, c.general)
    demand_merge(by=c.admin, demand=dup, into=plaza)

    w = c.world
    day1 = demand_stats(w.wuhe, since=D(2026, 3, 10), until=D(2026, 3, 10))
    assert day1 == {
        "total": 2,
        "resolved": 1,
        "resolved_locally": 1,
        "on_time": 1,
        "satisfaction": {"satisfied": 1, "basic": 0, "dissatisfied": 0},
        "by_category": {"sanitation": 1, "water": 1},
    }
    two_days = demand_stats(w.wuhe, since=D(2026, 3, 10), until=D(2026, 3, 11))
    assert (two_days["total"], two_days["resolved"], two_days["resolved_locally"], two_days["on_time"]) == (
        3,
        2,
        1,
        1,
    )
    assert two_days["satisfaction"] == {"satisfied": 1, "basic": 1, "dissatisfied": 0}
    assert two_days["by_category"] == {"sanitation": 1, "water": 2}
    assert demand_stats(w.wuhe, since=D(2026, 3, 11))["total"] == 1
    assert demand_stats(w.wuhe, since=D(2026, 3, 12))["total"] == 0
    assert demand_stats(w.xjt)["total"] == 1  # the merged duplicate is not a second demand
    everything = demand_stats(w.bantian)
    assert (everything["total"], everything["resolved"]) == (4, 2)
    assert demand_stats(w.dgk, until=D(2026, 3, 9))["total"] == 0
    assert_rollup_consistent()


# --- two handlers at once (PostgreSQL) --------------------------------------------------------------

_VENDOR = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
# Decided when the suite is collected: on PostgreSQL the test runs; on SQLite it is listed as not
# applicable, with the reason, in the summary (-ra) — SQLite serialises writers, so there is no race to
# lose. `make test` runs the suite on both databases.
ON_THIS_DATABASE = (
    [pytest.param("postgresql", id="postgresql")]
    if _VENDOR == "postgresql"
    else [
        pytest.param(
            _VENDOR,
            id=f"{_VENDOR}-not-applicable",
            marks=pytest.mark.skip(
                reason=f"not applicable on {_VENDOR}: needs PostgreSQL row locks between two connections; "
                "runs in the PostgreSQL pass of `make test`"
            ),
        )
    ]
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("vendor", ON_THIS_DATABASE)
def test_two_handlers_resolving_at_once_one_wins_the_other_is_told(vendor, cast):
    assert connection.vendor == vendor
    demand = bring_to(Status.IN_PROGRESS, cast)
    handlers = [cast.secretary.pk, cast.wuhe_staff.pk]
    barrier = threading.Barrier(len(handlers))
    outcomes: dict[str, object] = {}

    def resolve_as(user_pk: int) -> None:
        try:
            with translation.override("en"):
                user = User.objects.get(pk=user_pk)  # on this thread's own connection
                barrier.wait(timeout=10)
                try:
                    demand_resolve(by=user, demand=Demand(pk=demand.pk), reply=f"{user}处理完毕")
                    outcomes[user.username] = "resolved"
                except ValidationError as exc:
                    outcomes[user.username] = exc.messages
        except Exception as exc:  # reported by the assertion below
            outcomes[f"error-{user_pk}"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve_as, args=(pk,)) for pk in handlers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["t-dgk", "t-wuhe"], outcomes
    winners = [name for name, outcome in outcomes.items() if outcome == "resolved"]
    assert len(winners) == 1, outcomes
    (winner,) = winners
    (loser,) = set(outcomes) - {winner}
    assert outcomes[loser] == [f"{winner} has already resolved this demand."]

    d = fresh(demand)
    assert d.status == Status.RESOLVED
    resolved = d.events.filter(kind=EventKind.RESOLVED)
    assert [e.actor.username for e in resolved] == [winner]
    assert d.reply == f"{winner}处理完毕"
    assert (
        Notification.objects.filter(
            subject=site("Your demand %(number)s was resolved: please rate the answer", number=d.number)
        ).count()
        == 1
    )
    assert DemandTally.objects.get().resolved == 1
    assert_rollup_consistent()


def test_the_upgrade_fills_the_monthly_and_yearly_roll_ups_from_the_daily_one(cast, clock):
    """Migration 0003 sums an existing installation's daily cells, so its statistics are right at once."""
    import importlib

    from django.apps import apps

    clock.move_to(datetime.datetime(2026, 9, 21, 8, tzinfo=SHANGHAI))
    random_history(cast, clock, seed=3, demands_wanted=30)
    reference = reference_tallies()
    for grain in (MONTHS, YEARS):
        grain.model.objects.all().delete()
    migration = importlib.import_module("gongzhi.demands.migrations.0003_month_and_year_tallies")
    migration.fill_from_days(apps, None)
    assert stored_coarse_tallies() == coarse_of(reference)

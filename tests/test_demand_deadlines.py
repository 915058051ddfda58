"""Demand deadlines with frozen time across the 2026 National Day holiday and its make-up working days (from
the `chinese_calendar` package, the default source of gongzhi.workdays), the warning a day before, the
overdue sweep run as a task (escalation with a fresh level deadline, statistics afterwards, idempotence),
reopened demands, and the sweep keeping itself going on the database task worker."""

from __future__ import annotations

import datetime
import io
import signal
import zoneinfo

import chinese_calendar
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.demands import tasks
from gongzhi.demands.models import Category, Channel, Demand, DemandEvent, EventKind, Level, Rating, Status
from gongzhi.demands.selectors import counts_by_status, demand_stats
from gongzhi.demands.services import (
    demand_dispatch,
    demand_escalate,
    demand_extend,
    demand_rate,
    demand_resolve,
    demand_submit,
)
from gongzhi.demands.tasks import pending_sweeps, sweep_demand_deadlines
from gongzhi.notifications.models import Notification
from gongzhi.workdays.calendar import forget_overrides, is_working_day, package_days
from gongzhi.workdays.models import DayKind
from gongzhi.workdays.services import calendar_day_add
from tests.factories import make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
SWEEP = "gongzhi.demands.tasks.sweep_demand_deadlines"


def at(year, month, day, hour=10, minute=0, second=0, micro=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=SHANGHAI)


def end_of(day: datetime.date) -> datetime.datetime:
    """23:59:59.999999 Beijing time: a deadline is the end of its working day."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def site(message: str, **params) -> str:
    """What the system writes for other people to read later (notes, notifications): the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % params if params else gettext(message)


@pytest.fixture(autouse=True)
def fresh_overrides():
    forget_overrides()
    yield
    forget_overrides()


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 9, 30, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def reporter(world):
    """A grid worker of 大光勘 (dgk), where the cast's branch secretary answers at station level."""
    return make_user("t-grid-dgk", Role.GRID_WORKER, world.dgk)


@pytest.fixture
def general(db):
    return Category.objects.create(code="sanitation", name="环境卫生", urgency="general", limit_days=5)


@pytest.fixture
def urgent(db):
    return Category.objects.create(code="water", name="供水", urgency="urgent", limit_days=1)


def submit(by, place, category, **kw) -> Demand:
    return demand_submit(
        by=by, channel=Channel.GRID, category=category, place=place, description="路灯坏了", **kw
    )


def fresh(demand: Demand) -> Demand:
    return Demand.objects.get(pk=demand.pk)


def events(demand: Demand, kind: str) -> list[DemandEvent]:
    return list(DemandEvent.objects.filter(demand=demand, kind=kind))


# --- the calendar the deadlines count on -------------------------------------------------------------


def test_the_2026_national_day_schedule_as_the_package_ships_it(db):
    """The facts the literal dates below rest on: 1–7 October off, Sunday 20 September and Saturday
    10 October worked (the State Council notice, as chinese_calendar 1.11.0 carries it)."""
    national_day = {p.date: p.kind for p in package_days(2026) if p.name == "National Day"}
    assert national_day == {
        D(2026, 9, 20): DayKind.WORKDAY,
        **{D(2026, 10, d): DayKind.HOLIDAY for d in range(1, 8)},
        D(2026, 10, 10): DayKind.WORKDAY,
    }
    assert all(chinese_calendar.is_holiday(D(2026, 10, d)) for d in range(1, 8))
    assert not is_working_day(D(2026, 10, 1))
    assert is_working_day(D(2026, 10, 10))  # a Saturday
    assert not is_working_day(D(2026, 10, 11))  # the Sunday after it
    assert is_working_day(D(2026, 9, 20))  # a Sunday
    assert [is_working_day(D(2026, 9, d)) for d in (25, 26, 27, 28)] == [False, False, False, True]


# --- deadlines at submission -------------------------------------------------------------------------


def test_a_general_demand_on_the_eve_of_national_day(clock, world, reporter, general):
    """5 working days from Wednesday 30 September: 1–7 October are off; Thursday 8 (1), Friday 9 (2),
    Saturday 10, a make-up working day (3), Monday 12 (4), Tuesday 13 (5)."""
    demand = submit(reporter, world.dgk, general)
    assert demand.created_at == at(2026, 9, 30, 10)
    assert demand.resolve_due == end_of(D(2026, 10, 13))
    assert demand.resolve_due == at(2026, 10, 13, 23, 59, 59, 999999)
    assert demand.level_due == demand.resolve_due
    assert demand.dispatch_due == at(2026, 9, 30, 12)  # general: 2 hours
    assert demand.contact_due == at(2026, 10, 1, 10)  # 24 hours, holiday or not
    assert fresh(demand).resolve_due == end_of(D(2026, 10, 13))


def test_an_urgent_demand_is_dispatched_within_half_an_hour(clock, world, reporter, urgent):
    demand = submit(reporter, world.dgk, urgent)
    assert demand.dispatch_due == at(2026, 9, 30, 10, 30)
    assert demand.contact_due == at(2026, 10, 1, 10)
    # One working day from the eve of the holiday: the first working day after it.
    assert demand.resolve_due == end_of(D(2026, 10, 8))


@pytest.mark.parametrize(
    ("submitted", "limit", "due"),
    [
        (at(2026, 9, 30, 10), 1, D(2026, 10, 8)),
        (at(2026, 9, 30, 23, 30), 1, D(2026, 10, 8)),
        # Limit 0 means "by the end of today, or of the next working day": the day is Beijing's.
        (at(2026, 9, 30, 10), 0, D(2026, 9, 30)),
        (datetime.datetime(2026, 9, 30, 15, 59, tzinfo=datetime.UTC), 0, D(2026, 9, 30)),
        # 16:30 UTC on 30 September is already 1 October in Beijing: counted from the holiday.
        (datetime.datetime(2026, 9, 30, 16, 30, tzinfo=datetime.UTC), 0, D(2026, 10, 8)),
        (datetime.datetime(2026, 9, 30, 16, 30, tzinfo=datetime.UTC), 5, D(2026, 10, 13)),
        (at(2026, 10, 4, 9), 2, D(2026, 10, 9)),
        (at(2026, 10, 9, 17), 1, D(2026, 10, 10)),  # Friday → the make-up Saturday
        (at(2026, 10, 9, 17), 2, D(2026, 10, 12)),  # … and over the Sunday
        (at(2026, 10, 10, 9), 1, D(2026, 10, 12)),  # submitted on the make-up Saturday
        (at(2026, 9, 19, 9), 1, D(2026, 9, 20)),  # Saturday → the make-up Sunday
        (at(2026, 9, 24, 9), 1, D(2026, 9, 28)),  # Mid-Autumn Festival, 25–27 September
        (at(2026, 9, 24, 9), 10, D(2026, 10, 15)),  # across both holidays
    ],
)
def test_resolution_deadlines_across_the_holidays(world, reporter, submitted, limit, due):
    category = Category.objects.create(code=f"c{limit}", name="类别", limit_days=limit)
    with time_machine.travel(submitted, tick=False):
        demand = submit(reporter, world.dgk, category)
    assert demand.resolve_due == demand.level_due == end_of(due)


def test_an_override_row_moves_the_deadline(clock, world, reporter, general):
    """The calendar is data: a day an administrator declares a holiday is skipped too."""
    calendar_day_add(by=None, day=D(2026, 10, 9), kind=DayKind.HOLIDAY, note="假设的调整")
    demand = submit(reporter, world.dgk, general)
    assert demand.resolve_due == end_of(D(2026, 10, 14))


def test_an_extension_counts_working_days_from_the_submission(clock, world, reporter, secretary, general):
    demand = submit(reporter, world.dgk, general)
    clock.move_to(at(2026, 10, 12, 9))
    demand_extend(by=secretary, demand=demand, days=2, reason="等待维修队")
    d = fresh(demand)
    # 5 + 2 working days from 30 September: 13 October, then Wednesday 14 and Thursday 15.
    assert d.resolve_due == d.level_due == end_of(D(2026, 10, 15))


# --- warning and escalation ----------------------------------------------------------------------------


def test_the_warning_is_sent_once_a_day_before_the_level_deadline(clock, world, reporter, secretary, general):
    demand = submit(reporter, world.dgk, general)
    assert demand.level_due == end_of(D(2026, 10, 13))

    clock.move_to(at(2026, 10, 12, 23, 59, 59))  # 24 hours and a fraction of a second before
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert fresh(demand).warned_at is None

    clock.move_to(at(2026, 10, 13, 0, 0))
    assert sweep_demand_deadlines.call() == {"warned": 1, "escalated": 0}
    d = fresh(demand)
    assert d.warned_at == at(2026, 10, 13, 0, 0)
    (warned,) = events(d, EventKind.WARNED)
    assert (warned.note, warned.actor, warned.at) == (
        site("Due by %(due)s", due="2026-10-13 23:59"),
        None,
        at(2026, 10, 13, 0, 0),
    )
    due_soon = Notification.objects.filter(
        subject__contains=site("Demand %(number)s is due within a day", number=demand.number)
    )
    assert list(due_soon.values_list("recipient", flat=True)) == [secretary.pk]

    for later in (at(2026, 10, 13, 0, 1), at(2026, 10, 13, 18)):
        clock.move_to(later)
        assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert len(events(d, EventKind.WARNED)) == 1
    assert due_soon.count() == 1
    assert fresh(demand).level == Level.STATION


def test_an_overdue_demand_is_escalated_by_the_sweep_task(
    clock, world, reporter, secretary, wuhe_staff, outsider, general
):
    demand = submit(reporter, world.dgk, general)
    demand_dispatch(by=secretary, demand=demand, handler=secretary)
    clock.move_to(at(2026, 10, 14, 0, 0, 1))
    audit_before = AuditEvent.objects.count()

    # Through the task queue (the tests' ImmediateBackend runs it at once, and schedules no next one).
    result = sweep_demand_deadlines.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == {"warned": 0, "escalated": 1}

    d = fresh(demand)
    assert (d.status, d.level) == (Status.DISPATCHED, Level.COMMUNITY)
    # The community gets a fresh time limit from now: Thursday 15 … Wednesday 21 October.
    assert d.level_due == end_of(D(2026, 10, 21))
    # The promise to the resident, which the statistics measure, does not move.
    assert d.resolve_due == end_of(D(2026, 10, 13))
    (escalated,) = events(d, EventKind.ESCALATED)
    assert (escalated.note, escalated.actor, escalated.level) == (
        site("Not resolved in time"),
        None,
        Level.COMMUNITY,
    )
    assert AuditEvent.objects.filter(action="demand_escalated", actor_name="system").count() == 1
    assert AuditEvent.objects.count() == audit_before + 1
    told = Notification.objects.filter(
        subject__contains=site(
            "Demand %(number)s was escalated to you: %(reason)s", number=demand.number, reason=""
        )
    )
    assert list(told.values_list("recipient__username", flat=True)) == [wuhe_staff.username]
    assert counts_by_status(Demand.objects.all(), timezone.now())["overdue"] == 0

    # Idempotent: the same sweep again, now or a minute later, changes nothing.
    snapshot = Demand.objects.filter(pk=demand.pk).values().get()
    for _ in range(2):
        assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
        clock.shift(datetime.timedelta(minutes=1))
    assert Demand.objects.filter(pk=demand.pk).values().get() == snapshot
    assert len(events(d, EventKind.ESCALATED)) == 1
    assert told.count() == 1

    # Resolved by the community: resolved, but not locally, and late against the promise.
    clock.move_to(at(2026, 10, 15, 16))
    demand_resolve(by=wuhe_staff, demand=d, reply="社区协调供电局修复")
    demand_rate(by=reporter, demand=d, rating=Rating.SATISFIED)
    d = fresh(demand)
    assert (d.closed_level, d.solved_locally) == (Level.COMMUNITY, False)
    stats = demand_stats(world.wuhe, since=D(2026, 9, 30), until=D(2026, 9, 30))
    assert (stats["total"], stats["resolved"], stats["resolved_locally"], stats["on_time"]) == (1, 1, 0, 0)
    assert stats["satisfaction"]["satisfied"] == 1
    assert demand_stats(world.xjt)["total"] == 0

    clock.move_to(at(2026, 11, 30))
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert fresh(demand).level == Level.COMMUNITY


def test_each_level_is_warned_and_escalated_in_turn(clock, world, reporter, wuhe_staff, admin_user, general):
    demand = submit(reporter, world.dgk, general)
    clock.move_to(at(2026, 10, 14, 0, 0, 1))
    assert sweep_demand_deadlines.call()["escalated"] == 1
    clock.move_to(at(2026, 10, 21, 9))  # within a day of the community's deadline
    assert sweep_demand_deadlines.call() == {"warned": 1, "escalated": 0}
    assert Notification.objects.filter(
        recipient=wuhe_staff,
        subject__contains=site("Demand %(number)s is due within a day", number=demand.number),
    ).exists()
    clock.move_to(at(2026, 10, 22, 9))
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 1}
    d = fresh(demand)
    assert (d.level, d.level_due) == (Level.SUBDISTRICT, end_of(D(2026, 10, 29)))
    assert Notification.objects.filter(
        recipient=admin_user,
        subject__contains=site(
            "Demand %(number)s was escalated to you: %(reason)s", number=demand.number, reason=""
        ),
    ).exists()
    # There is no level above the subdistrict: it stays overdue there, and is not escalated again.
    clock.move_to(at(2026, 11, 2, 9))
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert fresh(demand).level == Level.SUBDISTRICT
    assert counts_by_status(Demand.objects.all(), timezone.now())["overdue"] == 1
    assert len(events(demand, EventKind.ESCALATED)) == 2


def test_escalating_by_hand_restarts_the_level_deadline(clock, world, reporter, secretary, general):
    """models.Demand.level_due: "escalation to the next level restarts it" — by hand as by the sweep."""
    demand = submit(reporter, world.dgk, general)
    clock.move_to(at(2026, 10, 13, 17))  # the station gives up on its last afternoon
    demand_escalate(by=secretary, demand=demand, reason="需要社区协调")
    d = fresh(demand)
    assert d.level == Level.COMMUNITY
    # 5 working days from Tuesday 13 October: Wednesday 14 … Tuesday 20.
    assert d.level_due == end_of(D(2026, 10, 20))
    assert d.resolve_due == end_of(D(2026, 10, 13))
    clock.move_to(at(2026, 10, 14, 9))
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert fresh(demand).level == Level.COMMUNITY


def test_a_reopened_demand_gets_a_fresh_deadline_and_escalates_on_the_second_reopening(
    clock, world, reporter, secretary, wuhe_staff, general
):
    """Dissatisfied reopens at the same level; only the second reopening escalates. A resident who rates
    after the first deadline has passed must not have the sweep escalate the demand at once."""
    demand = submit(reporter, world.dgk, general)
    clock.move_to(at(2026, 10, 9, 15))
    demand_resolve(by=secretary, demand=demand, reply="已更换灯泡")
    clock.move_to(at(2026, 10, 15, 10))  # rated after the station's deadline (13 October)
    demand_rate(by=reporter, demand=demand, rating=Rating.DISSATISFIED)
    d = fresh(demand)
    assert (d.status, d.level, d.reopen_count) == (Status.REOPENED, Level.STATION, 1)
    # A fresh 5 working days for the station: Friday 16 … Thursday 22 October.
    assert d.level_due == end_of(D(2026, 10, 22))
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert fresh(demand).level == Level.STATION

    clock.move_to(at(2026, 10, 20, 15))
    demand_dispatch(by=secretary, demand=d, handler=secretary)
    demand_resolve(by=secretary, demand=d, reply="已修好线路")
    clock.move_to(at(2026, 10, 26, 10))
    demand_rate(by=reporter, demand=d, rating=Rating.DISSATISFIED)
    d = fresh(demand)
    assert (d.status, d.level, d.reopen_count) == (Status.REOPENED, Level.COMMUNITY, 2)
    # The community's own 5 working days: Tuesday 27 October … Monday 2 November.
    assert d.level_due == end_of(D(2026, 11, 2))
    assert sweep_demand_deadlines.call() == {"warned": 0, "escalated": 0}
    assert fresh(demand).level == Level.COMMUNITY
    assert Notification.objects.filter(
        recipient=wuhe_staff, subject__contains=site("Reopened %(n)d times", n=2)
    ).exists()


# --- the commands --------------------------------------------------------------------------------------


def test_demand_sweep_command_with_and_without_dry_run(clock, world, reporter, general):
    demand = submit(reporter, world.dgk, general)
    soon = submit(reporter, world.dgk, general)
    clock.move_to(at(2026, 10, 14, 9))
    soon_due = at(2026, 10, 15, 8)
    Demand.objects.filter(pk=soon.pk).update(level_due=soon_due)
    events_before = DemandEvent.objects.count()
    notes_before = Notification.objects.count()

    out = io.StringIO()
    call_command("demand_sweep", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "warned: 1, escalated: 1 (dry run: nothing changed)"
    assert fresh(demand).level == Level.STATION and fresh(soon).warned_at is None
    assert (DemandEvent.objects.count(), Notification.objects.count()) == (events_before, notes_before)

    out = io.StringIO()
    call_command("demand_sweep", stdout=out)
    assert out.getvalue().strip() == "warned: 1, escalated: 1"
    assert fresh(demand).level == Level.COMMUNITY and fresh(soon).warned_at is not None

    out = io.StringIO()
    call_command("demand_sweep", stdout=out)
    assert out.getvalue().strip() == "warned: 0, escalated: 0"


def test_with_a_backend_that_cannot_defer_the_sweep_runs_once(clock, world, reporter, general):
    """The tests' ImmediateBackend runs a task inside enqueue(): a self-scheduling sweep would recurse
    for ever. It sweeps once and schedules nothing."""
    assert not sweep_demand_deadlines.get_backend().supports_defer
    submit(reporter, world.dgk, general)
    clock.move_to(at(2026, 10, 14, 9))
    out = io.StringIO()
    call_command("schedule_demand_sweep", stdout=out)
    assert "cannot defer tasks" in out.getvalue()
    assert Demand.objects.get().level == Level.COMMUNITY
    assert pending_sweeps() is None
    assert not DBTaskResult.objects.exists()


# --- the sweep on the database task worker ----------------------------------------------------------


@pytest.fixture
def database_tasks(settings):
    """The production backend (django_tasks_db) instead of the tests' ImmediateBackend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert sweep_demand_deadlines.get_backend().supports_defer


@pytest.fixture
def keep_signal_handlers():
    """db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back afterwards."""
    names = [s for s in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, s)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


def run_worker() -> None:
    """`gongzhi db_worker --batch`: run every task that is due, then stop."""
    call_command(
        "db_worker",
        batch=True,
        startup_delay=False,
        reload=False,
        interval=0,
        verbosity=0,
        stdout=io.StringIO(),
    )


def sweeps(status: str):
    return DBTaskResult.objects.filter(task_path=SWEEP, status=status).order_by("enqueued_at")


@pytest.mark.django_db(transaction=True)
def test_the_sweep_keeps_itself_going_on_the_worker(
    database_tasks, keep_signal_handlers, clock, world, reporter, general
):
    demand = submit(reporter, world.dgk, general)
    start = at(2026, 10, 14, 9)
    clock.move_to(start)

    out = io.StringIO()
    call_command("schedule_demand_sweep", stdout=out)
    call_command("schedule_demand_sweep", stdout=out)  # serve.sh started twice: still one
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Demand deadline sweep scheduled") and "every 60 seconds" in lines[0]
    assert lines[1] == "A demand deadline sweep is already scheduled: nothing to do."
    assert pending_sweeps().count() == 1

    run_worker()
    (first,) = sweeps(TaskResultStatus.SUCCESSFUL)
    assert first.return_value == {"warned": 0, "escalated": 1}
    assert fresh(demand).level == Level.COMMUNITY
    (following,) = pending_sweeps()
    assert following.run_after == start + tasks.SWEEP_INTERVAL

    # Not due yet: the worker leaves it, and scheduling again adds nothing.
    run_worker()
    call_command("schedule_demand_sweep", stdout=io.StringIO())
    assert sweeps(TaskResultStatus.SUCCESSFUL).count() == 1
    assert pending_sweeps().get() == following

    clock.shift(datetime.timedelta(seconds=61))
    run_worker()
    assert [s.return_value for s in sweeps(TaskResultStatus.SUCCESSFUL)] == [
        {"warned": 0, "escalated": 1},
        {"warned": 0, "escalated": 0},
    ]
    (third,) = pending_sweeps()
    assert third.run_after == start + datetime.timedelta(seconds=61) + tasks.SWEEP_INTERVAL
    # The notifications of the escalation went through the same worker.
    assert (
        not DBTaskResult.objects.exclude(task_path=SWEEP).exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    )


@pytest.mark.django_db(transaction=True)
def test_a_failing_sweep_still_schedules_the_next(database_tasks, keep_signal_handlers, clock, monkeypatch):
    def broken(now=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(tasks.services, "sweep_deadlines", broken)
    tasks.schedule_sweep()
    run_worker()
    (failed,) = sweeps(TaskResultStatus.FAILED)
    assert "database hiccup" in failed.traceback
    assert pending_sweeps().count() == 1

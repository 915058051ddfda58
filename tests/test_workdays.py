"""The working-day calendar: the 2026 schedule as the package ships it, counting across National Day and
Spring Festival, the weekday fallback beyond the package's years, override rows winning both ways, the
end-of-day deadline in Beijing time, a property over 2025–2028, the admin pages and the load command."""

from __future__ import annotations

import datetime
import io
import zoneinfo

import chinese_calendar
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gongzhi.core.models import AuditEvent
from gongzhi.workdays.calendar import (
    add_working_days,
    forget_overrides,
    is_working_day,
    working_days_between,
    working_deadline,
)
from gongzhi.workdays.models import CalendarDay, DayKind
from gongzhi.workdays.services import calendar_day_add, calendar_day_remove

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AUDITED = "workdays.calendarday"


def on(year: int, month: int, day: int, hour: int = 10):
    """Freeze now at `hour`:00 Beijing time."""
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture(autouse=True)
def fresh_overrides():
    """Each test starts without a copy of another test's (rolled-back) override rows."""
    forget_overrides()
    yield
    forget_overrides()


# --- the package's 2026 schedule, as installed ---------------------------------------------------------

# Read from chinesecalendar 1.11.0 for 2026-09-20 .. 2026-10-11 (State Council notice for 2026):
# Mid-autumn 25–27 Sep (Fri–Sun), National Day 1–7 Oct (Thu–Wed), make-up working days Sun 20 Sep and
# Sat 10 Oct; Sun 11 Oct is an ordinary weekend day.
NATIONAL_DAY_2026 = {
    D(2026, 9, 20): True,  # Sunday, make-up working day
    D(2026, 9, 24): True,
    D(2026, 9, 25): False,  # Mid-autumn Festival
    D(2026, 9, 26): False,
    D(2026, 9, 27): False,
    D(2026, 9, 28): True,
    D(2026, 9, 29): True,
    D(2026, 9, 30): True,
    **{D(2026, 10, day): False for day in range(1, 8)},  # National Day
    D(2026, 10, 8): True,
    D(2026, 10, 9): True,
    D(2026, 10, 10): True,  # Saturday, make-up working day
    D(2026, 10, 11): False,  # Sunday
    D(2026, 10, 12): True,
}


def test_the_installed_package_has_the_2026_national_day_schedule():
    assert chinese_calendar.get_holiday_detail(D(2026, 10, 1)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2026, 10, 7)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2026, 9, 20)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2026, 10, 10)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2026, 9, 25)) == (True, "Mid-autumn Festival")
    assert D(2026, 9, 20).weekday() == 6 and D(2026, 10, 10).weekday() == 5


def test_the_installed_package_knows_2026_but_raises_for_2027():
    assert chinese_calendar.is_workday(D(2026, 12, 31)) is True
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "working"), NATIONAL_DAY_2026.items(), ids=str)
def test_national_day_2026(day, working):
    assert is_working_day(day) is working


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # Wed before the holiday → Thu after it
        (D(2026, 9, 30), 2, D(2026, 10, 9)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the make-up Saturday counts
        (D(2026, 9, 30), 4, D(2026, 10, 12)),  # Sunday 11 Oct does not
        (D(2026, 9, 30), 5, D(2026, 10, 13)),
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # over Mid-autumn
        (D(2026, 9, 19), 1, D(2026, 9, 20)),  # Saturday → the make-up Sunday
        (D(2026, 9, 30), 0, D(2026, 9, 30)),  # n = 0 on a working day: that day
        (D(2026, 10, 3), 0, D(2026, 10, 8)),  # n = 0 in the holiday: the first working day after it
        (D(2026, 10, 3), 1, D(2026, 10, 8)),  # start not counted, whether working or not
    ],
)
def test_add_working_days_across_national_day_2026(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.django_db
def test_working_days_between_counts_after_a_up_to_and_including_b():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert working_days_between(D(2026, 10, 13), D(2026, 9, 30)) == -5
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert working_days_between(D(2026, 9, 30), D(2026, 9, 30)) == 0


@pytest.mark.django_db
def test_spring_festival_2026():
    # Package: 15–23 Feb (Sun–Mon) off; Sat 14 Feb and Sat 28 Feb are make-up working days.
    assert all(not is_working_day(D(2026, 2, day)) for day in range(15, 24))
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # 14, 24, 25, 26, 27, 28 February
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6


# --- beyond the package, and override rows --------------------------------------------------------------


@pytest.mark.django_db
def test_2027_falls_back_to_weekdays_until_rows_are_entered():
    new_year, saturday = D(2027, 1, 1), D(2027, 1, 9)
    assert new_year.weekday() == 4 and saturday.weekday() == 5
    assert is_working_day(new_year)  # the package does not know 2027: a Friday is a working day
    assert not is_working_day(saturday)
    assert add_working_days(D(2026, 12, 31), 1) == new_year
    assert add_working_days(D(2027, 1, 8), 1) == D(2027, 1, 11)

    calendar_day_add(by=None, day=new_year, kind=DayKind.HOLIDAY, note="元旦")
    calendar_day_add(by=None, day=saturday, kind=DayKind.WORKDAY)

    assert not is_working_day(new_year)
    assert is_working_day(saturday)
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert add_working_days(D(2027, 1, 8), 1) == saturday
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 11)) == 7  # 4–8, 9 (make-up), 11 Jan


@pytest.mark.django_db
def test_override_rows_win_over_the_package_both_ways_and_removing_one_restores_it():
    assert not is_working_day(D(2026, 10, 5)) and is_working_day(D(2026, 10, 9))
    assert is_working_day(D(2026, 10, 10))
    rows = [
        calendar_day_add(by=None, day=D(2026, 10, 5), kind=DayKind.WORKDAY),
        calendar_day_add(by=None, day=D(2026, 10, 9), kind=DayKind.HOLIDAY),
        calendar_day_add(by=None, day=D(2026, 10, 10), kind=DayKind.HOLIDAY),
    ]
    assert is_working_day(D(2026, 10, 5))
    assert not is_working_day(D(2026, 10, 9))
    assert not is_working_day(D(2026, 10, 10))
    # 5 Oct (now working), 8 Oct, then 12 Oct
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 12)
    for row in rows:
        calendar_day_remove(by=None, row=row)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


@pytest.mark.django_db
def test_the_calendar_refuses_datetimes_and_negative_counts():
    with pytest.raises(TypeError):
        is_working_day(datetime.datetime(2026, 10, 1, 9, tzinfo=SHANGHAI))
    with pytest.raises(ValueError):
        add_working_days(D(2026, 10, 1), -1)
    with pytest.raises(ValueError):
        working_deadline(datetime.datetime(2026, 10, 1, 9), 1)  # naive


# --- deadlines ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_working_deadline_is_the_end_of_the_working_day_in_beijing_time():
    with on(2026, 9, 30, hour=20):
        due = working_deadline(timezone.now(), 1)
    assert due == datetime.datetime(2026, 10, 8, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert due.tzinfo == SHANGHAI and due.utcoffset() == datetime.timedelta(hours=8)
    assert due.time() == datetime.time.max


@pytest.mark.django_db
def test_working_deadline_counts_from_the_local_date_not_the_utc_date():
    # 16:30 UTC on Fri 9 Oct is 00:30 on Sat 10 Oct (a make-up working day) in Shanghai.
    start = datetime.datetime(2026, 10, 9, 16, 30, tzinfo=datetime.UTC)
    assert working_deadline(start, 1) == datetime.datetime(2026, 10, 12, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    # days = 0 inside the holiday: by the end of the first working day after it.
    in_holiday = datetime.datetime(2026, 10, 3, 10, tzinfo=SHANGHAI)
    assert working_deadline(in_holiday, 0) == datetime.datetime(
        2026, 10, 8, 23, 59, 59, 999999, tzinfo=SHANGHAI
    )


# --- a property over four years, two in the package and two beyond it ----------------------------------


@pytest.fixture
def notice_2027(db):
    calendar_day_add(by=None, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)
    for day in range(6, 14):
        calendar_day_add(by=None, day=D(2027, 2, day), kind=DayKind.HOLIDAY)
    calendar_day_add(by=None, day=D(2027, 2, 20), kind=DayKind.WORKDAY)


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(d=st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31)), n=st.integers(0, 30))
@example(d=D(2026, 9, 30), n=1)
@example(d=D(2026, 12, 31), n=1)
@example(d=D(2027, 2, 5), n=1)
@example(d=D(2026, 10, 3), n=0)
def test_add_working_days_lands_on_the_nth_working_day(notice_2027, d, n):
    result = add_working_days(d, n)
    assert is_working_day(result)
    if n == 0:
        assert result >= d
        assert working_days_between(d, result) == (0 if is_working_day(d) else 1)
    else:
        assert result > d
        assert working_days_between(d, result) == n
        # the first such day: the day before it is still one short
        assert working_days_between(d, result - datetime.timedelta(days=1)) == n - 1
    assert working_days_between(result, d) == -working_days_between(d, result)


# --- services -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_add_service_validates_and_audits(admin_user, wuhe_staff):
    row = calendar_day_add(by=admin_user, day=D(2027, 1, 1), kind=DayKind.HOLIDAY, note=" 元旦 ")
    assert row.created_by == admin_user and row.note == "元旦"
    event = AuditEvent.objects.get(target_type=AUDITED, action="create")
    assert event.actor == admin_user and event.place_path == "/"
    assert event.changes["kind"] == [None, "holiday"]
    with pytest.raises(ValidationError) as dup:
        calendar_day_add(by=admin_user, day=D(2027, 1, 1), kind=DayKind.WORKDAY)
    assert "date" in dup.value.message_dict
    with pytest.raises(ValidationError) as no_kind:
        calendar_day_add(by=admin_user, day=D(2027, 1, 2), kind="")
    assert "kind" in no_kind.value.message_dict
    with pytest.raises(PermissionDenied):
        calendar_day_add(by=wuhe_staff, day=D(2027, 1, 3), kind=DayKind.HOLIDAY)
    assert CalendarDay.objects.count() == 1
    assert AuditEvent.objects.filter(target_type=AUDITED).count() == 1


# --- pages ----------------------------------------------------------------------------------------------


def _add(client, day: str, kind: str = "holiday", note: str = ""):
    return client.post(reverse("workdays:day_add"), {"date": day, "kind": kind, "note": note})


def test_subdistrict_admin_adds_and_removes_a_day_audited(client_for, admin_user):
    client = client_for(admin_user)
    response = _add(client, "2027-02-08", note="春节")
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2027")
    row = CalendarDay.objects.get(date=D(2027, 2, 8))
    assert row.kind == DayKind.HOLIDAY and row.created_by == admin_user and row.note == "春节"
    assert not is_working_day(D(2027, 2, 8))

    page = client.get(reverse("workdays:day_list"), {"year": 2027})
    assert page.status_code == 200
    assert "2027-02-08" in page.content.decode()

    response = client.post(reverse("workdays:day_remove", args=[row.pk]))
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert is_working_day(D(2027, 2, 8))
    events = AuditEvent.objects.filter(target_type=AUDITED).order_by("id")
    assert [(e.action, e.actor, e.place_path) for e in events] == [
        ("create", admin_user, "/"),
        ("delete", admin_user, "/"),
    ]
    assert events[1].changes["date"] == ["2027-02-08", None]


@pytest.mark.parametrize("who", ["wuhe_staff", "auditor", "grid_worker", "resident"])
def test_everyone_without_manage_gets_403(request, client_for, who, admin_user):
    row = calendar_day_add(by=admin_user, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("workdays:day_list")).status_code == 403
    assert _add(client, "2027-01-09", "workday").status_code == 403
    assert client.post(reverse("workdays:day_remove", args=[row.pk])).status_code == 403
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 1, 1)]
    assert AuditEvent.objects.filter(target_type=AUDITED).count() == 1


def test_removing_needs_a_post(client_for, admin_user):
    row = calendar_day_add(by=admin_user, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)
    assert client_for(admin_user).get(reverse("workdays:day_remove", args=[row.pk])).status_code == 405
    assert CalendarDay.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2027-01-01", "kind": "workday"}, "date"),  # duplicate date
        ({"date": "2027-01-02", "kind": ""}, "kind"),
        ({"date": "2027-01-02", "kind": "weekend"}, "kind"),
        ({"date": "not a date", "kind": "holiday"}, "date"),
    ],
)
def test_bad_input_gives_400_and_saves_nothing(client_for, admin_user, data, field):
    calendar_day_add(by=admin_user, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)
    response = client_for(admin_user).post(reverse("workdays:day_add"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert CalendarDay.objects.count() == 1
    assert AuditEvent.objects.filter(target_type=AUDITED).count() == 1


def test_the_list_shows_what_the_package_knows_of_the_year(client_for, admin_user):
    calendar_day_add(by=admin_user, day=D(2026, 10, 9), kind=DayKind.HOLIDAY)
    client = client_for(admin_user)
    with on(2026, 5, 1):
        page = client.get(reverse("workdays:day_list"))  # this year by default
    assert page.context["year"] == 2026
    package = {d.date: d for d in page.context["package_days"]}
    assert package[D(2026, 10, 1)].kind == "holiday" and package[D(2026, 10, 1)].name_zh == "国庆节"
    assert package[D(2026, 10, 10)].kind == "workday"
    assert D(2026, 10, 11) not in package  # an ordinary Sunday is not listed
    assert page.context["overridden"] == {D(2026, 10, 9)}
    assert "国庆节" in page.content.decode()

    beyond = client.get(reverse("workdays:day_list"), {"year": 2027})
    assert beyond.context["package_days"] == ()
    assert not beyond.context["in_package"]
    with on(2026, 5, 1):
        garbage = client.get(reverse("workdays:day_list"), {"year": "abc"})
    assert garbage.context["year"] == 2026


def test_the_list_page_query_count_does_not_grow_with_rows(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("workdays:day_list")
    calendar_day_add(by=admin_user, day=D(2026, 1, 5), kind=DayKind.HOLIDAY)
    client.get(url, {"year": 2026})
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"year": 2026}).status_code == 200
    for day in range(1, 29):
        calendar_day_add(by=admin_user, day=D(2026, 3, day), kind=DayKind.HOLIDAY)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, {"year": 2026}).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 10


# --- the load command -----------------------------------------------------------------------------------


def _load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_calendar_year", *args, stdout=out)
    return out.getvalue()


NOTICE_2027 = ["2027", "--holiday", "2027-01-01,2027-02-06,2027-02-07", "--holiday", "2027-02-08"]


@pytest.mark.django_db
def test_load_calendar_year_is_idempotent_and_audited():
    out = _load(*NOTICE_2027, "--workday", "2027-02-20", "--note", "2027 notice")
    assert "added 5" in out
    assert dict(CalendarDay.objects.values_list("date", "kind")) == {
        D(2027, 1, 1): "holiday",
        D(2027, 2, 6): "holiday",
        D(2027, 2, 7): "holiday",
        D(2027, 2, 8): "holiday",
        D(2027, 2, 20): "workday",
    }
    assert AuditEvent.objects.filter(target_type=AUDITED, actor_name="system").count() == 5
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 9)

    again = _load(*NOTICE_2027, "--workday", "2027-02-20", "--note", "2027 notice")
    assert "added 0" in again and "unchanged 5" in again
    assert AuditEvent.objects.filter(target_type=AUDITED).count() == 5

    # The notice corrected: 20 Feb becomes a holiday.
    corrected = _load("2027", "--holiday", "2027-02-20")
    assert "changed 1" in corrected and "left as they are" in corrected
    assert CalendarDay.objects.get(date=D(2027, 2, 20)).kind == DayKind.HOLIDAY
    assert AuditEvent.objects.filter(target_type=AUDITED, action="update").count() == 1


@pytest.mark.django_db
def test_load_calendar_year_dry_run_changes_nothing():
    out = _load(*NOTICE_2027, "--dry-run")
    assert "would have added 4" in out
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(target_type=AUDITED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["2027", "--holiday", "2028-01-01"],  # not in the year
        ["2027", "--holiday", "2027-01-01", "--workday", "2027-01-01"],  # both kinds
        ["2027", "--holiday", "2027-13-01"],  # not a date
        ["2027"],  # nothing to load
    ],
)
def test_load_calendar_year_refuses_bad_notices(args):
    with pytest.raises(CommandError):
        _load(*args)
    assert not CalendarDay.objects.exists()


# --- the per-process copy of the override rows ------------------------------------------------------------


@pytest.mark.django_db
def test_the_override_rows_are_read_once_and_again_after_a_change(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_working_days(D(2026, 9, 30), 30)
        assert is_working_day(D(2027, 1, 1))
        assert working_days_between(D(2025, 1, 1), D(2028, 12, 31)) > 0
    calendar_day_add(by=None, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)
    assert not is_working_day(D(2027, 1, 1))


@pytest.mark.django_db
def test_a_rolled_back_row_is_not_remembered(django_assert_num_queries):
    from django.db import transaction

    with transaction.atomic():
        calendar_day_add(by=None, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)
        assert not is_working_day(D(2027, 1, 1))
        transaction.set_rollback(True)
    with django_assert_num_queries(1):  # shared again once the savepoint is gone
        assert is_working_day(D(2027, 1, 1))
        assert is_working_day(D(2027, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_seen_at_once_and_then_cached(django_assert_num_queries):
    assert is_working_day(D(2027, 1, 1))
    calendar_day_add(by=None, day=D(2027, 1, 1), kind=DayKind.HOLIDAY)  # commits
    with django_assert_num_queries(1):
        assert not is_working_day(D(2027, 1, 1))
        assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)

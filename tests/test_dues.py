"""Party dues: the rates on every boundary, the monthly ledger, payments refused, the six-month arrears
alert, scoping of pages and API, and the number of queries the ledger takes."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from hypothesis import example, given
from hypothesis import strategies as st

from gongzhi.core.models import AuditEvent
from gongzhi.dues.models import DuesPayment, DuesProfile
from gongzhi.dues.rates import dues_rate, monthly_dues
from gongzhi.dues.selectors import arrears_alerts_visible_to, member_ledger, unpaid_months
from gongzhi.dues.services import dues_record_payment, dues_set_profile
from tests.factories import make_member

# --- the URLs the owner adds to gongzhi/urls.py and gongzhi/api.py, mirrored so these tests run before --


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def on(year: int, month: int, day: int):
    """Freeze today at 10:00 Beijing time."""
    return time_machine.travel(datetime.datetime(year, month, day, 10, tzinfo=SHANGHAI), tick=False)


def month(year: int, m: int) -> datetime.date:
    return datetime.date(year, m, 1)


def basis(member, category: str, income: str, since: datetime.date, by=None):
    return dues_set_profile(
        by=by, member=member, category=category, monthly_income=Decimal(income), applies_from=since
    )


# --- rates -------------------------------------------------------------------------------------------

# The specification, written out here independently of gongzhi/dues/rates.py: (upper bound included, rate).
SPEC = {
    "employed": [
        (Decimal("3000"), Decimal("0.005")),
        (Decimal("5000"), Decimal("0.01")),
        (Decimal("10000"), Decimal("0.015")),
        (None, Decimal("0.02")),
    ],
    "retired": [(Decimal("5000"), Decimal("0.005")), (None, Decimal("0.01"))],
}
FLAT = ["student", "unemployed", "minimum_income"]
incomes = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)


def spec_rate(income: Decimal, category: str) -> Decimal:
    return next(rate for upper, rate in SPEC[category] if upper is None or income <= upper)


@given(income=incomes, category=st.sampled_from(sorted(SPEC)))
@example(income=Decimal("3000"), category="employed")
@example(income=Decimal("3000.01"), category="employed")
@example(income=Decimal("5000"), category="employed")
@example(income=Decimal("5000.01"), category="employed")
@example(income=Decimal("10000"), category="employed")
@example(income=Decimal("10000.01"), category="employed")
@example(income=Decimal("5000"), category="retired")
@example(income=Decimal("5000.01"), category="retired")
@example(income=Decimal("0"), category="employed")
def test_the_rate_is_the_one_the_table_gives(income, category):
    rate = spec_rate(income, category)
    assert dues_rate(income, category) == rate
    amount = monthly_dues(income, category)
    assert amount == (income * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert amount >= 0
    assert amount.as_tuple().exponent == -2


@given(a=incomes, b=incomes, category=st.sampled_from([*sorted(SPEC), *FLAT]))
@example(a=Decimal("3000"), b=Decimal("3000.01"), category="employed")
@example(a=Decimal("10000"), b=Decimal("10000.01"), category="employed")
@example(a=Decimal("5000"), b=Decimal("5000.01"), category="retired")
def test_dues_never_fall_as_income_rises(a, b, category):
    low, high = sorted([a, b])
    assert 0 <= monthly_dues(low, category) <= monthly_dues(high, category)


@pytest.mark.parametrize(
    ("income", "category", "amount"),
    [
        ("3000", "employed", "15.00"),
        ("3000.01", "employed", "30.00"),
        ("5000", "employed", "50.00"),
        ("5000.01", "employed", "75.00"),
        ("10000", "employed", "150.00"),
        ("10000.01", "employed", "200.00"),
        ("4321.50", "employed", "43.22"),  # 43.215 rounds half up
        ("5000", "retired", "25.00"),
        ("5000.01", "retired", "50.00"),
    ],
)
def test_the_boundaries_belong_to_the_lower_tier(income, category, amount):
    assert monthly_dues(Decimal(income), category) == Decimal(amount)


@given(income=incomes, category=st.sampled_from(FLAT))
def test_students_unemployed_and_minimum_income_pay_twenty_fen(income, category):
    assert dues_rate(income, category) is None
    assert monthly_dues(income, category) == Decimal("0.20")


def test_a_negative_income_or_unknown_category_is_an_error():
    with pytest.raises(ValueError):
        monthly_dues(Decimal("-1"), "employed")
    with pytest.raises(ValueError):
        monthly_dues(Decimal("100"), "farmer")


# --- payments ----------------------------------------------------------------------------------------


@pytest.fixture
def payer(world):
    """A 大光勘 member whose dues basis (employed, 4,000 yuan: 40.00 a month) applies from January 2024."""
    member = make_member(world.dgk_branch, name="曾拥军")
    with on(2024, 1, 5):
        basis(member, "employed", "4000", month(2024, 1), by=None)
    return member


def _state() -> tuple:
    return (
        sorted(DuesPayment.objects.values_list("member_id", "month", "amount_paid")),
        AuditEvent.objects.count(),
    )


def test_a_payment_records_the_amount_due_then_and_is_audited(payer, secretary):
    with on(2024, 3, 10):
        payment = dues_record_payment(
            by=secretary, member=payer, month=month(2024, 2), amount_paid=Decimal("40.00"), paid_on=None
        )
        # A raise later does not change what was due for February.
        basis(payer, "employed", "6000", month(2024, 3), by=secretary)
    payment.refresh_from_db()
    assert (payment.amount_due, payment.paid_on, payment.recorded_by) == (
        Decimal("40.00"),
        datetime.date(2024, 3, 10),
        secretary,
    )
    event = AuditEvent.objects.filter(action="record_dues_payment").get()
    assert event.actor == secretary
    assert event.changes["amount_paid"] == [None, "40.00"]
    assert event.place_path == payer.branch.place.path
    assert DuesProfile.objects.filter(member=payer).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"month": month(2005, 6)}, "month"),  # the member joined in July 2005
        ({"month": month(2024, 4)}, "month"),  # a month still to come
        ({"month": month(2023, 12)}, "month"),  # before any dues basis
        ({"amount_paid": Decimal("0")}, "amount_paid"),
        ({"amount_paid": Decimal("-40")}, "amount_paid"),
        ({"paid_on": datetime.date(2024, 3, 11)}, "paid_on"),
    ],
)
def test_a_refused_payment_leaves_nothing_saved(payer, secretary, data, field):
    arguments = {"month": month(2024, 2), "amount_paid": Decimal("40"), "paid_on": None, **data}
    with on(2024, 3, 10):
        before = _state()
        with pytest.raises(ValidationError) as caught:
            dues_record_payment(by=secretary, member=payer, **arguments)
    assert field in caught.value.message_dict
    assert _state() == before


def test_a_month_is_paid_only_once(payer, secretary):
    with on(2024, 3, 10):
        dues_record_payment(by=secretary, member=payer, month=month(2024, 2), amount_paid=Decimal("40"))
        before = _state()
        with pytest.raises(ValidationError) as caught:
            dues_record_payment(by=secretary, member=payer, month=month(2024, 2), amount_paid=Decimal("40"))
    assert "2024-02" in caught.value.message_dict["month"][0]
    assert _state() == before


def test_the_current_month_may_be_paid(payer, secretary):
    with on(2024, 3, 10):
        dues_record_payment(by=secretary, member=payer, month=month(2024, 3), amount_paid=Decimal("40"))
        assert unpaid_months(payer) == [month(2024, 1), month(2024, 2)]


def test_an_auditor_cannot_record_a_payment(payer, auditor):
    with on(2024, 3, 10), pytest.raises(PermissionDenied):
        dues_record_payment(by=auditor, member=payer, month=month(2024, 2), amount_paid=Decimal("40"))
    assert not DuesPayment.objects.exists()


def test_the_member_ledger_lists_months_newest_first(payer, secretary, client_for):
    with on(2024, 4, 2):
        dues_record_payment(by=secretary, member=payer, month=month(2024, 2), amount_paid=Decimal("45"))
        states = [(e.month, e.state, e.amount_due, e.amount_paid) for e in member_ledger(payer)]
        response = client_for(secretary).get(f"/api/v1/members/{payer.pk}/dues")
    assert states == [
        (month(2024, 4), "open", Decimal("40.00"), None),
        (month(2024, 3), "unpaid", Decimal("40.00"), None),
        (month(2024, 2), "paid", Decimal("40.00"), Decimal("45.00")),
        (month(2024, 1), "unpaid", Decimal("40.00"), None),
    ]
    body = response.json()
    assert body["count"] == 4
    assert body["items"][2] == {
        "month": "2024-02",
        "status": "paid",
        "amount_due": "40.00",
        "amount_paid": "45.00",
        "paid_on": "2024-04-02",
    }


# --- the six-month arrears alert ---------------------------------------------------------------------


@pytest.fixture
def lapsed(world):
    """A member who paid every month of 2023, then stopped; and one who keeps paying."""
    lapsed, steady = make_member(world.dgk_branch, name="单晓东"), make_member(world.dgk_branch, name="区慧")
    with on(2024, 1, 5):
        for m in (lapsed, steady):
            basis(m, "retired", "3000", month(2023, 1), by=None)
        for n in range(1, 13):
            for m in (lapsed, steady):
                dues_record_payment(by=None, member=m, month=month(2023, n), amount_paid=Decimal("15"))
    with on(2024, 7, 1):
        for n in range(1, 7):
            dues_record_payment(by=None, member=steady, month=month(2024, n), amount_paid=Decimal("15"))
    return lapsed


def test_five_unpaid_months_are_no_alert(lapsed, wuhe_staff, client_for, world):
    with on(2024, 6, 30):  # January–May 2024 unpaid; June is still open
        assert unpaid_months(lapsed) == [month(2024, n) for n in range(1, 6)]
        assert list(arrears_alerts_visible_to(wuhe_staff)) == []
        response = client_for(wuhe_staff).get(f"/dues/branches/{world.dgk_branch.pk}/arrears/")
    assert list(response.context["page_obj"]) == []


def test_six_unpaid_months_in_a_row_are_an_alert(lapsed, wuhe_staff, outsider, client_for, world):
    with on(2024, 7, 1):  # January–June 2024 unpaid
        alerts = list(arrears_alerts_visible_to(wuhe_staff))
        assert [m.name for m in alerts] == ["单晓东"]
        html = render_to_string(
            "dues/partials/alerts.html", {"dues_alerts": arrears_alerts_visible_to(wuhe_staff)}
        )
        response = client_for(wuhe_staff).get(f"/dues/branches/{world.dgk_branch.pk}/arrears/")
        assert list(arrears_alerts_visible_to(outsider)) == []
    assert "单晓东" in html and "2024-01" in html
    assert response.status_code == 200
    assert [m.name for m in response.context["page_obj"]] == ["单晓东"]
    assert "单晓东" in response.content.decode()


def test_a_member_new_to_the_ledger_alerts_after_six_months_not_five(payer, wuhe_staff):
    """The ledger starts with the first dues basis (January 2024): no months are owed before it."""
    with on(2024, 6, 15):
        assert list(arrears_alerts_visible_to(wuhe_staff)) == []
    with on(2024, 7, 15):
        assert list(arrears_alerts_visible_to(wuhe_staff)) == [payer]


def test_the_workbench_partial_is_empty_without_alerts(world, wuhe_staff):
    assert (
        render_to_string(
            "dues/partials/alerts.html", {"dues_alerts": arrears_alerts_visible_to(wuhe_staff)}
        ).strip()
        == ""
    )


# --- pages and scoping -------------------------------------------------------------------------------


def test_community_staff_see_the_branch_ledger(payer, wuhe_staff, client_for, world):
    with on(2024, 3, 10):
        dues_record_payment(by=None, member=payer, month=month(2024, 2), amount_paid=Decimal("40"))
        response = client_for(wuhe_staff).get(f"/dues/branches/{world.dgk_branch.pk}/")
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row.monthly_dues == Decimal("40.00")
    assert [c.state for c in row.cells][-4:] == ["none", "unpaid", "paid", "open"]
    assert len(row.cells) == 12


@pytest.mark.parametrize(
    ("who", "status"),
    [("wuhe_staff", 200), ("secretary", 200), ("auditor", 200), ("outsider", 404), ("resident", 403)],
)
def test_who_sees_the_dgk_ledger(who, status, request, client_for, world, payer):
    client = client_for(request.getfixturevalue(who))
    branches = client.get("/dues/")
    assert branches.status_code == (403 if who == "resident" else 200)
    if who != "resident":
        assert (world.dgk_branch in list(branches.context["page_obj"])) == (status == 200)
    assert client.get(f"/dues/branches/{world.dgk_branch.pk}/").status_code == status
    assert client.get(f"/dues/members/{payer.pk}/").status_code == status
    assert client.get(f"/api/v1/dues?organization={world.dgk_branch.pk}").status_code == status
    assert client.get(f"/api/v1/members/{payer.pk}/dues").status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("auditor", 403), ("outsider", 404), ("resident", 403), ("secretary", 302)]
)
def test_who_records_a_payment(who, status, request, client_for, payer):
    client = client_for(request.getfixturevalue(who))
    with on(2024, 3, 10):
        response = client.post(
            f"/dues/members/{payer.pk}/pay/",
            {"month": "2024-02", "amount_paid": "40", "paid_on": "2024-03-10"},
        )
    assert response.status_code == status
    assert DuesPayment.objects.filter(member=payer).count() == (1 if status == 302 else 0)


def test_the_payment_form_shows_the_service_refusal(payer, secretary, client_for):
    with on(2024, 3, 10):
        response = client_for(secretary).post(
            f"/dues/members/{payer.pk}/pay/",
            {"month": "2024-05", "amount_paid": "40", "paid_on": "2024-03-10"},
        )
    assert response.status_code == 400
    assert response.context["form"].errors["month"]
    assert not DuesPayment.objects.exists()


def test_the_basis_form_records_a_profile(world, secretary, client_for):
    member = make_member(world.dgk_branch)
    with on(2024, 3, 10):
        client = client_for(secretary)
        assert client.get(f"/dues/members/{member.pk}/basis/").status_code == 200
        response = client.post(
            f"/dues/members/{member.pk}/basis/",
            {"category": "student", "monthly_income": "0", "applies_from": "2024-03"},
        )
    assert response.status_code == 302
    profile = DuesProfile.objects.get(member=member)
    assert (profile.applies_from, profile.monthly_dues) == (month(2024, 3), Decimal("0.20"))
    assert AuditEvent.objects.filter(action="set_dues_profile", target_id=str(profile.pk)).exists()


def test_the_month_api_lists_due_and_paid(payer, world, wuhe_staff, client_for):
    no_basis = make_member(world.dgk_branch, name="解放")
    make_member(world.plaza_branch, name="别的支部")
    with on(2024, 3, 10):
        dues_record_payment(by=None, member=payer, month=month(2024, 2), amount_paid=Decimal("50"))
        client = client_for(wuhe_staff)
        february = client.get(f"/api/v1/dues?organization={world.dgk_branch.pk}&month=2024-02").json()
        march = client.get(f"/api/v1/dues?organization={world.dgk_branch.pk}").json()
        bad = client.get(f"/api/v1/dues?organization={world.dgk_branch.pk}&month=February")
    by_id = {row["member_id"]: row for row in february["items"]}
    assert february["count"] == 2
    assert by_id[payer.pk] == {
        "member_id": payer.pk,
        "name": "曾拥军",
        "amount_due": "40.00",
        "amount_paid": "50.00",
        "paid_on": "2024-03-10",
    }
    assert by_id[no_basis.pk]["amount_due"] is None
    assert {row["member_id"]: row["amount_paid"] for row in march["items"]} == {
        payer.pk: None,
        no_basis.pk: None,
    }
    assert bad.status_code == 400


# --- query counts ------------------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    for _ in range(n):
        member = make_member(world.dgk_branch)
        basis(member, "employed", "5200", month(2024, 1), by=None)
        dues_record_payment(by=None, member=member, month=month(2024, 2), amount_paid=Decimal("78"))


def _measure(client, url: str) -> tuple[int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    rows = len(response.json()["items"]) if url.startswith("/api/") else len(response.context["rows"])
    return len(queries), rows


@pytest.mark.parametrize("url", ["/dues/branches/{org}/", "/api/v1/dues?organization={org}&month=2024-02"])
def test_ledger_queries_do_not_grow_with_members(url, world, wuhe_staff, client_for):
    client = client_for(wuhe_staff)
    url = url.format(org=world.dgk_branch.pk)
    with on(2024, 3, 10):
        _grow(world, 3)
        small, small_rows = _measure(client, url)
        _grow(world, 6)
        large, large_rows = _measure(client, url)
    assert (small_rows, large_rows) == (3, 9)
    assert large == small

"""Transfers of party membership: the letter kind by length of absence, three months' validity (month ends
included), expiry computed from today, receipt refused after expiry, scoping and query counts."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.core.models import AuditEvent
from gongzhi.members.models import Member
from gongzhi.transfers.models import Transfer
from gongzhi.transfers.rules import letter_kind_for, valid_until_for
from gongzhi.transfers.services import transfer_issue, transfer_receive
from tests.factories import make_member

# --- the URLs the owner adds to gongzhi/urls.py and gongzhi/api.py, mirrored so these tests run before --


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def on(year: int, month: int, day: int):
    """Freeze today at 10:00 Beijing time."""
    return time_machine.travel(datetime.datetime(year, month, day, 10, tzinfo=SHANGHAI), tick=False)


D = datetime.date
ISSUED = D(2024, 1, 10)


# --- rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "kind"),
    [(1, "certificate"), (5, "certificate"), (6, "certificate"), (7, "introduction"), (24, "introduction")],
)
def test_the_letter_kind_follows_the_length_of_absence(months, kind):
    assert letter_kind_for(months) == kind


@pytest.mark.parametrize(
    ("issued", "last_valid_day"),
    [
        (D(2024, 1, 15), D(2024, 4, 15)),
        (D(2023, 11, 30), D(2024, 2, 29)),  # leap year: February has 29 days
        (D(2024, 11, 30), D(2025, 2, 28)),
        (D(2024, 11, 29), D(2025, 2, 28)),
        (D(2023, 11, 29), D(2024, 2, 29)),
        (D(2024, 8, 31), D(2024, 11, 30)),
        (D(2024, 12, 31), D(2025, 3, 31)),
        (D(2024, 10, 31), D(2025, 1, 31)),
    ],
)
def test_a_letter_is_valid_three_months_to_the_same_day_or_the_month_end(issued, last_valid_day):
    assert valid_until_for(issued) == last_valid_day


# --- issuing and receiving ---------------------------------------------------------------------------


@pytest.fixture
def leaver(world):
    return make_member(world.dgk_branch, name="仇志强")


def _issue(member, by=None, months=7, issued=ISSUED, **extra):
    data = {
        "direction": "out",
        "branch": member.branch if member else extra.pop("branch"),
        "member": member,
        "counterpart": "龙岗区布吉街道党工委",
        "absence_months": months,
        "issued_on": issued,
        **extra,
    }
    return transfer_issue(by=by, **data)


def test_issuing_picks_the_letter_and_validity_and_is_audited(leaver, secretary):
    with on(2024, 1, 10):
        short = _issue(leaver, secretary, months=6)
        assert (short.letter_kind, short.valid_until, short.current_status) == (
            "certificate",
            D(2024, 4, 10),
            "issued",
        )
    event = AuditEvent.objects.get(action="transfer_out_issue")
    assert event.actor == secretary
    assert event.changes["letter_kind"] == [None, "certificate"]


def test_a_second_valid_letter_for_the_same_member_is_refused(leaver, secretary):
    with on(2024, 1, 10):
        _issue(leaver, secretary)
        with pytest.raises(ValidationError) as caught:
            _issue(leaver, secretary)
    assert "member" in caught.value.message_dict
    assert Transfer.objects.count() == 1


def test_only_a_current_member_can_transfer_out(leaver, secretary):
    with on(2024, 3, 1):
        _issue(leaver, secretary, months=12)
        transfer_receive(by=secretary, transfer=Transfer.objects.get())
        leaver.refresh_from_db()
        with pytest.raises(ValidationError) as caught:
            _issue(leaver, secretary, issued=D(2024, 3, 1))
    assert "member" in caught.value.message_dict


def test_expiry_is_computed_from_today(leaver, secretary, wuhe_staff, client_for, world):
    with on(2024, 1, 10):
        transfer = _issue(leaver, secretary)
    client = client_for(wuhe_staff)
    url = f"/transfers/?org={world.dgk_branch.pk}&status="
    with on(2024, 4, 10):  # the last valid day
        assert Transfer.objects.get().current_status == "issued"
        assert [t.pk for t in client.get(url + "issued").context["page_obj"]] == [transfer.pk]
        assert (
            client.get(f"/api/v1/transfers?organization={world.dgk_branch.pk}").json()["items"][0]["status"]
            == "issued"
        )
    with on(2024, 4, 11):
        assert Transfer.objects.get().current_status == "expired"
        assert Transfer.objects.get().status == "issued"  # stored as issued; expired is computed
        assert list(client.get(url + "issued").context["page_obj"]) == []
        assert [t.pk for t in client.get(url + "expired").context["page_obj"]] == [transfer.pk]
        api = client.get(f"/api/v1/transfers?organization={world.dgk_branch.pk}&status=expired").json()
    assert [(i["id"], i["status"]) for i in api["items"]] == [(transfer.pk, "expired")]


def _state(member: Member) -> tuple:
    member.refresh_from_db()
    return (
        sorted(Transfer.objects.values_list("pk", "status", "received_on")),
        member.left_on,
        AuditEvent.objects.count(),
    )


def test_receiving_after_expiry_is_refused_and_nothing_is_saved(leaver, secretary):
    with on(2024, 1, 10):
        transfer = _issue(leaver, secretary)
    with on(2024, 4, 11):
        before = _state(leaver)
        with pytest.raises(ValidationError) as caught:
            transfer_receive(by=secretary, transfer=transfer)
        assert _state(leaver) == before
    assert "2024-04-10" in caught.value.messages[0]


def test_receiving_before_issue_is_refused(leaver, secretary):
    with on(2024, 1, 10):
        transfer = _issue(leaver, secretary)
        before = _state(leaver)
        with pytest.raises(ValidationError):
            transfer_receive(by=secretary, transfer=transfer, received_on=D(2024, 1, 9))
        assert _state(leaver) == before


def test_receiving_an_out_transfer_takes_the_member_off_the_register(leaver, secretary):
    with on(2024, 1, 10):
        transfer = _issue(leaver, secretary)
    with on(2024, 4, 10):
        transfer = transfer_receive(by=secretary, transfer=transfer)
        with pytest.raises(ValidationError):
            transfer_receive(by=secretary, transfer=transfer)
    leaver.refresh_from_db()
    assert (transfer.status, transfer.received_on, leaver.left_on) == (
        "received",
        D(2024, 4, 10),
        D(2024, 4, 10),
    )
    assert AuditEvent.objects.filter(action="transfer_out_receive").count() == 1
    assert AuditEvent.objects.filter(action="update", target_id=str(leaver.pk)).get().changes["left_on"] == [
        None,
        "2024-04-10",
    ]


def test_an_in_transfer_may_name_a_person_not_yet_registered(world, secretary):
    with on(2024, 2, 1):
        arriving = transfer_issue(
            by=secretary,
            direction="in",
            branch=world.dgk_branch,
            person_name="朴成",
            counterpart="南山区粤海街道党工委",
            absence_months=12,
            issued_on=D(2024, 1, 20),
        )
        received = transfer_receive(by=secretary, transfer=arriving)
        with pytest.raises(ValidationError) as caught:
            transfer_issue(
                by=secretary,
                direction="in",
                branch=world.dgk_branch,
                counterpart="南山区粤海街道党工委",
                absence_months=12,
                issued_on=D(2024, 1, 20),
            )
    assert (received.name, received.letter_kind, received.status) == ("朴成", "introduction", "received")
    assert "person_name" in caught.value.message_dict
    assert Transfer.objects.count() == 1


def test_an_in_transfer_of_a_registered_member_leaves_them_on_the_register(world, secretary):
    newcomer = make_member(world.dgk_branch, name="新来的")
    with on(2024, 2, 1):
        transfer = transfer_issue(
            by=secretary,
            direction="in",
            branch=world.dgk_branch,
            member=newcomer,
            counterpart="南山区粤海街道党工委",
            absence_months=3,
            issued_on=D(2024, 1, 20),
        )
        transfer_receive(by=secretary, transfer=transfer)
    newcomer.refresh_from_db()
    assert newcomer.left_on is None


def test_the_issue_form_records_a_letter(leaver, secretary, client_for, world):
    client = client_for(secretary)
    with on(2024, 1, 10):
        assert client.get(f"/transfers/branches/{world.dgk_branch.pk}/new/").status_code == 200
        response = client.post(
            f"/transfers/branches/{world.dgk_branch.pk}/new/",
            {
                "direction": "out",
                "member": leaver.pk,
                "counterpart": "布吉街道党工委",
                "absence_months": "7",
                "issued_on": "2024-01-10",
            },
        )
    assert response.status_code == 302
    assert Transfer.objects.get().letter_kind == "introduction"


def test_the_receive_action_refuses_an_expired_letter_with_a_message(leaver, secretary, client_for):
    with on(2024, 1, 10):
        transfer = _issue(leaver, secretary)
    with on(2024, 5, 1):
        response = client_for(secretary).post(f"/transfers/{transfer.pk}/receive/", follow=True)
    (message,) = [str(m) for m in response.context["messages"]]
    assert "2024-04-10" in message
    assert Transfer.objects.get().status == "issued"


# --- scoping -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("wuhe_staff", 200), ("secretary", 200), ("auditor", 200), ("outsider", 404), ("resident", 403)],
)
def test_who_sees_the_dgk_transfers(who, status, request, client_for, world, leaver):
    with on(2024, 1, 10):
        _issue(leaver)
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/transfers/?org={world.dgk_branch.pk}").status_code == status
    assert client.get(f"/api/v1/transfers?organization={world.dgk_branch.pk}").status_code == status


def test_the_list_without_a_branch_keeps_to_the_scope(world, leaver, outsider, wuhe_staff, client_for):
    with on(2024, 1, 10):
        _issue(leaver)
    assert client_for(outsider).get("/api/v1/transfers").json() == {"items": [], "count": 0}
    assert client_for(wuhe_staff).get("/api/v1/transfers").json()["count"] == 1


@pytest.mark.parametrize(
    ("who", "status"), [("auditor", 403), ("outsider", 404), ("resident", 403), ("secretary", 302)]
)
def test_who_receives_a_letter(who, status, request, client_for, leaver):
    with on(2024, 1, 10):
        transfer = _issue(leaver)
        response = client_for(request.getfixturevalue(who)).post(f"/transfers/{transfer.pk}/receive/")
    assert response.status_code == status
    assert Transfer.objects.get().status == ("received" if status == 302 else "issued")


@pytest.mark.parametrize(("who", "status"), [("auditor", 403), ("outsider", 404), ("resident", 403)])
def test_who_may_not_issue(who, status, request, client_for, world, leaver):
    client = client_for(request.getfixturevalue(who))
    url = f"/transfers/branches/{world.dgk_branch.pk}/new/"
    assert client.get(url).status_code == status
    data = {
        "direction": "out",
        "member": leaver.pk,
        "counterpart": "x",
        "absence_months": "7",
        "issued_on": "2024-01-10",
    }
    assert client.post(url, data).status_code == status
    assert not Transfer.objects.exists()


# --- query counts ------------------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    for i in range(n):
        member = make_member(world.dgk_branch)
        transfer = _issue(member, months=3 + i)
        if i % 2:
            transfer_receive(by=None, transfer=transfer)


def _measure(client, url: str) -> tuple[int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    rows = (
        len(response.json()["items"]) if url.startswith("/api/") else len(list(response.context["page_obj"]))
    )
    return len(queries), rows


@pytest.mark.parametrize(
    "url", ["/transfers/?org={org}", "/transfers/", "/api/v1/transfers?organization={org}"]
)
def test_transfer_list_queries_do_not_grow(url, world, wuhe_staff, client_for):
    client = client_for(wuhe_staff)
    url = url.format(org=world.dgk_branch.pk)
    with on(2024, 2, 1):
        _grow(world, 3)
        small, small_rows = _measure(client, url)
        _grow(world, 6)
        large, large_rows = _measure(client, url)
    assert (small_rows, large_rows) == (3, 9)
    assert large == small

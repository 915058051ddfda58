"""Organisational life (组织生活): records, the required frequencies and compliance, quorum of general
meetings, evidence uploads checked by their bytes, scoping of pages and API, the alerts, the demo history,
and the number of queries the lists take."""

from __future__ import annotations

import datetime
import struct
import zlib
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.orglife.calendar import life_calendar
from gongzhi.orglife.demo import load_life
from gongzhi.orglife.models import LifeAttachment, LifeRecord
from gongzhi.orglife.selectors import life_compliance, missed_quotas_visible_to
from gongzhi.orglife.services import life_attachment_add, life_record_create, life_record_update
from gongzhi.party.models import PartyOrg
from gongzhi.party.services import OrgSpec, org_dissolve, org_establish
from tests.factories import make_member

# --- the URLs the owner adds to gongzhi/urls.py and gongzhi/api.py, mirrored so these tests run before --


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ALL_TYPES = [
    "committee_meeting",
    "group_meeting",
    "themed_day",
    "general_meeting",
    "lecture",
    "life_meeting",
    "appraisal",
]


def on(year: int, month: int, day: int):
    """Freeze today at 10:00 Beijing time."""
    return time_machine.travel(datetime.datetime(year, month, day, 10, tzinfo=SHANGHAI), tick=False)


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def png_bytes(padding: int = 0) -> bytes:
    """A real 1×1 PNG (optionally followed by `padding` bytes, to make a big one)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00" * padding


def establish(
    world, code: str, on_day: str, kind: str = "branch", parent: PartyOrg | None = None, place=None
):
    spec = OrgSpec(
        code=code,
        name=f"{code}党支部" if kind != "group" else f"{code}党小组",
        kind=kind,
        place=place or world.dgk,
        parent=parent or world.wuhe_committee,
    )
    return org_establish(by=None, spec=spec, on=d(on_day))


def record(org: PartyOrg, kind: str, day: str, attendees=(), **extra) -> LifeRecord:
    return life_record_create(
        by=None,
        org=org,
        type=kind,
        held_on=d(day),
        topic=extra.pop("topic", "议题"),
        attendees=attendees,
        **extra,
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


# --- the article's case: 城市广场, founded 2018-08-01, six themed party days to January 2019 -------------


def test_city_plaza_style_branch_has_six_of_six_themed_days(world, admin_user, client_for):
    branch = establish(world, "city-plaza-zb", "2018-08-01", place=world.plaza, parent=world.xjt_committee)
    for month in ("2018-08", "2018-09", "2018-10", "2018-11", "2018-12", "2019-01"):
        record(branch, "themed_day", f"{month}-15", topic="主题党日")
    response = client_for(admin_user).get(
        f"/api/v1/organizations/{branch.pk}/life?since=2018-08-01&until=2019-01-31"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2019
    assert set(body["by_type"]) == set(ALL_TYPES)
    assert body["by_type"]["themed_day"] == {"required": 6, "held": 6}
    assert not [m for m in body["missed"] if m["type"] == "themed_day"]
    assert body["by_type"]["committee_meeting"] == {"required": 6, "held": 0}
    assert body["by_type"]["general_meeting"] == {
        "required": 1,
        "held": 0,
    }  # 2018-Q4 only: Q3 began before it
    assert body["by_type"]["group_meeting"] == {"required": 0, "held": 0}  # no party groups, none owed
    assert body["by_type"]["life_meeting"] == {"required": 0, "held": 0}


# --- required / held / missed arithmetic ------------------------------------------------------------


@pytest.fixture
def mid_year(world):
    """A branch founded 2019-04-01 with one party group founded 2019-05-01, three full members."""
    branch = establish(world, "arith", "2019-04-01")
    group = establish(world, "arith-g1", "2019-05-01", kind="group", parent=branch)
    members = [make_member(branch, group=group) for _ in range(3)]
    for month in (4, 5, 7, 8, 9, 10, 11, 12):  # no committee meeting in June
        record(branch, "committee_meeting", f"2019-{month:02d}-05")
    for month in range(4, 13):
        record(branch, "themed_day", f"2019-{month:02d}-15")
    record(branch, "themed_day", "2019-05-25")  # twice in a month still counts once
    for month in (5, 6, 7, 8, 10, 11, 12):  # the group missed September
        record(group, "group_meeting", f"2019-{month:02d}-12")
    record(branch, "general_meeting", "2019-06-20", attendees=members)  # Q3 missed
    record(branch, "general_meeting", "2019-12-10", attendees=members)
    for day in ("2019-05-08", "2019-08-08", "2019-11-08"):
        record(branch, "lecture", day)
    record(branch, "life_meeting", "2019-12-20")  # 2019 was only partly lived: not required
    return branch, group, members


def test_a_year_with_quarterly_and_yearly_types_and_a_mid_year_founding(mid_year, admin_user, client_for):
    branch, group, _members = mid_year
    expected = {
        "committee_meeting": {"required": 9, "held": 8},
        "group_meeting": {"required": 8, "held": 7},
        "themed_day": {"required": 9, "held": 9},
        "general_meeting": {"required": 3, "held": 2},
        "lecture": {"required": 3, "held": 3},
        "life_meeting": {"required": 0, "held": 0},
        "appraisal": {"required": 0, "held": 0},
    }
    missed = [
        {"type": "committee_meeting", "period": "2019-06"},
        {"type": "general_meeting", "period": "2019-Q3"},
        {"type": "group_meeting", "period": "2019-09", "group": group.name},
    ]
    assert life_compliance(branch, d("2019-01-01"), d("2019-12-31")) == {
        "by_type": expected,
        "missed": missed,
    }
    body = client_for(admin_user).get(f"/api/v1/organizations/{branch.pk}/life?year=2019").json()
    assert body == {"year": 2019, "by_type": expected, "missed": missed}


def test_only_periods_that_have_ended_count(mid_year):
    branch, _group, _members = mid_year
    with on(2020, 5, 15):
        for month in (1, 2, 3, 4, 5):
            record(branch, "committee_meeting", f"2020-{month:02d}-05")
        result = life_compliance(branch, d("2020-01-01"), d("2020-12-31"))
    by_type = result["by_type"]
    assert by_type["committee_meeting"] == {"required": 4, "held": 4}  # May has not ended
    assert by_type["themed_day"] == {"required": 4, "held": 0}
    assert by_type["general_meeting"] == {"required": 1, "held": 0}
    assert by_type["life_meeting"] == {"required": 0, "held": 0}
    assert [m["period"] for m in result["missed"] if m["type"] == "themed_day"] == [
        "2020-01",
        "2020-02",
        "2020-03",
        "2020-04",
    ]


def test_a_full_year_requires_the_yearly_types(mid_year):
    branch, _group, _members = mid_year
    with on(2021, 2, 1):
        result = life_compliance(branch, d("2019-04-01"), d("2020-12-31"))
    assert result["by_type"]["life_meeting"] == {"required": 1, "held": 0}  # 2020; the 2019 one is not owed
    assert result["by_type"]["appraisal"] == {"required": 1, "held": 0}
    assert {"type": "life_meeting", "period": "2020"} in result["missed"]
    assert result["by_type"]["committee_meeting"]["required"] == 21  # 2019-04 … 2020-12


def test_a_dissolved_branch_owes_nothing_after_it_was_dissolved(world):
    branch = establish(world, "gone", "2019-01-01")
    record(branch, "committee_meeting", "2019-01-05")
    record(branch, "committee_meeting", "2019-02-05")
    org_dissolve(by=None, org=branch, on=d("2019-03-20"))
    result = life_compliance(branch, d("2019-01-01"), d("2019-12-31"))
    assert result["by_type"]["committee_meeting"] == {"required": 2, "held": 2}  # March was only partly lived
    assert result["by_type"]["general_meeting"] == {"required": 0, "held": 0}


# --- quorum of the general meeting ------------------------------------------------------------------


def test_a_general_meeting_below_quorum_is_flagged_and_not_counted(world, admin_user, client_for):
    branch = establish(world, "quorum", "2018-09-01")
    full = [make_member(branch) for _ in range(5)]
    probationary = make_member(branch, status="probationary", full_on=None, joined_on=d("2018-10-01"))
    late = make_member(branch, joined_on=d("2018-05-01"), full_on=d("2019-06-01"))  # full only from June

    first = record(branch, "general_meeting", "2019-03-20", attendees=[*full[:2], probationary, late])
    assert (first.voting_members, first.below_quorum) == (5, True)  # 2 of 5 voting members present
    half = record(branch, "general_meeting", "2019-06-10", attendees=full[:3])
    assert (half.voting_members, half.below_quorum) == (6, True)  # exactly half is not more than half
    quorate = record(branch, "general_meeting", "2019-06-12", attendees=[*full[:3], late])
    assert (quorate.voting_members, quorate.below_quorum) == (6, False)

    result = life_compliance(branch, d("2019-01-01"), d("2019-06-30"))
    assert result["by_type"]["general_meeting"] == {"required": 2, "held": 1}
    assert {"type": "general_meeting", "period": "2019-Q1"} in result["missed"]

    client = client_for(admin_user)
    page = client.get(f"/life/records/{first.pk}/")
    assert 'data-testid="below-quorum"' in page.content.decode()
    items = client.get(f"/api/v1/life-records?organization={branch.pk}&type=general_meeting").json()["items"]
    assert {i["id"]: i["below_quorum"] for i in items} == {first.pk: True, half.pk: True, quorate.pk: False}


def test_correcting_the_attendance_recomputes_the_quorum(world, secretary):
    branch = world.dgk_branch
    members = [make_member(branch) for _ in range(4)]
    meeting = record(branch, "general_meeting", "2019-03-20", attendees=members[:2])
    assert meeting.below_quorum
    life_record_update(by=secretary, record=meeting, attendees=members[:3])
    meeting.refresh_from_db()
    assert not meeting.below_quorum
    event = AuditEvent.objects.filter(target_type="orglife.liferecord", action="update").get()
    assert event.actor == secretary
    assert event.changes["below_quorum"] == [True, False]
    assert event.changes["attendees"] == [
        sorted(m.pk for m in members[:2]),
        sorted(m.pk for m in members[:3]),
    ]


# --- refused records ------------------------------------------------------------------------------


def test_a_record_in_the_future_is_refused(world, secretary, client_for):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        life_record_create(by=secretary, org=world.dgk_branch, type="themed_day", held_on=tomorrow, topic="x")
    assert "held_on" in exc.value.message_dict
    response = client_for(secretary).post(
        f"/life/orgs/{world.dgk_branch.pk}/new/",
        {"type": "themed_day", "held_on": tomorrow.isoformat(), "topic": "明天的主题党日"},
    )
    assert response.status_code == 400
    assert not LifeRecord.objects.exists()
    assert not AuditEvent.objects.filter(target_type="orglife.liferecord").exists()


def test_records_before_founding_or_for_a_dissolved_org_are_refused(world):
    branch = establish(world, "late", "2019-04-01")
    with pytest.raises(ValidationError) as exc:
        record(branch, "themed_day", "2019-03-31")
    assert "held_on" in exc.value.message_dict
    record(branch, "themed_day", "2019-04-01")
    org_dissolve(by=None, org=branch, on=d("2020-01-01"))
    branch.refresh_from_db()
    with pytest.raises(ValidationError):
        record(branch, "themed_day", "2019-05-01")
    assert LifeRecord.objects.filter(org=branch).count() == 1


def test_group_meetings_belong_to_party_groups_and_people_to_the_branch(world):
    branch = world.dgk_branch
    group = establish(world, "dgk-g1", "2018-09-01", kind="group", parent=branch)
    with pytest.raises(ValidationError) as exc:
        record(branch, "group_meeting", "2019-03-05")
    assert "type" in exc.value.message_dict
    with pytest.raises(ValidationError):
        record(group, "themed_day", "2019-03-05")
    stranger = make_member(world.plaza_branch)
    with pytest.raises(ValidationError) as exc:
        record(branch, "themed_day", "2019-03-05", attendees=[stranger])
    assert "attendees" in exc.value.message_dict
    member = make_member(branch)
    with pytest.raises(ValidationError) as exc:
        record(branch, "lecture", "2019-03-05", attendees=[member], on_leave=[member])
    assert "on_leave" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record(branch, "lecture", "2019-03-05", grades={member: "excellent"})
    assert "grades" in exc.value.message_dict
    assert record(group, "group_meeting", "2019-03-05", attendees=[member]).org == group


# --- uploads ------------------------------------------------------------------------------------------


@pytest.fixture
def meeting(world):
    return record(world.dgk_branch, "themed_day", "2019-03-15", topic="重温入党誓词")


def test_a_text_file_renamed_jpg_is_refused_and_nothing_is_saved(meeting, secretary, client_for, media):
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a picture\n" * 10, content_type="image/jpeg")
    response = client_for(secretary).post(
        f"/life/records/{meeting.pk}/attachments/", {"kind": "photo", "file": fake}, follow=True
    )
    assert response.status_code == 200
    assert "JPEG, PNG" in response.content.decode() or "JPEG、PNG" in response.content.decode()
    assert not LifeAttachment.objects.exists()
    assert stored_files(media) == []
    assert not AuditEvent.objects.filter(target_type="orglife.lifeattachment").exists()


def test_an_image_over_10_mb_is_refused_and_nothing_is_saved(meeting, secretary, media):
    big = SimpleUploadedFile("big.png", png_bytes(padding=11 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        life_attachment_add(by=secretary, record=meeting, kind="photo", file=big)
    assert "10 MB" in " ".join(exc.value.messages)
    assert not LifeAttachment.objects.exists()
    assert stored_files(media) == []


def test_a_pdf_is_a_sign_in_sheet_but_not_a_photo(meeting, secretary, media):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with pytest.raises(ValidationError):
        life_attachment_add(by=secretary, record=meeting, kind="photo", file=SimpleUploadedFile("a.pdf", pdf))
    sheet = life_attachment_add(
        by=secretary, record=meeting, kind="sign_in_sheet", file=SimpleUploadedFile("签到表.pdf", pdf)
    )
    assert (sheet.content_type, sheet.original_name, sheet.size) == (
        "application/pdf",
        "签到表.pdf",
        len(pdf),
    )
    assert sheet.file.name.startswith("orglife/") and sheet.file.name.endswith(".pdf")


def test_a_png_photo_is_kept_under_a_new_name_and_served_only_in_scope(
    meeting, secretary, outsider, client_for, media
):
    photo = life_attachment_add(
        by=secretary, record=meeting, kind="photo", file=SimpleUploadedFile("x.exe", png_bytes())
    )
    assert photo.file.name.endswith(".png") and photo.content_type == "image/png"
    assert len(stored_files(media)) == 1
    assert AuditEvent.objects.filter(target_type="orglife.lifeattachment", action="attach").count() == 1
    response = client_for(secretary).get(f"/life/attachments/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for(outsider).get(f"/life/attachments/{photo.pk}/").status_code == 404


def test_a_bad_photo_on_the_record_form_saves_no_record(world, secretary, client_for, media):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client_for(secretary).post(
        f"/life/orgs/{world.dgk_branch.pk}/new/",
        {"type": "themed_day", "held_on": "2019-03-15", "topic": "主题党日", "photo": fake},
    )
    assert response.status_code == 400
    assert not LifeRecord.objects.exists() and not LifeAttachment.objects.exists()
    assert stored_files(media) == []


# --- the pages ----------------------------------------------------------------------------------------


def test_a_secretary_records_a_themed_day_with_attendance_and_a_photo(world, secretary, client_for, media):
    branch = world.dgk_branch
    members = [make_member(branch) for _ in range(3)]
    client = client_for(secretary)
    form = client.get(f"/life/orgs/{branch.pk}/new/")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    response = client.post(
        f"/life/orgs/{branch.pk}/new/",
        {
            "type": "themed_day",
            "held_on": "2019-03-15",
            "topic": "重温入党誓词",
            "location": "大光勘党群服务站",
            "chair": members[0].pk,
            "attendees": [members[0].pk, members[1].pk],
            "on_leave": [members[2].pk],
            "photo": SimpleUploadedFile("合影.png", png_bytes()),
        },
    )
    saved = LifeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/life/records/{saved.pk}/"
    assert sorted(m.pk for m in saved.attendees.all()) == [members[0].pk, members[1].pk]
    assert saved.expected == 3 and saved.created_by == secretary
    assert saved.attachments.get().original_name == "合影.png"
    assert AuditEvent.objects.filter(
        target_type="orglife.liferecord", action="create", actor=secretary
    ).exists()
    assert client.get(f"/life/records/{saved.pk}/").status_code == 200
    calendar = client.get(f"/life/orgs/{branch.pk}/calendar/?year=2019").content.decode()
    assert 'data-testid="cell-themed_day-2019-03" data-status="held"' in calendar
    assert 'data-testid="cell-themed_day-2019-04" data-status="missed"' in calendar


def test_group_meetings_and_appraisal_grades_through_the_form(world, secretary, client_for):
    branch = world.dgk_branch
    group = establish(world, "dgk-g2", "2018-09-01", kind="group", parent=branch)
    members = [make_member(branch, group=group) for _ in range(2)]
    client = client_for(secretary)
    data = {"type": "group_meeting", "held_on": "2019-03-12", "topic": "学习党章", "group": group.pk}
    assert client.post(f"/life/orgs/{branch.pk}/new/", data).status_code == 302
    assert LifeRecord.objects.get(type="group_meeting").org == group
    appraisal = {
        "type": "appraisal",
        "held_on": "2019-12-20",
        "topic": "2019年度民主评议党员",
        "attendees": [m.pk for m in members],
        f"grade_{members[0].pk}": "excellent",
        f"grade_{members[1].pk}": "qualified",
    }
    assert client.post(f"/life/orgs/{branch.pk}/new/", appraisal).status_code == 302
    grades = LifeRecord.objects.get(type="appraisal").grades.order_by("member_id")
    assert [(g.member_id, g.grade) for g in grades] == [
        (members[0].pk, "excellent"),
        (members[1].pk, "qualified"),
    ]


def test_the_record_list_filters_and_tells_what_to_do_when_empty(world, secretary, client_for):
    branch = world.dgk_branch
    client = client_for(secretary)
    empty = client.get(f"/life/orgs/{branch.pk}/").content.decode()
    assert 'data-testid="records-empty"' in empty and f"/life/orgs/{branch.pk}/new/" in empty
    record(branch, "themed_day", "2019-03-15", topic="三月主题党日")
    record(branch, "lecture", "2020-03-15", topic="二〇二〇年党课")
    page = client.get(f"/life/orgs/{branch.pk}/?type=lecture").content.decode()
    assert "二〇二〇年党课" in page and "三月主题党日" not in page
    page = client.get(f"/life/orgs/{branch.pk}/?year=2019").content.decode()
    assert "三月主题党日" in page and "二〇二〇年党课" not in page


# --- scoping ----------------------------------------------------------------------------------------


def test_community_staff_read_their_branches_only(world, wuhe_staff, client_for):
    client = client_for(wuhe_staff)
    dgk, plaza = world.dgk_branch.pk, world.plaza_branch.pk
    assert client.get(f"/api/v1/organizations/{dgk}/life?year=2019").status_code == 200
    assert client.get(f"/api/v1/organizations/{plaza}/life?year=2019").status_code == 404
    assert client.get(f"/api/v1/life-records?organization={dgk}").status_code == 200
    assert client.get(f"/api/v1/life-records?organization={plaza}").status_code == 404
    assert client.get(f"/life/orgs/{dgk}/").status_code == 200
    assert client.get(f"/life/orgs/{plaza}/").status_code == 404
    assert client.get(f"/life/orgs/{plaza}/calendar/").status_code == 404
    plaza_record = record(world.plaza_branch, "themed_day", "2019-03-15")
    assert client.get(f"/life/records/{plaza_record.pk}/").status_code == 404
    listed = client.get("/api/v1/life-records").json()
    assert plaza_record.pk not in [i["id"] for i in listed["items"]]


def test_a_resident_sees_no_registers(world, resident, client_for):
    client = client_for(resident)
    plaza = world.plaza_branch.pk
    assert client.get("/life/").status_code == 403
    assert client.get(f"/life/orgs/{plaza}/").status_code == 404
    assert client.get(f"/life/orgs/{plaza}/new/").status_code == 404
    assert client.get(f"/api/v1/organizations/{plaza}/life").status_code == 404
    assert client.get("/api/v1/life-records").json() == {"items": [], "count": 0}


def test_an_auditor_reads_but_cannot_record(world, auditor, client_for):
    client = client_for(auditor)
    dgk = world.dgk_branch
    existing = record(dgk, "themed_day", "2019-03-15")
    assert client.get(f"/life/orgs/{dgk.pk}/").status_code == 200
    assert client.get(f"/life/orgs/{dgk.pk}/calendar/").status_code == 200
    assert client.get(f"/api/v1/organizations/{dgk.pk}/life").status_code == 200
    assert client.get(f"/life/orgs/{dgk.pk}/new/").status_code == 403
    post = client.post(
        f"/life/orgs/{dgk.pk}/new/", {"type": "themed_day", "held_on": "2019-04-15", "topic": "x"}
    )
    assert post.status_code == 403
    assert client.get(f"/life/records/{existing.pk}/edit/").status_code == 403
    assert client.post(f"/life/records/{existing.pk}/attachments/", {"kind": "photo"}).status_code == 403
    with pytest.raises(PermissionDenied):
        life_record_create(by=auditor, org=dgk, type="themed_day", held_on=d("2019-04-15"), topic="x")
    assert LifeRecord.objects.count() == 1


def test_a_secretary_records_for_the_own_branch_only(world, secretary, client_for):
    client = client_for(secretary)
    assert client.get(f"/life/orgs/{world.dgk_branch.pk}/new/").status_code == 200
    assert client.get(f"/life/orgs/{world.plaza_branch.pk}/new/").status_code == 404
    assert (
        client.get(f"/life/orgs/{world.wuhe_committee.pk}/").status_code == 404
    )  # committees keep no records
    with pytest.raises(PermissionDenied):
        life_record_create(
            by=secretary, org=world.xincun_branch, type="lecture", held_on=d("2019-04-15"), topic="x"
        )


# --- alerts -----------------------------------------------------------------------------------------


def _complete_last_month(branch: PartyOrg, skip: str | None = None) -> None:
    """Every quota of the last completed periods met (2021-03-10: February, 2020-Q4, 2020)."""
    for kind, day in (
        ("committee_meeting", "2021-02-05"),
        ("themed_day", "2021-02-15"),
        ("lecture", "2020-11-15"),
        ("life_meeting", "2020-12-20"),
        ("appraisal", "2020-12-21"),
    ):
        if kind != skip:
            record(branch, kind, day)


def test_missed_quotas_alert_the_branch_and_its_community(world, secretary, wuhe_staff, outsider, resident):
    with on(2021, 3, 10):
        for branch in (world.dgk_branch, world.xincun_branch, world.estate_branch, world.plaza_branch):
            members = [make_member(branch) for _ in range(2)]
            _complete_last_month(branch, skip="themed_day" if branch == world.dgk_branch else None)
            record(branch, "general_meeting", "2020-12-10", attendees=members)
        assert [b.pk for b in missed_quotas_visible_to(secretary)] == [world.dgk_branch.pk]
        flagged = missed_quotas_visible_to(wuhe_staff)
        assert [b.pk for b in flagged] == [world.dgk_branch.pk]
        assert flagged[0].life_missed == [{"type": "themed_day", "period": "2021-02"}]
        assert missed_quotas_visible_to(outsider) == []
        assert missed_quotas_visible_to(resident) == []

        request = RequestFactory().get("/")
        request.user = wuhe_staff
        html = render_to_string("orglife/partials/alerts.html", {"request": request})
        assert f'data-testid="life-alert-{world.dgk_branch.pk}"' in html and "2021-02" in html
        request.user = outsider
        assert "life-alerts" not in render_to_string("orglife/partials/alerts.html", {"request": request})


def test_the_calendar_shows_held_missed_and_not_yet_due(world):
    branch = world.dgk_branch
    with on(2019, 5, 20):
        record(branch, "themed_day", "2019-03-15")
        record(branch, "themed_day", "2019-05-15")
        grid = life_calendar(branch, 2019)
    cells = {c.testid: c for row in grid["rows"] for c in row["cells"]}
    assert cells["cell-themed_day-2019-03"].status == "held"
    assert cells["cell-themed_day-2019-04"].status == "missed"
    assert cells["cell-themed_day-2019-05"].status == "held"  # held early, before the month ended
    assert cells["cell-themed_day-2019-06"].status == "due"
    assert cells["cell-committee_meeting-2019-05"].status == "due"
    assert cells["cell-general_meeting-2019-Q1"].status == "missed"
    assert cells["cell-life_meeting-2019"].rowspan == 12
    assert cells["cell-group_meeting-2019-01"].status == "none"  # the branch has no party groups
    assert len(grid["rows"][0]["cells"]) == 7 and len(grid["rows"][1]["cells"]) == 3


# --- query counts -----------------------------------------------------------------------------------


def _many_records(branch: PartyOrg, n: int, media) -> None:
    members = [make_member(branch) for _ in range(3)]
    for i in range(n):
        rec = record(branch, "themed_day", f"{2019 + i // 12}-{i % 12 + 1:02d}-15", attendees=members[:2])
        life_attachment_add(by=None, record=rec, kind="photo", file=SimpleUploadedFile("p.png", png_bytes()))


def _queries(client, url: str) -> int:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/life/orgs/{pk}/",
        "/life/orgs/{pk}/calendar/?year=2019",
        "/api/v1/life-records?organization={pk}",
        "/api/v1/life-records",
        "/life/",
    ],
)
def test_lists_take_the_same_number_of_queries_at_n_and_3n_records(world, admin_user, client_for, media, url):
    small, large = world.dgk_branch, world.xincun_branch
    _many_records(small, 4, media)
    client = client_for(admin_user)
    few = _queries(client, url.format(pk=small.pk))
    _many_records(large, 12, media)
    many = _queries(client, url.format(pk=large.pk))
    assert few == many


def test_the_list_api_pages_with_limit_and_offset(world, admin_user, client_for):
    for month in range(1, 6):
        record(world.dgk_branch, "committee_meeting", f"2019-{month:02d}-05")
    client = client_for(admin_user)
    body = client.get(f"/api/v1/life-records?organization={world.dgk_branch.pk}&limit=2&offset=1").json()
    assert body["count"] == 5
    assert [i["held_on"] for i in body["items"]] == ["2019-04-05", "2019-03-05"]
    assert set(body["items"][0]) >= {
        "id",
        "organization",
        "type",
        "held_on",
        "attended",
        "expected",
        "below_quorum",
    }


# --- demo ---------------------------------------------------------------------------------------------


def test_the_demo_history_gives_city_plaza_six_themed_days_and_is_idempotent(world):
    plaza = establish(world, "city-plaza-zb", "2018-08-01", place=world.plaza, parent=world.xjt_committee)
    for branch in (plaza, world.dgk_branch, world.xincun_branch):
        for _ in range(6):
            make_member(branch)
    with on(2019, 8, 20):
        logged: list[str] = []
        created = load_life(log=logged.append)
        assert created > 0 and logged[-1].startswith("Loaded")
        themed = LifeRecord.objects.filter(
            org=plaza, type="themed_day", held_on__range=(d("2018-08-01"), d("2019-01-31"))
        )
        assert themed.count() == 6
        assert sorted({r.held_on.strftime("%Y-%m") for r in themed}) == [
            "2018-08",
            "2018-09",
            "2018-10",
            "2018-11",
            "2018-12",
            "2019-01",
        ]
        result = life_compliance(plaza, d("2018-08-01"), d("2019-01-31"))
        assert result["by_type"]["themed_day"] == {"required": 6, "held": 6}
        first = sorted(LifeRecord.objects.values_list("org__code", "type", "held_on"))
        assert not LifeRecord.objects.filter(held_on__gt=d("2019-08-20")).exists()
        assert load_life(log=logged.append) == 0
        assert LifeRecord.objects.count() == created
        # The same history again from scratch: nothing depends on the run but today.
        LifeRecord.objects.all().delete()
        load_life(log=logged.append)
        assert sorted(LifeRecord.objects.values_list("org__code", "type", "held_on")) == first

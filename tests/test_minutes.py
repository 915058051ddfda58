"""The minutes of a meeting as a Word document and a PDF, read back: the Chinese title, the committee, who
sat for which stakeholder and whether they came, each motion's counts and result, the resolution, its
action and the amendment. Word's styles name an East Asian font; the PDF embeds no system font."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from gongzhi.deliberation import minutes
from gongzhi.deliberation import services as s
from gongzhi.deliberation.models import Meeting
from tests.factories import make_member, make_user

TITLE = "大光勘居民小组党群联席会议（2018年第四次）"
TERM = datetime.date(2018, 10, 20)


@pytest.fixture
def meeting(world) -> Meeting:
    committee = s.committee_create(
        by=None,
        kind="joint_meeting",
        name="大光勘居民小组党群联席会议",
        place=world.dgk,
        branch=world.dgk_branch,
    )
    secretary = make_user("t-zyj")
    secretary.display_name = "曾拥军"
    secretary.save(update_fields=["display_name"])
    holders = [
        ("branch", {"user": secretary}),
        ("company", {"holder_name": "叶董事", "organisation": "大光勘股份合作公司"}),
        ("party_member_rep", {"member": make_member(world.dgk_branch, "钟党员")}),
        ("resident_rep", {"holder_name": "邱阿姨"}),
        ("resident_rep", {"holder_name": "赖师傅"}),
        ("stationed_unit", {"holder_name": "罗经理", "organisation": "驻地企业"}),
    ]
    seats = [
        s.seat_assign(by=None, committee=committee, stakeholder=kind, since=TERM, **holder)
        for kind, holder in holders
    ]
    topic = s.topic_screen(
        by=None,
        topic=s.topic_raise(by=None, committee=committee, title="2018年度集体经济收益分配", source="member"),
        decision="accepted",
    )
    meeting = s.meeting_schedule(
        by=None,
        committee=committee,
        title=TITLE,
        scheduled_at=timezone.make_aware(datetime.datetime(2018, 12, 18, 19, 30)),
        venue="大光勘党群服务站",
        topics=[topic],
    )
    for seat in seats[:4]:
        s.attendance_record(by=None, meeting=meeting, seat=seat, present=True)
    s.attendance_record(by=None, meeting=meeting, seat=seats[4], present=False, on_leave=True)
    s.attendance_record(by=None, meeting=meeting, seat=seats[5], present=False)
    s.meeting_open(by=None, meeting=meeting)
    item = meeting.agenda_items.get()
    motion = s.motion_open(by=None, meeting=meeting, text="同意2018年度收益分配方案", agenda_item=item)
    for seat, choice in zip(seats[:4], ["for", "for", "for", "against"], strict=True):
        s.vote_record(by=None, motion=motion, seat=seat, choice=choice)
    resolution = s.resolution_adopt(by=None, motion=s.motion_close(by=None, motion=motion))
    s.action_add(
        by=None,
        resolution=resolution,
        title="分配方案提交股东代表大会",
        deadline=datetime.date(2019, 1, 15),
        owner_name="大光勘股份合作公司",
    )
    failing = s.motion_open(by=None, meeting=meeting, text="增设停车场", rule="two_thirds")
    for seat, choice in zip(seats[:4], ["for", "for", "against", "abstain"], strict=True):
        s.vote_record(by=None, motion=failing, seat=seat, choice=choice)
    s.motion_close(by=None, motion=failing)
    s.meeting_close(by=None, meeting=meeting, minutes="会议由曾拥军主持。\n审议通过收益分配方案。")
    s.meeting_amend(
        by=None, meeting=meeting, reason="补记列席人员", field="minutes", value="会议由曾拥军主持，街道列席。"
    )
    return Meeting.objects.select_related("committee__place").get(pk=meeting.pk)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_word_minutes_read_back(meeting):
    data, content_type = minutes.render(meeting, "docx")
    assert content_type == minutes.FORMATS["docx"]
    text = docx_text(data)
    assert TITLE in text and "大光勘居民小组党群联席会议" in text
    assert "2018-12-18 19:30" in text and "大光勘党群服务站" in text
    assert "曾拥军" in text and "钟党员" in text and "大光勘股份合作公司" in text
    assert re.search(rf"赖师傅 \| .* \| {re.escape(gettext('On leave'))}", text)
    assert re.search(rf"罗经理 \| 驻地企业 \| {re.escape(gettext('Absent'))}", text)
    assert f"{gettext('For')} | 3" in text and f"{gettext('Against')} | 1" in text
    assert f"{gettext('Abstaining')} | 0" in text and f"{gettext('Committee members')} | 6" in text
    assert gettext("majority not reached") in text
    assert "分配方案提交股东代表大会" in text and "补记列席人员" in text
    assert "会议由曾拥军主持，街道列席。" in text
    normal = Document(io.BytesIO(data)).styles["Normal"].element
    assert normal.rPr.rFonts.get(qn("w:eastAsia")) == minutes.DOCX_EAST_ASIAN_FONT


def test_the_pdf_minutes_read_back(meeting):
    data, content_type = minutes.render(meeting, "pdf")
    assert content_type == "application/pdf" and data.startswith(b"%PDF")
    text = pdf_text(data)
    assert TITLE in text.replace("\n", "")
    assert "曾拥军" in text and "邱阿姨" in text and "钟党员" in text
    assert re.search(rf"{re.escape(gettext('For'))}\s*3\b", text)
    assert re.search(rf"{re.escape(gettext('Against'))}\s*1\b", text)
    assert re.search(rf"{re.escape(gettext('Abstaining'))}\s*0\b", text)
    assert "分配方案提交股东代表大会" in text
    assert b"STSong-Light" in data


def test_the_minutes_of_a_meeting_in_session_show_the_votes_so_far(meeting, world):
    committee = meeting.committee
    seat = committee.seats.get(stakeholder="company")
    sitting = s.meeting_schedule(by=None, committee=committee, title="临时会议", scheduled_at=timezone.now())
    s.attendance_record(by=None, meeting=sitting, seat=seat, present=True)
    s.meeting_open(by=None, meeting=sitting)
    motion = s.motion_open(by=None, meeting=sitting, text="临时动议")
    s.vote_record(by=None, motion=motion, seat=seat, choice="abstain")
    text = docx_text(minutes.render(sitting, "docx")[0])
    assert f"{gettext('Abstaining')} | 1" in text and "临时动议" in text


def test_the_download_is_named_after_the_meeting(meeting, client_for, wuhe_staff):
    response = client_for(wuhe_staff).get(reverse("deliberation:minutes_download", args=[meeting.pk, "pdf"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and "utf-8''" in response["Content-Disposition"]
    assert "曾拥军" in pdf_text(b"".join(response.streaming_content))

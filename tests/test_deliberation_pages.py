"""The pages of consultation committees: every action through its page and the state it leaves, refusals
answered 400 with nothing saved, scoping (outsiders 404, auditors 403 on writes, residents only the
published resolutions of their own place), online votes by seat holders, and the query cost of the big
pages at N and 3N.

The cast: a consultation committee of 大光勘 (a resident group of 五和) organised by its branch secretary,
with six seats: two held by accounts, one by a party member, three by named people."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from gongzhi.accounts.models import User
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation import demo
from gongzhi.deliberation import services as s
from gongzhi.deliberation.models import (
    ActionItem,
    Amendment,
    Attendance,
    Committee,
    Meeting,
    Motion,
    Resolution,
    Seat,
    Topic,
    Vote,
)
from gongzhi.deliberation.selectors import composition_warnings
from gongzhi.demands.models import Category, Demand, Status
from gongzhi.demands.services import demand_resolve, demand_submit
from tests.factories import make_member, make_user, plaza_with_medical_demand

TERM = datetime.date(2024, 1, 1)
LATER = datetime.date(2099, 1, 1)


def url(name: str, *args) -> str:
    return reverse(f"deliberation:{name}", args=args)


def seat_specs(world, holders):
    return [
        ("branch", {"user": holders[0]}),
        ("party_member_rep", {"member": make_member(world.dgk_branch, "黄党员")}),
        ("resident_rep", {"user": holders[1]}),
        ("resident_rep", {"holder_name": "王阿姨"}),
        ("company", {"holder_name": "曾董事长", "organisation": "大光勘股份合作公司"}),
        ("building_head", {"holder_name": "赵楼长"}),
    ]


@pytest.fixture
def cast(world, secretary, outsider, auditor, resident):
    committee = s.committee_create(
        by=None,
        kind="consultation_committee",
        name="大光勘事务协商委员会",
        place=world.dgk,
        branch=world.dgk_branch,
    )
    holders = [make_user("t-holder-0", Role.COMMITTEE_MEMBER, world.dgk), make_user("t-holder-1")]
    seats = [
        s.seat_assign(by=None, committee=committee, stakeholder=kind, since=TERM, **holder)
        for kind, holder in seat_specs(world, holders)
    ]
    topic = s.topic_screen(
        by=None,
        topic=s.topic_raise(by=None, committee=committee, title="集体物业出租管理", source="station"),
        decision="accepted",
    )
    return SimpleNamespace(
        world=world,
        committee=committee,
        seats=seats,
        holders=holders,
        topic=topic,
        organiser=secretary,
        outsider=outsider,
        auditor=auditor,
        resident=resident,
    )


def sit(cast, *, present: int = 6, mode: str = "both", title: str = "第一次协商会议") -> Meeting:
    meeting = s.meeting_schedule(
        by=None,
        committee=cast.committee,
        title=title,
        scheduled_at=timezone.now(),
        venue="大光勘党群服务站",
        mode=mode,
        topics=[cast.topic],
    )
    for i, seat in enumerate(cast.seats):
        s.attendance_record(by=None, meeting=meeting, seat=seat, present=i < present)
    return s.meeting_open(by=None, meeting=meeting)


def passed(cast, meeting: Meeting, text: str = "集体物业一律公开招租") -> Resolution:
    motion = s.motion_open(by=None, meeting=meeting, text=text, agenda_item=meeting.agenda_items.first())
    for seat in cast.seats[:4]:
        s.vote_record(by=None, motion=motion, seat=seat, choice="for")
    return s.resolution_adopt(by=None, motion=s.motion_close(by=None, motion=motion))


def page(client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content.decode()


def shows(response, message: str) -> bool:
    return escape(gettext(message)) in response.content.decode()


# --- committees, seats and topics ----------------------------------------------------------------------


def test_the_committee_list_is_scoped(cast, client_for, world):
    plaza = s.committee_create(
        by=None,
        kind="consultation_committee",
        name="城市广场协委会",
        place=world.plaza,
        branch=world.plaza_branch,
    )
    body = page(client_for(cast.organiser), url("committee_list"))
    assert f'data-testid="committee-{cast.committee.pk}"' in body
    assert f'data-testid="committee-{plaza.pk}"' not in body
    body = page(client_for(cast.outsider), url("committee_list"))
    assert f'data-testid="committee-{plaza.pk}"' in body
    assert f'data-testid="committee-{cast.committee.pk}"' not in body
    assert client_for(cast.resident).get(url("committee_list")).status_code == 403


def test_the_committee_page_shows_seats_warnings_topics_and_results(cast, client_for):
    s.seat_end(by=None, seat=cast.seats[1], on=datetime.date(2024, 6, 1))  # no party members' rep now
    resolution = passed(cast, sit(cast))
    action = s.action_add(
        by=None, resolution=resolution, title="清理租赁合同", deadline=LATER, owner_name="公司"
    )
    s.action_update(by=None, action=action, progress=40)
    body = page(client_for(cast.organiser), url("committee", cast.committee.pk))
    assert 'data-testid="composition-warnings"' in body
    assert (
        f'data-testid="seat-{cast.seats[0].pk}"' in body
        and f'data-testid="seat-{cast.seats[1].pk}"' not in body
    )
    assert "黄党员" in body  # among the past terms
    assert f'data-testid="resolution-{resolution.pk}"' in body
    assert f'data-testid="action-{action.pk}" data-status="in_progress"' in body
    assert 'aria-valuenow="40"' in body


def test_seats_are_assigned_and_ended_through_the_pages(cast, client_for):
    client = client_for(cast.organiser)
    data = {"stakeholder": "migrant_rep", "holder_name": "李师傅", "organisation": "", "since": "2024-03-01"}
    assert client.post(url("seat_assign", cast.committee.pk), data).status_code == 302
    seat = Seat.objects.get(holder_name="李师傅")
    assert (seat.stakeholder, seat.since, seat.until) == ("migrant_rep", datetime.date(2024, 3, 1), None)
    response = client.post(url("seat_end", seat.pk), {"on": "2024-02-01"})  # before the term began
    assert response.status_code == 400 and 'data-testid="errors"' in response.content.decode()
    assert Seat.objects.get(pk=seat.pk).until is None
    assert client.post(url("seat_end", seat.pk), {"on": "2025-01-01"}).status_code == 302
    assert Seat.objects.get(pk=seat.pk).until == datetime.date(2025, 1, 1)
    before = Seat.objects.count()
    response = client.post(url("seat_assign", cast.committee.pk), {**data, "holder_name": ""})
    assert response.status_code == 400 and Seat.objects.count() == before


def test_topics_are_raised_and_screened_through_the_pages(cast, client_for):
    client = client_for(cast.organiser)
    for title in ("加装电梯", "电梯加装", "广场舞噪音"):
        data = {"title": title, "description": "", "source": "resident"}
        assert client.post(url("topic_raise", cast.committee.pk), data).status_code == 302
    lift, duplicate, noise = (Topic.objects.get(title=t) for t in ("加装电梯", "电梯加装", "广场舞噪音"))
    assert f'data-testid="screen-{lift.pk}"' in page(client, url("committee", cast.committee.pk))
    assert client.post(url("topic_screen", lift.pk), {"decision": "accepted"}).status_code == 302
    merge = {"decision": "merged", "into": lift.pk}
    assert client.post(url("topic_screen", duplicate.pk), merge).status_code == 302
    response = client.post(url("topic_screen", noise.pk), {"decision": "declined", "reason": " "})
    assert response.status_code == 400 and shows(response, "Say why the topic is declined.")
    declined = {"decision": "declined", "reason": "属物业管理范围，已转物业"}
    assert client.post(url("topic_screen", noise.pk), declined).status_code == 302
    got = {t.title: (t.status, t.merged_into_id, t.decline_reason) for t in Topic.objects.all()}
    assert got["加装电梯"] == ("accepted", None, "")
    assert got["电梯加装"] == ("merged", lift.pk, "")
    assert got["广场舞噪音"] == ("declined", None, "属物业管理范围，已转物业")
    assert page(client, url("topic", lift.pk))


def test_a_seat_holder_may_raise_a_topic_but_not_screen_it(cast, client_for):
    client = client_for(cast.holders[1])  # holds a seat, no role at the place
    data = {"title": "楼道堆物", "description": "", "source": "resident"}
    assert client.post(url("topic_raise", cast.committee.pk), data).status_code == 302
    topic = Topic.objects.get(title="楼道堆物")
    assert topic.raised_by == cast.holders[1]
    assert client.post(url("topic_screen", topic.pk), {"decision": "accepted"}).status_code == 403
    assert Topic.objects.get(pk=topic.pk).status == "proposed"


@pytest.fixture
def demands(world):
    category = Category.objects.create(code="lamp", name="路灯", limit_days=5)
    here = [
        demand_submit(
            by=None, channel="walk_in", category=category, place=world.dgk, description=f"路灯坏了{i}"
        )
        for i in range(2)
    ]
    elsewhere = demand_submit(
        by=None, channel="walk_in", category=category, place=world.plaza, description="别处的路灯"
    )
    return SimpleNamespace(here=here, elsewhere=elsewhere)


def test_a_topic_is_made_of_open_demands_of_the_place(cast, demands, client_for):
    client = client_for(cast.organiser)
    body = page(client, url("topic_from_demands", cast.committee.pk))
    assert all(f'data-testid="demand-{d.pk}"' in body for d in demands.here)
    assert f'data-testid="demand-{demands.elsewhere.pk}"' not in body
    refused = {"demands": [demands.here[0].pk, demands.elsewhere.pk], "title": "路灯维修"}
    assert client.post(url("topic_from_demands", cast.committee.pk), refused).status_code == 400
    assert not Topic.objects.filter(title="路灯维修").exists()
    data = {"demands": [d.pk for d in demands.here], "title": "路灯维修", "description": ""}
    assert client.post(url("topic_from_demands", cast.committee.pk), data).status_code == 302
    topic = Topic.objects.get(title="路灯维修")
    assert (topic.status, topic.source, topic.demands.count()) == ("accepted", "demand", 2)
    assert {d.agenda_ref for d in topic.demands.all()} == {s.agenda_ref(topic)}


# --- a meeting, through its page -----------------------------------------------------------------------


def test_a_meeting_from_schedule_to_publication_through_the_pages(cast, client_for):
    client = client_for(cast.organiser)
    committee, seats = cast.committee, cast.seats
    when = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "title": "第一次协商会议",
        "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        "venue": "大光勘党群服务站",
        "mode": "both",
        "topics": [cast.topic.pk],
    }
    assert client.post(url("meeting_schedule", committee.pk), data).status_code == 302
    meeting = Meeting.objects.get()
    assert [i.topic_id for i in meeting.agenda_items.all()] == [cast.topic.pk]
    assert client.post(url("send_notice", meeting.pk)).status_code == 302
    assert client.post(url("meeting_open", meeting.pk)).status_code == 302
    attendance = {f"present_{seat.pk}": "on" for seat in seats[:5]}
    attendance |= {f"how_{seats[2].pk}": "online", f"leave_{seats[5].pk}": "on"}
    assert client.post(url("attendance", meeting.pk), attendance).status_code == 302
    rows = {a.seat_id: (a.present, a.how, a.on_leave) for a in Attendance.objects.filter(meeting=meeting)}
    assert rows[seats[2].pk] == (True, "online", False) and rows[seats[5].pk] == (False, "in_person", True)
    item = meeting.agenda_items.get()
    motion_data = {"text": "集体物业一律公开招租", "agenda_item": item.pk, "rule": ""}
    assert client.post(url("motion_open", meeting.pk), motion_data).status_code == 302
    motion = Motion.objects.get()
    votes = {f"vote_{seats[0].pk}": "for", f"vote_{seats[1].pk}": "for", f"vote_{seats[3].pk}": "against"}
    votes |= {f"vote_{seats[4].pk}": "abstain", f"channel_{seats[3].pk}": "paper"}
    assert client.post(url("votes_record", motion.pk), votes).status_code == 302
    # The resident representative votes online from their own page.
    holder = client_for(cast.holders[1])
    assert f'data-testid="vote-for-{motion.pk}"' in page(holder, url("mine"))
    assert holder.post(url("vote_cast", motion.pk), {"choice": "for"}).status_code == 302
    assert f'data-testid="my-vote-{motion.pk}"' in page(holder, url("mine"))
    client = client_for(cast.organiser)
    assert client.post(url("motion_close", motion.pk)).status_code == 302
    motion.refresh_from_db()
    assert (motion.result, motion.members_count, motion.present_count) == ("passed", 6, 5)
    assert (motion.votes_for, motion.votes_against, motion.votes_abstain) == (3, 1, 1)
    body = page(client, url("meeting", meeting.pk))
    assert f'data-testid="motion-math-{motion.pk}" data-members="6" data-present="5" data-for="3"' in body
    assert client.post(url("resolution_adopt", motion.pk), {"text": ""}).status_code == 302
    resolution = Resolution.objects.get()
    assert resolution.text == "集体物业一律公开招租"
    action = {
        "title": "清理集体物业租赁合同",
        "owner": cast.organiser.pk,
        "owner_name": "",
        "deadline": "2099-01-01",
    }
    assert client.post(url("action_add", resolution.pk), action).status_code == 302
    assert ActionItem.objects.get().owner == cast.organiser
    assert (
        client.post(url("meeting_close", meeting.pk), {"minutes": "到会5人，审议通过。"}).status_code == 302
    )
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes) == ("closed", "到会5人，审议通过。")
    assert client.post(url("resolution_publish", resolution.pk)).status_code == 302
    assert Resolution.objects.get().published
    body = page(client, url("meeting", meeting.pk))
    assert 'data-testid="meeting-status" data-status="closed"' in body
    assert f'data-testid="published-{resolution.pk}"' in body


def test_closing_lists_what_is_missing_and_changes_nothing(cast, client_for):
    meeting = s.meeting_schedule(by=None, committee=cast.committee, title="会", scheduled_at=timezone.now())
    s.meeting_open(by=None, meeting=meeting)
    client = client_for(cast.organiser)
    assert 'data-testid="close-checklist"' in page(client, url("meeting", meeting.pk))
    events = AuditEvent.objects.count()
    response = client.post(url("meeting_close", meeting.pk), {"minutes": ""})
    assert response.status_code == 400
    assert shows(response, "Write the minutes.")
    assert escape(gettext("Record the attendance of every member (%(n)d missing).") % {"n": 6}) in (
        response.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.status == "open" and AuditEvent.objects.count() == events


def test_a_vote_below_quorum_fails_and_the_page_says_so(cast, client_for):
    meeting = sit(cast, present=3)  # 3 of 6; the quorum is 4
    motion = s.motion_open(by=None, meeting=meeting, text="动议")
    client = client_for(cast.organiser)
    votes = {f"vote_{seat.pk}": "for" for seat in cast.seats[:3]}
    assert client.post(url("votes_record", motion.pk), votes).status_code == 302
    assert client.post(url("motion_close", motion.pk)).status_code == 302
    motion.refresh_from_db()
    assert (motion.result, motion.result_note, motion.votes_for) == ("failed", "no quorum", 3)
    body = page(client, url("meeting", meeting.pk))
    assert 'data-testid="no-quorum"' in body and 'data-testid="result-note"' in body


def test_bad_input_is_answered_400_and_nothing_is_saved(cast, client_for):
    meeting = sit(cast, present=4)
    client = client_for(cast.organiser)
    events = AuditEvent.objects.count()
    assert client.post(url("motion_open", meeting.pk), {"text": " ", "rule": ""}).status_code == 400
    assert not Motion.objects.exists()
    motion = s.motion_open(by=None, meeting=meeting, text="动议")
    events = AuditEvent.objects.count()
    # The first vote is fine, the second seat is absent: neither is recorded.
    votes = {f"vote_{cast.seats[0].pk}": "for", f"vote_{cast.seats[5].pk}": "for"}
    response = client.post(url("votes_record", motion.pk), votes)
    assert response.status_code == 400 and 'data-testid="errors"' in response.content.decode()
    assert not Vote.objects.exists()
    # Present and on leave at once: refused for that seat, and the other changes are rolled back too.
    both = {f"present_{seat.pk}": "on" for seat in cast.seats}
    both[f"leave_{cast.seats[5].pk}"] = "on"
    assert client.post(url("attendance", meeting.pk), both).status_code == 400
    assert Attendance.objects.filter(meeting=meeting, present=True).count() == 4
    assert client.post(url("resolution_adopt", motion.pk), {"text": ""}).status_code == 400
    assert not Resolution.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_closed_meeting_is_amended_only_with_a_reason(cast, client_for):
    meeting = sit(cast)
    resolution = passed(cast, meeting)
    s.meeting_close(by=None, meeting=meeting, minutes="会议纪要")
    client = client_for(cast.organiser)
    assert 'data-testid="amend"' in page(client, url("meeting", meeting.pk))
    assert page(client, url("meeting_amend", meeting.pk))
    record = f"resolution:{resolution.pk}:text"
    response = client.post(url("meeting_amend", meeting.pk), {"record": record, "value": "改", "reason": ""})
    assert response.status_code == 400 and not Amendment.objects.exists()
    data = {"record": record, "value": "集体物业一律公开招租，租金统一入账", "reason": "纪要笔误"}
    assert client.post(url("meeting_amend", meeting.pk), data).status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.reason, amendment.after) == ("纪要笔误", "集体物业一律公开招租，租金统一入账")
    assert Resolution.objects.get().text == "集体物业一律公开招租，租金统一入账"
    assert 'data-testid="amendments"' in page(client, url("meeting", meeting.pk))
    # The record itself refuses any other write.
    assert client.post(url("minutes", meeting.pk), {"minutes": "改"}).status_code == 400
    assert Meeting.objects.get().minutes == "会议纪要"


def test_an_action_done_resolves_the_demands_behind_it(cast, demands, client_for):
    topic = s.topic_from_demands(by=None, committee=cast.committee, demands=demands.here, title="路灯维修")
    meeting = s.meeting_schedule(
        by=None, committee=cast.committee, title="会", scheduled_at=timezone.now(), topics=[topic]
    )
    for seat in cast.seats:
        s.attendance_record(by=None, meeting=meeting, seat=seat, present=True)
    s.meeting_open(by=None, meeting=meeting)
    motion = s.motion_open(by=None, meeting=meeting, text="更换路灯", agenda_item=meeting.agenda_items.get())
    s.vote_record(by=None, motion=motion, seat=cast.seats[0], choice="for")
    resolution = s.resolution_adopt(by=None, motion=s.motion_close(by=None, motion=motion))
    action = s.action_add(
        by=None, resolution=resolution, title="更换路灯", deadline=LATER, owner=cast.holders[0]
    )
    # The owner, a seat holder, reports progress from the action's page.
    owner = client_for(cast.holders[0])
    assert 'data-testid="action-update-form"' in page(owner, url("action", action.pk))
    assert (
        owner.post(url("action_update", action.pk), {"progress": "60", "note": "已采购"}).status_code == 302
    )
    client = client_for(cast.organiser)
    assert client.post(url("action_update", action.pk), {"progress": "120"}).status_code == 400
    assert ActionItem.objects.get().progress == 60
    assert 'data-testid="action-done-resolve"' in page(client, url("action", action.pk))
    done = {"progress": "100", "status": "done", "resolve_demands": "on", "note": "已更换"}
    assert client.post(url("action_update", action.pk), done).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.progress, action.demands_resolved.count()) == ("done", 100, 2)
    assert set(
        Demand.objects.filter(pk__in=[d.pk for d in demands.here]).values_list("status", flat=True)
    ) == {Status.RESOLVED}
    assert 'data-testid="action-status" data-status="done"' in page(client, url("action", action.pk))


def test_online_votes_only_while_the_vote_is_open(cast, client_for):
    meeting = sit(cast, present=4)
    motion = s.motion_open(by=None, meeting=meeting, text="动议")
    holder = client_for(cast.holders[0])
    assert f'data-testid="vote-online-{motion.pk}"' in page(holder, url("meeting", meeting.pk))
    s.motion_close(by=None, motion=motion)
    body = page(holder, url("mine"))
    assert f'data-testid="vote-closed-{motion.pk}"' in body and f"vote-for-{motion.pk}" not in body
    assert holder.post(url("vote_cast", motion.pk), {"choice": "for"}).status_code == 400
    assert not Vote.objects.exists()
    in_person = sit(cast, mode="in_person", title="第二次会议")
    other = s.motion_open(by=None, meeting=in_person, text="另一动议")
    assert f'data-testid="vote-in-room-{other.pk}"' in page(holder, url("mine"))
    assert holder.post(url("vote_cast", other.pk), {"choice": "for"}).status_code == 400
    # Someone without a seat cannot vote, whatever they see.
    assert client_for(cast.organiser).post(url("vote_cast", other.pk), {"choice": "for"}).status_code == 403


# --- minutes documents -------------------------------------------------------------------------------


def test_minutes_download_for_whoever_sees_the_meeting(cast, client_for):
    meeting = sit(cast)
    for fmt, kind in (("docx", "wordprocessingml"), ("pdf", "application/pdf")):
        response = client_for(cast.auditor).get(url("minutes_download", meeting.pk, fmt))
        assert response.status_code == 200 and kind in response["Content-Type"]
        assert "attachment" in response["Content-Disposition"]
    assert client_for(cast.outsider).get(url("minutes_download", meeting.pk, "pdf")).status_code == 404
    assert client_for(cast.organiser).get(url("minutes_download", meeting.pk, "txt")).status_code == 404


# --- scoping -------------------------------------------------------------------------------------------


def _records(cast):
    meeting = sit(cast)
    resolution = passed(cast, meeting)
    action = s.action_add(by=None, resolution=resolution, title="事项", deadline=LATER, owner_name="公司")
    return meeting, resolution, action


def _post_urls(cast, meeting, resolution, action) -> list[str]:
    motion, seat, committee = resolution.motion, cast.seats[3], cast.committee
    return [
        url("seat_assign", committee.pk),
        url("seat_end", seat.pk),
        url("topic_from_demands", committee.pk),
        url("topic_screen", cast.topic.pk),
        url("meeting_schedule", committee.pk),
        url("agenda_add", meeting.pk),
        url("send_notice", meeting.pk),
        url("meeting_open", meeting.pk),
        url("attendance", meeting.pk),
        url("minutes", meeting.pk),
        url("meeting_close", meeting.pk),
        url("meeting_amend", meeting.pk),
        url("motion_open", meeting.pk),
        url("votes_record", motion.pk),
        url("motion_close", motion.pk),
        url("resolution_adopt", motion.pk),
        url("resolution_publish", resolution.pk),
        url("action_add", resolution.pk),
        url("action_update", action.pk),
    ]


def test_outsiders_find_nothing(cast, client_for):
    meeting, resolution, action = _records(cast)
    client = client_for(cast.outsider)
    pages = [
        url("committee", cast.committee.pk),
        url("topic", cast.topic.pk),
        url("meeting", meeting.pk),
        url("resolution", resolution.pk),
        url("action", action.pk),
    ]
    for address in pages + _post_urls(cast, meeting, resolution, action):
        assert client.post(address, {}).status_code in (404, 405), address
    for address in pages:
        assert client.get(address).status_code == 404, address


def test_auditors_read_but_every_write_is_forbidden(cast, client_for):
    meeting, resolution, action = _records(cast)
    client = client_for(cast.auditor)
    assert page(client, url("meeting", meeting.pk)) and page(client, url("committee", cast.committee.pk))
    events = AuditEvent.objects.count()
    for address in [*_post_urls(cast, meeting, resolution, action), url("topic_raise", cast.committee.pk)]:
        assert client.post(address, {"title": "x", "source": "resident"}).status_code == 403, address
    assert AuditEvent.objects.count() == events


def test_residents_see_only_the_published_resolutions_of_their_own_place(cast, client_for, world):
    meeting, own_unpublished, _action = _records(cast)
    plaza = s.committee_create(
        by=None,
        kind="consultation_committee",
        name="城市广场协委会",
        place=world.plaza,
        branch=world.plaza_branch,
    )
    seat = s.seat_assign(by=None, committee=plaza, stakeholder="branch", since=TERM, holder_name="书记")
    plaza_meeting = s.meeting_schedule(by=None, committee=plaza, title="广场会", scheduled_at=timezone.now())
    s.attendance_record(by=None, meeting=plaza_meeting, seat=seat, present=True)
    s.meeting_open(by=None, meeting=plaza_meeting)
    motion = s.motion_open(by=None, meeting=plaza_meeting, text="推动城广社康中心建设")
    s.vote_record(by=None, motion=motion, seat=seat, choice="for")
    theirs = s.resolution_adopt(by=None, motion=s.motion_close(by=None, motion=motion))
    s.action_add(by=None, resolution=theirs, title="落实社康用房", deadline=LATER, owner_name="物业")
    s.resolution_publish(by=None, resolution=theirs)
    elsewhere = passed(cast, meeting, "另一决议")
    s.resolution_publish(by=None, resolution=elsewhere)  # 大光勘's: not the resident's place
    client = client_for(cast.resident)
    body = page(client, url("public"))
    assert f'data-testid="public-resolution-{theirs.pk}"' in body and "落实社康用房" in body
    assert (
        f"public-resolution-{elsewhere.pk}" not in body
        and f"public-resolution-{own_unpublished.pk}" not in body
    )
    assert "推动城广社康中心建设" in page(client, url("resolution", theirs.pk))
    for pk in (elsewhere.pk, own_unpublished.pk):
        assert client.get(url("resolution", pk)).status_code == 404
    for address in (
        url("committee", plaza.pk),
        url("meeting", plaza_meeting.pk),
        url("topic", cast.topic.pk),
    ):
        assert client.get(address).status_code == 404, address
    assert client.get(url("committee_list")).status_code == 403
    assert client.post(url("resolution_publish", own_unpublished.pk)).status_code == 404
    assert client.get(url("minutes_download", plaza_meeting.pk, "pdf")).status_code == 404


# --- the demo ------------------------------------------------------------------------------------------


def test_the_demo_committees_through_their_pages(db, client_for, settings):
    """五和新村, 城市广场 and 大光勘 with their meetings since 2018; 城市广场's resolution on the medical
    problem is linked to the demand demo's five-year medical demand and published to its residents."""
    settings.DEMO_MODE = True
    plaza, medical = plaza_with_medical_demand(_aware(2018, 6, 15))
    demand_resolve(by=None, demand=medical, reply="城广社康中心顺利投入建设", at=_aware(2019, 4, 26))
    assert demo.load_deliberation(log=lambda _msg: None) == 3
    events = AuditEvent.objects.count()
    assert demo.load_deliberation(log=lambda _msg: None) == 0 and AuditEvent.objects.count() == events
    resolution = Resolution.objects.get(text="推动城广社康中心建设")
    assert resolution.published and resolution.meeting.committee.place == plaza
    assert resolution.actions.filter(status="done", demands_resolved=medical).exists()
    assert medical.topics.get().committee == resolution.meeting.committee
    first = Meeting.objects.filter(committee__place=plaza).order_by("scheduled_at").first()
    assert timezone.localtime(first.scheduled_at).date() == datetime.date(2018, 9, 20)
    assert all(not composition_warnings(c) for c in Committee.objects.all())
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "resident", "member"])}
    admin = client_for(users["admin"])
    assert page(admin, url("committee_list")).count('data-testid="committee-') == 3
    assert "推动城广社康中心建设" in page(admin, url("committee", resolution.meeting.committee_id))
    assert page(admin, url("meeting", resolution.meeting_id)) and page(
        admin, url("resolution", resolution.pk)
    )
    assert "推动城广社康中心建设" in page(client_for(users["resident"]), url("public"))
    assert "电动自行车集中充电棚建设" in page(client_for(users["member"]), url("mine"))


def _aware(*parts: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*parts, 10, 0))


# --- query cost ----------------------------------------------------------------------------------------


def _count(client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def test_the_committee_list_costs_the_same_at_n_and_3n(cast, client_for, world):
    client = client_for(cast.organiser)

    def add(n: int) -> None:
        for i in range(n):
            committee = s.committee_create(
                by=None, kind="joint_meeting", name=f"联席会议{i}", place=world.dgk, branch=world.dgk_branch
            )
            s.seat_assign(by=None, committee=committee, stakeholder="branch", since=TERM, holder_name="某")
            s.meeting_schedule(by=None, committee=committee, title="会", scheduled_at=timezone.now())

    add(2)
    few = _count(client, url("committee_list"))
    add(4)
    assert Committee.objects.count() == 7
    assert _count(client, url("committee_list")) == few


def test_the_committee_page_costs_the_same_at_n_and_3n(cast, client_for):
    client = client_for(cast.organiser)
    extra: list[Seat] = []

    def add(n: int) -> None:
        for i in range(n):
            extra.append(
                s.seat_assign(
                    by=None,
                    committee=cast.committee,
                    stakeholder="resident_rep",
                    since=TERM,
                    holder_name=f"代表{i}",
                )
            )
            s.topic_raise(by=None, committee=cast.committee, title=f"议题{i}", source="resident")
            meeting = sit(cast, title=f"会议{i}")
            for seat in extra:
                s.attendance_record(by=None, meeting=meeting, seat=seat, present=True)
            resolution = passed(cast, meeting, text=f"决议{i}")
            s.action_add(
                by=None, resolution=resolution, title=f"事项{i}", deadline=LATER, owner=cast.organiser
            )

    add(2)
    few = _count(client, url("committee", cast.committee.pk))
    add(4)
    assert Resolution.objects.count() == 6
    assert _count(client, url("committee", cast.committee.pk)) == few


def test_the_meeting_page_costs_the_same_at_n_and_3n(cast, client_for):
    meeting = sit(cast)
    client = client_for(cast.organiser)

    def add(n: int) -> None:
        for i in range(n):
            seat = s.seat_assign(
                by=None,
                committee=cast.committee,
                stakeholder="resident_rep",
                since=TERM,
                holder_name=f"代表{i}",
            )
            s.attendance_record(by=None, meeting=meeting, seat=seat, present=True)
            topic = s.topic_screen(
                by=None,
                topic=s.topic_raise(by=None, committee=cast.committee, title=f"议题{i}", source="resident"),
                decision="accepted",
            )
            item = s.agenda_add(by=None, meeting=meeting, topic=topic)
            motion = s.motion_open(by=None, meeting=meeting, text=f"动议{i}", agenda_item=item)
            s.vote_record(by=None, motion=motion, seat=seat, choice="for")
            resolution = s.resolution_adopt(by=None, motion=s.motion_close(by=None, motion=motion))
            s.action_add(
                by=None, resolution=resolution, title=f"事项{i}", deadline=LATER, owner=cast.organiser
            )
        # One more open motion with votes recorded so far.
        if not Motion.objects.filter(meeting=meeting, status="open").exists():
            open_motion = s.motion_open(by=None, meeting=meeting, text="表决中")
            s.vote_record(by=None, motion=open_motion, seat=cast.seats[0], choice="for")

    add(2)
    few = _count(client, url("meeting", meeting.pk))
    add(4)
    assert Motion.objects.filter(meeting=meeting).count() == 7
    assert _count(client, url("meeting", meeting.pk)) == few


def test_the_pages_name_their_records_in_the_services_links(cast):
    """The services' notifications link to these pages by name."""
    for name in ("meeting", "topic", "resolution", "action"):
        assert re.match(rf"^/deliberation/{name}s/7/$", url(name, 7))

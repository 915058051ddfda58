"""Consultation committees and joint meetings: the vote arithmetic as properties, the life of a meeting
through its services (quorum, one vote per seat, online voting by the holder while open, the frozen record
of a closed meeting and its amendments), composition warnings, topics and demands, accountability, the
stats contract, and the scoping and query cost of the API."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation import demo, rules
from gongzhi.deliberation import services as s
from gongzhi.deliberation.models import (
    ActionStatus,
    Amendment,
    Attendance,
    CommitteeKind,
    MajorityRule,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Motion,
    MotionResult,
    Resolution,
    Stakeholder,
    Topic,
    TopicStatus,
    Vote,
)
from gongzhi.deliberation.selectors import (
    composition_warnings,
    deliberation_stats,
    meetings_for_member,
    open_motions_for_member,
    overdue_actions_visible_to,
    published_resolutions_for_resident,
)
from gongzhi.demands.models import Category, Channel, DemandEvent, EventKind, Status
from gongzhi.demands.services import demand_resolve, demand_submit
from gongzhi.notifications.models import Notification
from tests.factories import make_member, make_user, plaza_with_medical_demand

TERM = datetime.date(2024, 1, 1)
STATS_KEYS = {
    "committees",
    "meetings",
    "resolutions",
    "actions_done",
    "actions_open",
    "demands_resolved_by_resolutions",
}

# --- the arithmetic, as properties ---------------------------------------------------------------------


@st.composite
def sittings(draw):
    """Any body and vote: members ≥ 1, present ≤ members, votes cast ≤ present."""
    members = draw(st.integers(1, 90))
    present = draw(st.integers(0, members))
    votes_for = draw(st.integers(0, present))
    votes_against = draw(st.integers(0, present - votes_for))
    abstain = draw(st.integers(0, present - votes_for - votes_against))
    return members, present, votes_for, votes_against, abstain


def test_quorum_at_the_boundary():
    assert rules.quorum_met(6, 9) and not rules.quorum_met(5, 9)
    assert rules.quorum_met(4, 6) and not rules.quorum_met(3, 6)
    assert not rules.quorum_met(5, 8)  # 62.5 %
    assert rules.quorum_met(1, 2, Fraction(1, 2))


@given(st.integers(1, 300), st.data())
def test_quorum_is_exactly_two_thirds(members, data):
    """present * 3 >= members * 2, checked against exact fractions, at and either side of the boundary."""
    present = data.draw(st.integers(0, members))
    assert rules.quorum_met(present, members) == (Fraction(present, members) >= Fraction(2, 3))
    boundary = -(-2 * members // 3)  # the smallest number present that makes a quorum
    assert rules.quorum_met(boundary, members)
    assert not rules.quorum_met(boundary - 1, members)


@given(sittings(), st.sampled_from(MajorityRule.values))
def test_a_motion_passes_iff_quorum_and_the_rules_inequality(sitting, rule):
    members, present, votes_for, votes_against, abstain = sitting
    quorum = present * 3 >= members * 2
    majority = {
        MajorityRule.SIMPLE: votes_for > votes_against,
        MajorityRule.ABSOLUTE: votes_for * 2 > present,
        MajorityRule.TWO_THIRDS: votes_for * 3 >= present * 2,
    }[rule]
    counts = {"votes_for": votes_for, "votes_against": votes_against, "abstain": abstain}
    assert rules.majority_passes(rule, present=present, **counts) == majority
    result = rules.outcome(rule, members=members, present=present, **counts)
    assert result.passed == (quorum and majority)
    assert result.note == (
        "" if result.passed else rules.NOTE_NO_QUORUM if not quorum else rules.NOTE_NO_MAJORITY
    )


@given(sittings(), st.sampled_from(MajorityRule.values))
def test_abstaining_never_helps_a_motion_pass(sitting, rule):
    """Turning an abstention into a vote for can only help; abstentions never count as for."""
    members, present, votes_for, votes_against, abstain = sitting
    base = rules.outcome(
        rule,
        members=members,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        abstain=abstain,
    )
    if abstain:
        more = rules.outcome(
            rule,
            members=members,
            present=present,
            votes_for=votes_for + 1,
            votes_against=votes_against,
            abstain=abstain - 1,
        )
        assert more.passed or not base.passed


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        rules.majority_passes(MajorityRule.SIMPLE, votes_for=3, votes_against=2, abstain=0, present=4)
    with pytest.raises(ValueError):
        rules.outcome(MajorityRule.SIMPLE, members=3, present=4, votes_for=4, votes_against=0, abstain=0)
    assert not rules.quorum_met(0, 0)


# --- the cast ------------------------------------------------------------------------------------------


class Cast:
    """The people and places of one committee test; the `cast` fixture sets the attributes."""


@pytest.fixture
def cast(world, wuhe_staff, secretary, outsider, resident) -> Cast:
    """A consultation committee of 佳兆业花园 with six seats: three held by accounts, three by named people."""
    c = Cast()
    c.world, c.staff, c.secretary, c.outsider, c.resident = world, wuhe_staff, secretary, outsider, resident
    c.committee = s.committee_create(
        by=wuhe_staff,
        kind=CommitteeKind.CONSULTATION_COMMITTEE,
        name="佳兆业花园事务协商委员会",
        place=world.estate,
        branch=world.estate_branch,
    )
    c.holders = [make_user(f"t-seat-{i}") for i in range(3)]
    c.seats = [
        s.seat_assign(
            by=wuhe_staff,
            committee=c.committee,
            stakeholder=Stakeholder.BRANCH,
            since=TERM,
            user=c.holders[0],
        ),
        s.seat_assign(
            by=wuhe_staff,
            committee=c.committee,
            stakeholder=Stakeholder.OWNERS_COMMITTEE,
            since=TERM,
            user=c.holders[1],
        ),
        s.seat_assign(
            by=wuhe_staff,
            committee=c.committee,
            stakeholder=Stakeholder.PARTY_MEMBER_REP,
            since=TERM,
            user=c.holders[2],
            member=make_member(world.estate_branch, "张党员"),
        ),
        s.seat_assign(
            by=wuhe_staff,
            committee=c.committee,
            stakeholder=Stakeholder.PROPERTY_COMPANY,
            since=TERM,
            holder_name="李经理",
            organisation="某物业公司",
        ),
        s.seat_assign(
            by=wuhe_staff,
            committee=c.committee,
            stakeholder=Stakeholder.RESIDENT_REP,
            since=TERM,
            holder_name="王阿姨",
        ),
        s.seat_assign(
            by=wuhe_staff,
            committee=c.committee,
            stakeholder=Stakeholder.BUILDING_HEAD,
            since=TERM,
            holder_name="赵楼长",
        ),
    ]
    c.topic = s.topic_raise(by=wuhe_staff, committee=c.committee, title="加装电梯", source="station")
    c.topic = s.topic_screen(by=wuhe_staff, topic=c.topic, decision=TopicStatus.ACCEPTED)
    return c


def sit(cast: Cast, *, mode=MeetingMode.BOTH, present: int = 6, open_=True):
    """A meeting with `present` of the six seats present (the rest absent), opened."""
    meeting = s.meeting_schedule(
        by=cast.staff,
        committee=cast.committee,
        title="第三次协商会议",
        scheduled_at=timezone.now(),
        venue="党群服务站",
        mode=mode,
        topics=[cast.topic],
    )
    for i, seat in enumerate(cast.seats):
        s.attendance_record(by=cast.staff, meeting=meeting, seat=seat, present=i < present)
    if open_:
        s.meeting_open(by=cast.staff, meeting=meeting)
    return meeting


def vote_all(cast, motion, choices):
    for seat, choice in zip(cast.seats, choices, strict=False):
        if choice:
            s.vote_record(by=cast.staff, motion=motion, seat=seat, choice=choice)


def passed_resolution(cast, meeting):
    item = meeting.agenda_items.get()
    motion = s.motion_open(by=cast.staff, meeting=meeting, text="同意加装电梯", agenda_item=item)
    vote_all(cast, motion, ["for"] * 5 + ["against"])
    motion = s.motion_close(by=cast.staff, motion=motion)
    assert motion.result == MotionResult.PASSED
    return s.resolution_adopt(by=cast.staff, motion=motion)


# --- quorum and votes -----------------------------------------------------------------------------------


def test_a_meeting_below_quorum_cannot_pass_a_motion(cast):
    meeting = sit(cast, present=3)  # 3 of 6: below 2/3
    motion = s.motion_open(by=cast.staff, meeting=meeting, text="同意")
    vote_all(cast, motion, ["for", "for", "for"])
    motion = s.motion_close(by=cast.staff, motion=motion)
    assert (motion.result, motion.result_note) == (MotionResult.FAILED, rules.NOTE_NO_QUORUM)
    assert (motion.members_count, motion.present_count, motion.votes_for) == (6, 3, 3)
    with pytest.raises(ValidationError):
        s.resolution_adopt(by=cast.staff, motion=motion)


def test_at_quorum_the_committee_rule_decides_and_a_special_matter_needs_two_thirds(cast):
    meeting = sit(cast, present=4)  # 4 of 6: exactly 2/3
    simple = s.motion_open(by=cast.staff, meeting=meeting, text="普通事项")
    vote_all(cast, simple, ["for", "for", "against", "abstain"])
    assert s.motion_close(by=cast.staff, motion=simple).result == MotionResult.PASSED
    special = s.motion_open(by=cast.staff, meeting=meeting, text="重大事项", rule=MajorityRule.TWO_THIRDS)
    vote_all(cast, special, ["for", "for", "against", "abstain"])
    closed = s.motion_close(by=cast.staff, motion=special)
    assert (closed.result, closed.result_note) == (MotionResult.FAILED, rules.NOTE_NO_MAJORITY)


def test_a_seat_votes_once(cast):
    meeting = sit(cast)
    motion = s.motion_open(by=cast.staff, meeting=meeting, text="同意")
    s.vote_record(by=cast.staff, motion=motion, seat=cast.seats[3], choice="for")
    with pytest.raises(ValidationError):
        s.vote_record(by=cast.staff, motion=motion, seat=cast.seats[3], choice="against", channel="paper")
    s.vote_cast(by=cast.holders[0], motion=motion, choice="for")
    with pytest.raises(ValidationError):
        s.vote_cast(by=cast.holders[0], motion=motion, choice="against")
    with pytest.raises(ValidationError):
        s.vote_record(by=cast.staff, motion=motion, seat=cast.seats[0], choice="against")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            motion=motion, seat=cast.seats[3], choice="for", channel="room", cast_at=timezone.now()
        )
    assert motion.votes.count() == 2


def test_online_votes_only_by_the_holder_while_the_vote_is_open(cast):
    meeting = sit(cast, present=5)  # the branch seat (holder 0) present; holders are 0..2
    s.attendance_record(by=cast.staff, meeting=meeting, seat=cast.seats[2], present=False)
    motion = s.motion_open(by=cast.staff, meeting=meeting, text="同意")
    assert list(open_motions_for_member(cast.holders[2])) == [motion]
    for stranger in (cast.staff, cast.outsider, cast.resident, make_user("t-nobody")):
        with pytest.raises(PermissionDenied):
            s.vote_cast(by=stranger, motion=motion, choice="for")
    with pytest.raises(ValidationError):
        s.vote_record(by=cast.staff, motion=motion, seat=cast.seats[1], choice="for", channel="online")
    vote = s.vote_cast(by=cast.holders[2], motion=motion, choice="against")
    assert (vote.channel, vote.seat) == ("online", cast.seats[2])
    attendance = Attendance.objects.get(meeting=meeting, seat=cast.seats[2])
    assert (attendance.present, attendance.how) == (True, "online")  # voting online makes them present
    s.motion_close(by=cast.staff, motion=motion)
    with pytest.raises(ValidationError):
        s.vote_cast(by=cast.holders[1], motion=motion, choice="for")
    assert list(open_motions_for_member(cast.holders[1])) == []


def test_no_online_votes_at_an_in_person_meeting_and_room_votes_need_presence(cast):
    meeting = sit(cast, mode=MeetingMode.IN_PERSON, present=5)
    motion = s.motion_open(by=cast.staff, meeting=meeting, text="同意")
    with pytest.raises(ValidationError):
        s.vote_cast(by=cast.holders[0], motion=motion, choice="for")
    with pytest.raises(ValidationError):  # seat 5 is absent
        s.vote_record(by=cast.staff, motion=motion, seat=cast.seats[5], choice="for")
    with pytest.raises(PermissionDenied):
        s.vote_record(by=cast.outsider, motion=motion, seat=cast.seats[0], choice="for")


def test_a_committee_member_sees_their_committees_agenda(cast):
    meeting = sit(cast, open_=False)
    other = make_user("t-other-holder")
    assert list(meetings_for_member(cast.holders[0])) == [meeting]
    assert [i.topic.title for i in meetings_for_member(cast.holders[0])[0].agenda_items.all()] == ["加装电梯"]
    assert list(meetings_for_member(other)) == []


# --- the closed record -----------------------------------------------------------------------------------


def test_closing_needs_attendance_minutes_no_open_vote_and_resolutions(cast):
    meeting = s.meeting_schedule(
        by=cast.staff,
        committee=cast.committee,
        title="会议",
        scheduled_at=timezone.now(),
        topics=[cast.topic],
    )
    s.meeting_open(by=cast.staff, meeting=meeting)
    with pytest.raises(ValidationError) as refused:
        s.meeting_close(by=cast.staff, meeting=meeting)
    assert len(refused.value.messages) == 2  # attendance and minutes
    for seat in cast.seats:
        s.attendance_record(by=cast.staff, meeting=meeting, seat=seat, present=True)
    item = meeting.agenda_items.get()
    motion = s.motion_open(by=cast.staff, meeting=meeting, text="同意", agenda_item=item)
    with pytest.raises(ValidationError):
        s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要")
    vote_all(cast, motion, ["for"] * 6)
    s.motion_close(by=cast.staff, motion=motion)
    with pytest.raises(ValidationError):  # the passed motion has no resolution yet
        s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要")
    resolution = s.resolution_adopt(by=cast.staff, motion=motion)
    closed = s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要")
    assert closed.status == MeetingStatus.CLOSED and closed.closed_at
    event = AuditEvent.objects.filter(action="meeting_close", target_id=str(meeting.pk)).get()
    assert event.changes["resolutions"] == [None, [str(resolution.pk)]]


def test_a_closed_meetings_record_cannot_be_changed_only_amended_with_a_reason(cast):
    meeting = sit(cast)
    resolution = passed_resolution(cast, meeting)
    motion = resolution.motion
    spare = s.motion_open(by=cast.staff, meeting=meeting, text="另一动议")
    s.motion_close(by=cast.staff, motion=spare)
    stale = Motion.objects.get(pk=motion.pk)  # copies read before closing must not slip through
    s.meeting_close(by=cast.staff, meeting=meeting, minutes="会议纪要")
    before = AuditEvent.objects.count()
    writes = [
        lambda: s.attendance_record(by=cast.staff, meeting=meeting, seat=cast.seats[0], present=False),
        lambda: s.meeting_save_minutes(by=cast.staff, meeting=meeting, minutes="改"),
        lambda: s.meeting_open(by=cast.staff, meeting=meeting),
        lambda: s.meeting_close(by=cast.staff, meeting=meeting, minutes="改"),
        lambda: s.meeting_send_notice(by=cast.staff, meeting=meeting),
        lambda: s.agenda_add(by=cast.staff, meeting=meeting, topic=cast.topic),
        lambda: s.motion_open(by=cast.staff, meeting=meeting, text="新动议"),
        lambda: s.vote_record(by=cast.staff, motion=stale, seat=cast.seats[0], choice="against"),
        lambda: s.vote_cast(by=cast.holders[0], motion=stale, choice="against"),
        lambda: s.motion_close(by=cast.staff, motion=stale),
        lambda: s.resolution_adopt(by=cast.staff, motion=spare),
    ]
    for write in writes:
        with pytest.raises(ValidationError):
            write()
    assert AuditEvent.objects.count() == before
    with pytest.raises(ValidationError):
        s.meeting_amend(by=cast.staff, meeting=meeting, reason=" ", field="minutes", value="更正")
    with pytest.raises(ValidationError):  # votes are not amendable
        s.meeting_amend(
            by=cast.staff, meeting=meeting, reason="笔误", field="result", value="failed", target=motion
        )
    with pytest.raises(PermissionDenied):
        s.meeting_amend(by=cast.outsider, meeting=meeting, reason="笔误", field="minutes", value="x")
    amendment = s.meeting_amend(
        by=cast.staff,
        meeting=meeting,
        reason="纪要笔误",
        field="text",
        value="同意加装两部电梯",
        target=resolution,
    )
    assert (amendment.target, amendment.before, amendment.after) == (
        f"resolution:{resolution.pk}",
        "同意加装电梯",
        "同意加装两部电梯",
    )
    resolution.refresh_from_db()
    assert resolution.text == "同意加装两部电梯"
    event = AuditEvent.objects.get(action="meeting_amend")
    assert event.changes["reason"] == [None, "纪要笔误"]
    assert event.changes["text"] == ["同意加装电梯", "同意加装两部电梯"]
    s.meeting_amend(by=cast.staff, meeting=meeting, reason="补记", field="minutes", value="会议纪要（补）")
    assert Amendment.objects.filter(meeting=meeting).count() == 2


def test_an_open_meeting_is_not_amended(cast):
    meeting = sit(cast)
    with pytest.raises(ValidationError):
        s.meeting_amend(by=cast.staff, meeting=meeting, reason="r", field="minutes", value="x")


# --- composition --------------------------------------------------------------------------------------


def test_composition_warnings(cast, world, secretary):
    assert composition_warnings(cast.committee) == []
    s.seat_end(by=cast.staff, seat=cast.seats[3], on=TERM + datetime.timedelta(days=10))
    warnings = composition_warnings(cast.committee)
    assert len(warnings) == 1 and str(Stakeholder.PROPERTY_COMPANY.label) in warnings[0]
    joint = s.committee_create(
        by=secretary,
        kind=CommitteeKind.JOINT_MEETING,
        name="大光勘党群联席会议",
        place=world.dgk,
        branch=world.dgk_branch,
    )
    assert joint.majority_rule == MajorityRule.ABSOLUTE
    assert len(composition_warnings(joint)) == 4
    for stakeholder in (Stakeholder.BRANCH, Stakeholder.STATIONED_UNIT, Stakeholder.PARTY_MEMBER_REP):
        s.seat_assign(by=secretary, committee=joint, stakeholder=stakeholder, since=TERM, holder_name="某")
    assert len(composition_warnings(joint)) == 1  # the stationed unit stands for the company
    s.seat_assign(
        by=secretary, committee=joint, stakeholder=Stakeholder.RESIDENT_REP, since=TERM, holder_name="某"
    )
    assert composition_warnings(joint) == []


def test_committees_are_set_up_by_organisers_of_the_place(world, secretary, outsider):
    kw = {"kind": CommitteeKind.CONSULTATION_COMMITTEE, "name": "委员会", "branch": world.estate_branch}
    with pytest.raises(PermissionDenied):
        s.committee_create(by=secretary, place=world.estate, **kw)  # the dgk secretary
    with pytest.raises(ValidationError):
        s.committee_create(by=None, place=world.wuhe, **kw)  # a community is not served by a committee
    with pytest.raises(ValidationError):
        s.committee_create(by=None, place=world.plaza, **kw)  # another area's branch
    committee = s.committee_create(by=None, place=world.estate, **kw)
    with pytest.raises(ValidationError):
        s.committee_update(by=None, committee=committee, quorum_numerator=4)  # 4/3
    with pytest.raises(PermissionDenied):
        s.committee_update(by=outsider, committee=committee, name="x")
    assert (
        s.committee_update(
            by=None, committee=committee, quorum_numerator=1, quorum_denominator=2
        ).quorum_label
        == "1/2"
    )


# --- topics and demands -------------------------------------------------------------------------------


def test_topic_screening(cast, world):
    estate_resident = make_user("t-estate-res", Role.RESIDENT, world.estate)
    raised = s.topic_raise(by=estate_resident, committee=cast.committee, title="停车难")
    assert raised.status == TopicStatus.PROPOSED
    with pytest.raises(PermissionDenied):  # a resident of another place
        s.topic_raise(by=cast.resident, committee=cast.committee, title="x")
    with pytest.raises(PermissionDenied):
        s.topic_raise(by=cast.outsider, committee=cast.committee, title="x")
    s.topic_raise(by=cast.holders[0], committee=cast.committee, title="委员提出", source="member")
    with pytest.raises(PermissionDenied):
        s.topic_screen(by=cast.secretary, topic=raised, decision=TopicStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        s.topic_screen(by=cast.staff, topic=raised, decision=TopicStatus.DECLINED)  # no reason
    declined = s.topic_screen(
        by=cast.staff, topic=raised, decision=TopicStatus.DECLINED, reason="已由物业处理"
    )
    assert (declined.status, declined.decline_reason, declined.screened_by) == (
        "declined",
        "已由物业处理",
        cast.staff,
    )
    assert Notification.objects.filter(recipient=estate_resident, body="已由物业处理").exists()
    with pytest.raises(ValidationError):
        s.topic_screen(by=cast.staff, topic=raised, decision=TopicStatus.ACCEPTED)  # screened once
    twin = s.topic_raise(by=estate_resident, committee=cast.committee, title="电梯")
    with pytest.raises(ValidationError):
        s.topic_screen(by=cast.staff, topic=twin, decision=TopicStatus.MERGED, into=twin)
    merged = s.topic_screen(by=cast.staff, topic=twin, decision=TopicStatus.MERGED, into=cast.topic)
    assert merged.merged_into == cast.topic
    with pytest.raises(ValidationError):  # only accepted topics go on an agenda
        s.meeting_schedule(
            by=cast.staff, committee=cast.committee, title="m", scheduled_at=timezone.now(), topics=[raised]
        )


@pytest.fixture
def demands(world):
    category = Category.objects.create(code="lift", name="电梯", limit_days=5)
    return [
        demand_submit(
            by=None,
            channel=Channel.WALK_IN,
            category=category,
            place=world.estate,
            description=f"电梯问题{i}",
        )
        for i in range(2)
    ]


def test_topic_from_demands_puts_them_on_the_agenda(cast, demands, world):
    topic = s.topic_from_demands(by=cast.staff, committee=cast.committee, demands=demands, title="电梯老旧")
    assert (topic.status, topic.source) == (TopicStatus.ACCEPTED, "demand")
    for demand in demands:
        demand.refresh_from_db()
        assert demand.agenda_ref == s.agenda_ref(topic) == f"deliberation:topic:{topic.pk}"
        assert DemandEvent.objects.filter(demand=demand, kind=EventKind.AGENDA).exists()
    plaza_committee = s.committee_create(
        by=None, kind="consultation_committee", name="城市广场", place=world.plaza, branch=world.plaza_branch
    )
    with pytest.raises(ValidationError):  # the demands are not at that committee's place
        s.topic_from_demands(by=None, committee=plaza_committee, demands=demands, title="x")


def test_finishing_an_action_resolves_the_demands_it_came_from(cast, demands, world):
    topic = s.topic_from_demands(by=cast.staff, committee=cast.committee, demands=demands, title="电梯老旧")
    meeting = s.meeting_schedule(
        by=cast.staff, committee=cast.committee, title="会", scheduled_at=timezone.now(), topics=[topic]
    )
    for seat in cast.seats:
        s.attendance_record(by=cast.staff, meeting=meeting, seat=seat, present=True)
    s.meeting_open(by=cast.staff, meeting=meeting)
    resolution = passed_resolution(cast, meeting)
    action = s.action_add(
        by=cast.staff,
        resolution=resolution,
        title="更换电梯",
        deadline=datetime.date(2030, 1, 1),
        owner=cast.holders[0],
    )
    s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要")
    action = s.action_update(
        by=cast.holders[0], action=action, progress=60, note="已招标"
    )  # the owner reports
    assert action.status == ActionStatus.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        s.action_update(by=cast.outsider, action=action, progress=70)
    action = s.action_update(by=cast.staff, action=action, progress=100, note="已更换", resolve_demands=True)
    assert action.status == ActionStatus.DONE and action.updates.count() == 2
    for demand in demands:
        demand.refresh_from_db()
        assert demand.status == Status.RESOLVED
        assert resolution.text in demand.reply and cast.committee.name in demand.reply
    assert set(action.demands_resolved.all()) == set(demands)
    with pytest.raises(ValidationError):
        s.action_update(by=cast.staff, action=action, progress=100)
    stats = deliberation_stats(world.wuhe)
    assert stats == {
        "committees": 1,
        "meetings": 1,
        "resolutions": 1,
        "actions_done": 1,
        "actions_open": 0,
        "demands_resolved_by_resolutions": 2,
    }


def test_overdue_actions_alert_the_branch(cast, world):
    meeting = sit(cast)
    resolution = passed_resolution(cast, meeting)
    late = s.action_add(
        by=cast.staff,
        resolution=resolution,
        title="迟",
        deadline=datetime.date(2020, 1, 1),
        owner_name="物业",
    )
    s.action_add(
        by=cast.staff,
        resolution=resolution,
        title="未到期",
        deadline=datetime.date(2099, 1, 1),
        owner_name="物业",
    )
    estate_secretary = make_user("t-estate-sec", Role.BRANCH_SECRETARY, world.estate)
    assert list(overdue_actions_visible_to(estate_secretary)) == [late]
    assert list(overdue_actions_visible_to(cast.outsider)) == []


# --- publication, stats and the API -------------------------------------------------------------------


@pytest.fixture
def api_url():
    return "/api/v1"


@pytest.fixture
def published(cast, world):
    """A published and an unpublished resolution at 佳兆业花园, and a published one at 城市广场."""
    meeting = sit(cast)
    first = passed_resolution(cast, meeting)
    s.action_add(
        by=cast.staff, resolution=first, title="落实", deadline=datetime.date(2099, 1, 1), owner_name="物业"
    )
    s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要")
    s.resolution_publish(by=cast.staff, resolution=first)
    meeting2 = sit(cast)
    second = passed_resolution(cast, meeting2)
    plaza = s.committee_create(
        by=None,
        kind="consultation_committee",
        name="城市广场协商会",
        place=world.plaza,
        branch=world.plaza_branch,
    )
    seat = s.seat_assign(by=None, committee=plaza, stakeholder="branch", since=TERM, holder_name="陈书记")
    meeting3 = s.meeting_schedule(by=None, committee=plaza, title="会", scheduled_at=timezone.now())
    s.attendance_record(by=None, meeting=meeting3, seat=seat, present=True)
    s.meeting_open(by=None, meeting=meeting3)
    motion = s.motion_open(by=None, meeting=meeting3, text="广场改造")
    s.vote_record(by=None, motion=motion, seat=seat, choice="for")
    s.motion_close(by=None, motion=motion)
    third = s.resolution_adopt(by=None, motion=motion)
    s.resolution_publish(by=None, resolution=third)
    return first, second, third


def test_a_resident_sees_only_published_resolutions_of_their_own_place(
    published, cast, world, client_for, api_url
):
    first, second, third = published
    estate_resident = make_user("t-estate-res", Role.RESIDENT, world.estate)
    assert (
        Notification.objects.filter(recipient=estate_resident).count() == 0
    )  # published before they moved in
    assert list(published_resolutions_for_resident(estate_resident)) == [first]
    assert list(published_resolutions_for_resident(cast.resident)) == [third]
    client = client_for(estate_resident)
    body = client.get(f"{api_url}/resolutions").json()
    assert [r["id"] for r in body["items"]] == [first.pk] and body["count"] == 1
    assert body["items"][0]["actions"] == 1 and body["items"][0]["actions_done"] == 0
    assert client.get(f"{api_url}/resolutions", {"place": "jzy"}).json()["count"] == 1
    assert client.get(f"{api_url}/resolutions", {"place": "city-plaza"}).status_code == 404
    for url in (
        f"/committees/{cast.committee.pk}",
        f"/meetings/{first.meeting_id}",
        "/deliberation/stats?place=jzy",
    ):
        assert client.get(api_url + url).status_code == 404
    assert client.get(f"{api_url}/committees").json()["count"] == 0
    staff = (
        client_for(cast.staff).get(f"{api_url}/resolutions", {"place": "jzy", "published": "false"}).json()
    )
    assert [r["id"] for r in staff["items"]] == [second.pk]


def test_publishing_tells_the_residents_of_the_place(cast, world):
    estate_resident = make_user("t-estate-res", Role.RESIDENT, world.estate)
    resolution = passed_resolution(cast, sit(cast))
    s.resolution_publish(by=cast.staff, resolution=resolution)
    assert Notification.objects.filter(recipient=estate_resident).count() == 1
    assert not Notification.objects.filter(recipient=cast.resident).exists()
    with pytest.raises(ValidationError):
        s.resolution_publish(by=cast.staff, resolution=resolution)


def test_the_api_is_scoped(published, cast, client_for, api_url):
    first = published[0]
    outsider = client_for(cast.outsider)
    for url in (
        f"/committees/{cast.committee.pk}",
        f"/meetings/{first.meeting_id}",
        "/deliberation/stats?place=wuhe",
        f"/meetings?committee={cast.committee.pk}",
        f"/actions?committee={cast.committee.pk}",
        "/committees?place=jzy",
    ):
        assert outsider.get(api_url + url).status_code == 404, url
    assert outsider.get(f"{api_url}/resolutions").json()["count"] == 1  # 城市广场's, in 象角塘
    holder = client_for(cast.holders[0])  # a seat holder without any role sees their committee
    detail = holder.get(f"{api_url}/meetings/{first.meeting_id}").json()
    assert [a["title"] for a in detail["agenda"]] == ["加装电梯"]
    assert detail["motions"][0]["votes_for"] == 5 and detail["motions"][0]["result"] == "passed"
    assert len(detail["attendance"]) == 6 and detail["resolutions"][0]["id"] == first.pk
    staff = client_for(cast.staff)
    committee = staff.get(f"{api_url}/committees/{cast.committee.pk}").json()
    assert len(committee["seats"]) == 6 and committee["composition_warnings"] == []
    assert committee["quorum"] == "2/3" and committee["majority_rule"] == "simple"
    assert staff.get(f"{api_url}/actions", {"status": "open"}).json()["count"] == 1
    assert staff.get(f"{api_url}/actions", {"status": "bogus"}).status_code == 400


def test_the_stats_contract(published, cast, client_for, api_url, world):
    response = client_for(cast.staff).get(f"{api_url}/deliberation/stats", {"place": "wuhe"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == STATS_KEYS and all(type(v) is int for v in body.values())
    assert body == {
        "committees": 1,
        "meetings": 2,
        "resolutions": 2,
        "actions_done": 0,
        "actions_open": 1,
        "demands_resolved_by_resolutions": 0,
    }
    admin = make_user("t-stats-admin", Role.SUBDISTRICT_ADMIN, world.bantian)
    assert (
        client_for(admin).get(f"{api_url}/deliberation/stats", {"place": "bantian"}).json()["committees"] == 2
    )
    assert client_for(cast.staff).get(f"{api_url}/deliberation/stats").status_code == 400


@pytest.mark.parametrize("endpoint", ["committees", "meetings", "resolutions", "actions"])
def test_the_lists_cost_the_same_queries_at_n_and_3n(endpoint, cast, world, client_for, api_url):
    client = client_for(cast.staff)

    def add(n: int) -> None:
        for _ in range(n):
            committee = s.committee_create(
                by=None, kind="joint_meeting", name="联席会议", place=world.xincun, branch=world.xincun_branch
            )
            seat = s.seat_assign(
                by=None, committee=committee, stakeholder="branch", since=TERM, holder_name="某"
            )
            meeting = s.meeting_schedule(
                by=None, committee=committee, title="会", scheduled_at=timezone.now()
            )
            s.attendance_record(by=None, meeting=meeting, seat=seat, present=True)
            s.meeting_open(by=None, meeting=meeting)
            motion = s.motion_open(by=None, meeting=meeting, text="动议")
            s.vote_record(by=None, motion=motion, seat=seat, choice="for")
            resolution = s.resolution_adopt(by=None, motion=s.motion_close(by=None, motion=motion))
            s.action_add(
                by=None,
                resolution=resolution,
                title="事项",
                deadline=datetime.date(2099, 1, 1),
                owner=cast.staff,
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{api_url}/{endpoint}")
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    add(2)
    few, n = queries()
    add(4)
    many, three_n = queries()
    assert three_n == 3 * n if endpoint != "committees" else three_n == 3 * (n - 1) + 1
    assert few == many


# --- backdated moments (demo data and imports) and linking demands no longer open ----------------------


def _when(*parts: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*parts))


def test_a_backdated_meeting_keeps_the_moments_it_was_given(cast):
    """Each service stamps `at` instead of now, and a moment may not come before the step it follows."""
    held = _when(2024, 3, 5, 19, 30)
    minute = datetime.timedelta(minutes=1)
    meeting = s.meeting_schedule(
        by=cast.staff, committee=cast.committee, title="第一次会议", scheduled_at=held, topics=[cast.topic]
    )
    meeting = s.meeting_send_notice(by=cast.staff, meeting=meeting, at=held - datetime.timedelta(days=7))
    for seat in cast.seats:
        s.attendance_record(by=cast.staff, meeting=meeting, seat=seat, present=True)
    meeting = s.meeting_open(by=cast.staff, meeting=meeting, at=held)
    with pytest.raises(ValidationError):  # a motion before the meeting opened
        s.motion_open(by=cast.staff, meeting=meeting, text="同意", at=held - minute)
    motion = s.motion_open(
        by=cast.staff,
        meeting=meeting,
        text="同意加装电梯",
        agenda_item=meeting.agenda_items.get(),
        at=held + 5 * minute,
    )
    with pytest.raises(ValidationError):  # a vote before the motion was put
        s.vote_record(by=cast.staff, motion=motion, seat=cast.seats[0], choice="for", at=held + minute)
    for seat in cast.seats:
        s.vote_record(by=cast.staff, motion=motion, seat=seat, choice="for", at=held + 10 * minute)
    with pytest.raises(ValidationError):  # closing the vote before the votes
        s.motion_close(by=cast.staff, motion=motion, at=held + 9 * minute)
    motion = s.motion_close(by=cast.staff, motion=motion, at=held + 15 * minute)
    resolution = s.resolution_adopt(by=cast.staff, motion=motion, at=held + 16 * minute)
    with pytest.raises(ValidationError):  # closing the meeting before the resolution
        s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要", at=held + 15 * minute)
    meeting = s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要", at=held + 20 * minute)
    with pytest.raises(ValidationError):  # publishing before the adoption
        s.resolution_publish(by=cast.staff, resolution=resolution, at=held)
    published = held + datetime.timedelta(days=1)
    resolution = s.resolution_publish(by=cast.staff, resolution=resolution, at=published)

    meeting.refresh_from_db()
    motion.refresh_from_db()
    resolution.refresh_from_db()
    assert meeting.notice_sent_at == held - datetime.timedelta(days=7)
    assert (meeting.opened_at, meeting.closed_at) == (held, held + 20 * minute)
    assert (motion.opened_at, motion.closed_at) == (held + 5 * minute, held + 15 * minute)
    assert {v.cast_at for v in motion.votes.all()} == {held + 10 * minute}
    assert (resolution.adopted_at, resolution.published_at) == (held + 16 * minute, published)
    # Without `at`, now: after every moment given.
    later = s.meeting_schedule(
        by=cast.staff, committee=cast.committee, title="会", scheduled_at=timezone.now()
    )
    before = timezone.now()
    assert s.meeting_open(by=cast.staff, meeting=later).opened_at >= before


def _refused_in_both_languages(write, then: str) -> None:
    """The write is refused with the step-order message, in Chinese (the site's language) and English."""
    with pytest.raises(ValidationError) as refused:
        write()
    assert refused.value.messages == [f"该时间早于它所跟随的上一步骤（{then}）。"]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        write()
    assert refused.value.messages == [f"This would come before the step it follows ({then})."]


def test_a_backdated_online_vote_and_amendment_carry_their_moments(cast):
    """An online vote may not come before its motion was put, an amendment before the meeting closed or
    its previous amendment; refused, they write nothing."""
    held = _when(2024, 3, 5, 19, 30)
    minute, day = datetime.timedelta(minutes=1), datetime.timedelta(days=1)
    meeting = s.meeting_schedule(
        by=cast.staff, committee=cast.committee, title="第一次会议", scheduled_at=held, mode=MeetingMode.BOTH
    )
    for i, seat in enumerate(cast.seats):  # holder 0 is not in the room: they vote online
        s.attendance_record(by=cast.staff, meeting=meeting, seat=seat, present=i > 0)
    meeting = s.meeting_open(by=cast.staff, meeting=meeting, at=held)
    item = meeting.agenda_items.first()
    motion = s.motion_open(
        by=cast.staff, meeting=meeting, text="同意", agenda_item=item, at=held + 5 * minute
    )

    def rows():
        return (
            Vote.objects.count(),
            Attendance.objects.filter(present=True).count(),
            Amendment.objects.count(),
            AuditEvent.objects.count(),
        )

    before = rows()
    _refused_in_both_languages(
        lambda: s.vote_cast(by=cast.holders[0], motion=motion, choice="for", at=held + minute),
        "2024-03-05 19:35",
    )
    assert rows() == before
    vote = s.vote_cast(by=cast.holders[0], motion=motion, choice="for", at=held + 10 * minute)
    vote.refresh_from_db()
    attendance = Attendance.objects.get(meeting=meeting, seat=cast.seats[0])
    assert vote.cast_at == held + 10 * minute
    assert (attendance.present, attendance.how) == (True, "online")
    # recorded_at is the system's own bookkeeping, like the audit log: when the mark was written, not backdated.
    assert attendance.recorded_at > held + 10 * minute

    for seat in cast.seats[1:]:
        s.vote_record(by=cast.staff, motion=motion, seat=seat, choice="for", at=held + 10 * minute)
    motion = s.motion_close(by=cast.staff, motion=motion, at=held + 15 * minute)
    s.resolution_adopt(by=cast.staff, motion=motion, at=held + 16 * minute)
    meeting = s.meeting_close(by=cast.staff, meeting=meeting, minutes="纪要", at=held + 20 * minute)

    def amend(at: datetime.datetime, value: str = "纪要（更正）"):
        return s.meeting_amend(
            by=cast.staff, meeting=meeting, reason="笔误", field="minutes", value=value, at=at
        )

    before = rows()
    _refused_in_both_languages(lambda: amend(held + 19 * minute), "2024-03-05 19:50")
    assert rows() == before
    meeting.refresh_from_db()
    assert meeting.minutes == "纪要"
    amendment = amend(held + day)
    amendment.refresh_from_db()
    assert amendment.at == held + day
    before = rows()
    _refused_in_both_languages(lambda: amend(held + day - minute, "纪要（再更正）"), "2024-03-06 19:30")
    assert rows() == before
    meeting.refresh_from_db()
    assert meeting.minutes == "纪要（更正）"
    amend(held + 2 * day, "纪要（再更正）")
    assert list(meeting.amendments.values_list("at", flat=True)) == [held + day, held + 2 * day]


def test_a_backdated_topic_is_raised_and_screened_then(cast):
    since = _when(2024, 1, 1, 17, 0)
    topic = s.topic_raise(by=None, committee=cast.committee, title="停车", source="station", at=since)
    with pytest.raises(ValidationError):  # screened before it was raised
        s.topic_screen(by=None, topic=topic, decision="accepted", at=since - datetime.timedelta(days=1))
    topic = s.topic_screen(by=None, topic=topic, decision="accepted", at=since)
    topic.refresh_from_db()
    assert topic.created_at == topic.screened_at == since


def _resolved(demand, on: datetime.datetime):
    return demand_resolve(by=None, demand=demand, reply="已解决", at=on)


def test_a_resolved_demand_is_linked_to_a_topic_as_it_is(cast, demands, world):
    """Within the committee's place, by its organisers, audited; an open one also goes on the agenda."""
    resolved = _resolved(demands[0], _when(2024, 2, 1, 10, 0))
    plaza_demand = demand_submit(
        by=None, channel=Channel.WALK_IN, category=demands[0].category, place=world.plaza, description="外"
    )
    with pytest.raises(ValidationError):  # not at the committee's place
        s.topic_link_demand(by=cast.staff, topic=cast.topic, demand=plaza_demand)
    for stranger in (cast.outsider, cast.secretary, cast.holders[0]):  # can neither see it nor organise
        with pytest.raises(PermissionDenied):
            s.topic_link_demand(by=stranger, topic=cast.topic, demand=resolved)
    assert not cast.topic.demands.exists()

    s.topic_link_demand(by=cast.staff, topic=cast.topic, demand=resolved)
    assert list(cast.topic.demands.all()) == [resolved]
    after = type(resolved).objects.get(pk=resolved.pk)
    assert (after.status, after.reply, after.agenda_ref, after.resolved_at) == (
        Status.RESOLVED,
        resolved.reply,
        resolved.agenda_ref,
        resolved.resolved_at,
    )
    event = AuditEvent.objects.get(action="topic_link_demand")
    assert (event.actor, event.target_id, event.changes) == (
        cast.staff,
        str(cast.topic.pk),
        {"demands": [None, [str(resolved.pk)]]},
    )
    with pytest.raises(ValidationError):  # already linked
        s.topic_link_demand(by=cast.staff, topic=cast.topic, demand=resolved)

    s.topic_link_demand(by=None, topic=cast.topic, demand=demands[1])  # open: on the agenda too
    demands[1].refresh_from_db()
    assert demands[1].agenda_ref == s.agenda_ref(cast.topic)
    assert set(cast.topic.demands.all()) == set(demands)


def test_a_done_action_counts_a_demand_resolved_on_its_own(cast, demands, world):
    resolved = _resolved(demands[0], _when(2024, 2, 1, 10, 0))
    s.topic_link_demand(by=cast.staff, topic=cast.topic, demand=resolved)
    meeting = sit(cast)
    resolution = passed_resolution(cast, meeting)
    action = s.action_add(
        by=cast.staff,
        resolution=resolution,
        title="加装",
        deadline=datetime.date(2099, 1, 1),
        owner_name="物业",
    )
    with pytest.raises(ValidationError):  # not done yet
        s.action_link_demand(by=cast.staff, action=action, demand=resolved)
    action = s.action_update(by=cast.staff, action=action, progress=100, resolve_demands=True)
    assert not action.demands_resolved.exists()  # it resolves open demands only
    with pytest.raises(PermissionDenied):
        s.action_link_demand(by=cast.outsider, action=action, demand=resolved)
    with pytest.raises(ValidationError):  # still open
        s.action_link_demand(by=cast.staff, action=action, demand=demands[1])
    other = _resolved(
        demand_submit(
            by=None,
            channel=Channel.WALK_IN,
            category=demands[0].category,
            place=world.estate,
            description="别",
        ),
        _when(2024, 2, 2, 10, 0),
    )
    with pytest.raises(ValidationError):  # not on the topic behind the resolution
        s.action_link_demand(by=cast.staff, action=action, demand=other)

    s.action_link_demand(by=cast.staff, action=action, demand=resolved)
    assert list(action.demands_resolved.all()) == [resolved]
    assert AuditEvent.objects.filter(action="action_link_demand", target_id=str(action.pk)).count() == 1
    with pytest.raises(ValidationError):  # already counted
        s.action_link_demand(by=cast.staff, action=action, demand=resolved)
    assert deliberation_stats(world.wuhe)["demands_resolved_by_resolutions"] == 1


@pytest.mark.parametrize("resolved_first", [True, False])
def test_the_demo_meetings_keep_their_2018_2019_moments(db, settings, resolved_first):
    """城市广场's meetings of 2018–19 opened, voted, closed and published then, not when the demo loaded;
    the medical demand is linked through the services: as it was when the demand demo resolved it, or
    resolved by the committee's action when still open."""
    settings.DEMO_MODE = True
    plaza, medical = plaza_with_medical_demand(_when(2018, 6, 15, 10, 0))
    if resolved_first:
        medical = _resolved(medical, _when(2019, 4, 26, 10, 0))
    assert demo.load_deliberation(log=lambda _msg: None) == 3

    years = {2018, 2019}
    meetings = Meeting.objects.filter(committee__place=plaza, scheduled_at__year__lt=2020).order_by(
        "scheduled_at"
    )
    assert meetings.count() == 3
    for meeting in meetings:
        assert meeting.opened_at == meeting.scheduled_at
        assert meeting.closed_at.year in years and meeting.closed_at > meeting.opened_at
        for motion in meeting.motions.all():
            assert meeting.opened_at < motion.opened_at < motion.closed_at < meeting.closed_at
            assert all(motion.opened_at < v.cast_at < motion.closed_at for v in motion.votes.all())
    resolutions = Resolution.objects.filter(meeting__in=meetings)
    assert resolutions.count() == 4
    for resolution in resolutions:
        assert resolution.adopted_at.year in years
        day_after = timezone.localdate(resolution.meeting.scheduled_at) + datetime.timedelta(days=1)
        assert timezone.localdate(resolution.published_at) == day_after
    first = meetings.first()
    assert timezone.localtime(first.opened_at) == _when(2018, 9, 20, 19, 30)
    assert timezone.localdate(first.closed_at) == datetime.date(2018, 9, 20)
    assert all(t.created_at.year == 2018 for t in Topic.objects.filter(agenda_items__meeting__in=meetings))

    medical_resolution = resolutions.get(text="推动城广社康中心建设")
    assert medical_resolution.actions.filter(demands_resolved=medical).exists()
    assert medical.topics.get().committee == medical_resolution.meeting.committee
    medical.refresh_from_db()
    topic = medical.topics.get()
    assert medical.status == Status.RESOLVED
    assert medical.agenda_ref == (demo.MEDICAL_AGENDA_REF if resolved_first else s.agenda_ref(topic))
    if not resolved_first:
        assert timezone.localdate(medical.resolved_at) == datetime.date(2019, 3, 20)
    assert AuditEvent.objects.filter(action__in=["topic_link_demand", "action_link_demand"]).count() == 2

"""Every write on consultation committees and joint meetings. Import them from here.

Each service is keyword-only, typed, atomic; it authorises (organisers: `can(by, "change", committee
place path)`; `by=None` is the system), validates, writes an audit row, and notifies after commit.
Refusals are `PermissionDenied` (403) or `ValidationError` (a message to show). The services marked
`at=None` stamp that moment instead of now (demo data and imports only); a moment may not come before the
steps it follows (a vote before its motion, a closing before a vote, …). Audit rows keep the time of writing.

Committees (services/committees.py)
  committee_create(by, kind, name, place, branch, quorum_numerator=2, quorum_denominator=3, majority_rule=None, note="")
  committee_update(by, committee, name/branch/quorum_numerator/quorum_denominator/majority_rule/active/note)
  seat_assign(by, committee, stakeholder, since, user=None, member=None, holder_name="", organisation="", until=None)
  seat_end(by, seat, on)                      end a term (`until` = on)
Topics (services/topics.py)
  topic_raise(by, committee, title, description="", source="resident", at=None)   anyone viewing the place, a
                                               resident of it (portal) or a seat holder; status `proposed`
  topic_from_demands(by, committee, demands, title, description="")      accepted topic; each demand goes
                                               on the agenda (demands.services.demand_put_on_agenda)
  topic_link_demand(by, topic, demand)         one more demand on a topic, even one no longer open (then
                                               left as it is); an open one also goes on the agenda. The
                                               demand lies at the committee's place and `by` may see it
  topic_screen(by, topic, decision, into=None, reason="", at=None)       decision: accepted|merged|declined
Meetings (services/meetings.py)
  meeting_schedule(by, committee, title, scheduled_at, venue="", mode="in_person", topics=())
  agenda_add(by, meeting, topic)               add an accepted topic at the end of the agenda
  meeting_send_notice(by, meeting, at=None)    notify current seat holders; sets notice_sent_at
  meeting_open(by, meeting, at=None)           scheduled → open
  attendance_record(by, meeting, seat, present, how="in_person", on_leave=False)
  meeting_save_minutes(by, meeting, minutes)
  meeting_close(by, meeting, minutes=None, at=None)  needs every seat's attendance, minutes, no open vote, a
                                               resolution per passed motion; then the record is frozen
  meeting_amend(by, meeting, reason, field, value, target=None, at=None)  the only write on a closed
                                               meeting: an Amendment + audit row (see meetings.AMENDABLE)
Motions, votes, resolutions (services/votes.py)
  motion_open(by, meeting, text, agenda_item=None, rule=None, at=None)   rule defaults to the committee's
  vote_cast(by, motion, choice, at=None)       online, by the seat holder, while open (mode online/both)
  vote_record(by, motion, seat, choice, channel="room", at=None)  room or paper, by the organiser
  motion_close(by, motion, at=None)            result by rules.outcome; "no quorum" fails it
  resolution_adopt(by, motion, text="", at=None)  from a passed motion, while the meeting is open
  resolution_publish(by, resolution, at=None)  to the residents of the place (also after closing)
Action items (services/actions.py)
  action_add(by, resolution, title, deadline, owner=None, owner_name="")
  action_update(by, action, progress, note="", status=None, resolve_demands=False, at=None)
                                               at done with resolve_demands, resolves the topic's demands
  action_link_demand(by, action, demand)       count a demand resolved on its own among those a done
                                               action resolved (it must be on the topic behind it)
Helpers: topics.agenda_ref(topic) — the `Demand.agenda_ref` value, "deliberation:topic:<id>".
"""

from gongzhi.deliberation.services.actions import action_add, action_link_demand, action_update
from gongzhi.deliberation.services.committees import committee_create, committee_update, seat_assign, seat_end
from gongzhi.deliberation.services.meetings import (
    agenda_add,
    attendance_record,
    meeting_amend,
    meeting_close,
    meeting_open,
    meeting_save_minutes,
    meeting_schedule,
    meeting_send_notice,
)
from gongzhi.deliberation.services.topics import (
    agenda_ref,
    topic_from_demands,
    topic_link_demand,
    topic_raise,
    topic_screen,
)
from gongzhi.deliberation.services.votes import (
    motion_close,
    motion_open,
    resolution_adopt,
    resolution_publish,
    vote_cast,
    vote_record,
)

__all__ = [
    "action_add",
    "action_link_demand",
    "action_update",
    "agenda_add",
    "agenda_ref",
    "attendance_record",
    "committee_create",
    "committee_update",
    "meeting_amend",
    "meeting_close",
    "meeting_open",
    "meeting_save_minutes",
    "meeting_schedule",
    "meeting_send_notice",
    "motion_close",
    "motion_open",
    "resolution_adopt",
    "resolution_publish",
    "seat_assign",
    "seat_end",
    "topic_from_demands",
    "topic_link_demand",
    "topic_raise",
    "topic_screen",
    "vote_cast",
    "vote_record",
]

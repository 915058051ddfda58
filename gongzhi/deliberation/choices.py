"""The codes of deliberation (GLOSSARY "Deliberation"): kinds, stakeholders, states, votes."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CommitteeKind(models.TextChoices):
    CONSULTATION_COMMITTEE = "consultation_committee", _("Affairs consultation committee")
    JOINT_MEETING = "joint_meeting", _("Party-and-masses joint meeting")


class MajorityRule(models.TextChoices):
    SIMPLE = "simple", _("Simple majority of votes cast (for > against)")
    ABSOLUTE = "absolute", _("Over half of the members present")
    TWO_THIRDS = "two_thirds", _("Two thirds of the members present")


# The rule a motion takes unless it is a special matter.
DEFAULT_RULE: dict[str, str] = {
    CommitteeKind.CONSULTATION_COMMITTEE: MajorityRule.SIMPLE,
    # Collective assets: 2/3 present, over half of those present in favour.
    CommitteeKind.JOINT_MEETING: MajorityRule.ABSOLUTE,
}


class Stakeholder(models.TextChoices):
    BRANCH = "branch", _("Party branch")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    PROPERTY_COMPANY = "property_company", _("Property management company")
    PARTY_MEMBER_REP = "party_member_rep", _("Party members' representative")
    RESIDENT_REP = "resident_rep", _("Residents' representative")
    BUILDING_HEAD = "building_head", _("Building head")
    STATIONED_UNIT = "stationed_unit", _("Stationed unit")
    COMPANY = "company", _("Joint-stock cooperative company")
    SELF_GOVERNING_ORG = "self_governing_org", _("Self-governing organisation")
    MIGRANT_REP = "migrant_rep", _("Migrants' representative")
    COMMUNITY_POLICE = "community_police", _("Community police")


class TopicSource(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    MEMBER = "member", _("Party member")
    STATION = "station", _("Service station")
    DEMAND = "demand", _("Resident demands")


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    MERGED = "merged", _("Merged")
    DECLINED = "declined", _("Declined")


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BOTH = "both", _("In person and online")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("In session")
    CLOSED = "closed", pgettext_lazy("meeting", "Closed")  # 已结束, not a demand's or a place's "closed"


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class MotionStatus(models.TextChoices):
    OPEN = "open", _("Voting open")
    CLOSED = "closed", _("Voting closed")


class MotionResult(models.TextChoices):
    NONE = "none", _("Not yet decided")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class VoteChannel(models.TextChoices):
    ROOM = "room", _("In the room")
    PAPER = "paper", _("On paper")
    ONLINE = "online", _("Online")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")

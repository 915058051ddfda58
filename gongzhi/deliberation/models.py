"""Consultation committees (事务协商委员会) and party-and-masses joint meetings (党群联席会议).

Models (names are stable; pages, minutes documents and demo data build on them):
  Committee     a consultation committee or joint meeting serving one place, led by a party branch;
                quorum ratio (numerator/denominator, default 2/3) and default majority rule per kind.
  Seat          one seat by stakeholder, held by a user, a party Member or a named person, for a term.
  Topic         a matter raised for deliberation (resident, member, station, demand); screened by the
                branch: proposed → accepted | merged (into another topic) | declined (with a reason).
  Meeting       a sitting with agenda, notice, attendance, motions and minutes: scheduled → open → closed.
                A closed meeting's record is frozen; it changes only through an Amendment.
  AgendaItem    an accepted topic on a meeting's agenda, in order.
  Attendance    one seat at one meeting: present (in person or online) or absent, on leave or not.
  Motion        a proposal put to the vote, under a majority rule; closing it freezes the counts and result.
  Vote          one seat's vote on a motion (for/against/abstain), cast online by the holder or recorded in
                the room or on paper by the organiser; one per seat and motion.
  Resolution    what a passed motion adopted; published to the residents of the place.
  ActionItem    a task carrying out a resolution: owner, deadline, progress and status until done; the
                demands it resolved are kept in `demands_resolved`.
  ActionUpdate  one progress report on an action item (the timeline).
  Amendment     a correction to a closed meeting's record, with a reason; audited.

Choices live in choices.py (also importable from here): CommitteeKind, Stakeholder, MajorityRule (and
DEFAULT_RULE per kind), TopicSource, TopicStatus, MeetingMode, MeetingStatus, AttendanceMode, MotionStatus,
MotionResult, VoteChoice, VoteChannel, ActionStatus.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.deliberation.choices import (
    DEFAULT_RULE,  # noqa: F401  (re-exported)
    ActionStatus,
    AttendanceMode,
    CommitteeKind,
    MajorityRule,
    MeetingMode,
    MeetingStatus,
    MotionResult,
    MotionStatus,
    Stakeholder,
    TopicSource,
    TopicStatus,
    VoteChannel,
    VoteChoice,
)
from gongzhi.demands.models import Demand
from gongzhi.members.models import Member
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place


def _user(verbose_name, related_name: str = "+") -> models.ForeignKey:
    """An optional link to an account that outlives it (SET_NULL): who raised, screened, recorded, acted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


class Committee(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=CommitteeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    place = models.ForeignKey(
        Place, verbose_name=_("serves"), on_delete=models.PROTECT, related_name="committees"
    )
    branch = models.ForeignKey(
        PartyOrg, verbose_name=_("led by"), on_delete=models.PROTECT, related_name="committees"
    )
    # Quorum as an exact fraction: present * denominator >= members * numerator.
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(
        _("quorum denominator"), default=3, validators=[MinValueValidator(1)]
    )
    majority_rule = models.CharField(_("majority rule"), max_length=12, choices=MajorityRule.choices)
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["place__path", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_numerator__lte=models.F("quorum_denominator")),
                name="committee_quorum_at_most_one",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quorum_label(self) -> str:
        return f"{self.quorum_numerator}/{self.quorum_denominator}"


class SeatQuerySet(models.QuerySet):
    def current(self, on: datetime.date) -> SeatQuerySet:
        """Seats whose term covers `on` (`until` excluded)."""
        return self.filter(since__lte=on).filter(Q(until__isnull=True) | Q(until__gt=on))


class Seat(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="seats"
    )
    stakeholder = models.CharField(_("stakeholder"), max_length=24, choices=Stakeholder.choices)
    # The holder: an account (may vote online), a party member, or a named person who is neither.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seats",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seats",
    )
    holder_name = models.CharField(_("holder's name"), max_length=50, blank=True)
    organisation = models.CharField(_("organisation represented"), max_length=100, blank=True)
    since = models.DateField(_("term since"))
    until = models.DateField(_("term until"), null=True, blank=True)

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["committee", "stakeholder", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(member__isnull=False) | ~Q(holder_name=""),
                name="seat_has_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stakeholder_display()} · {self.holder}"

    @property
    def holder(self) -> str:
        """The holder's name, whichever way the seat is held."""
        if self.holder_name:
            return self.holder_name
        if self.member_id:
            return self.member.name
        if self.user_id:
            return str(self.user)
        return ""

    def is_current(self, on: datetime.date) -> bool:
        return self.since <= on and (self.until is None or self.until > on)


class Topic(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="topics"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=TopicSource.choices)
    demands = models.ManyToManyField(Demand, verbose_name=_("demands"), blank=True, related_name="topics")
    raised_by = _user(_("raised by"))
    status = models.CharField(
        _("status"), max_length=10, choices=TopicStatus.choices, default=TopicStatus.PROPOSED
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_topics",
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    screened_by = _user(_("screened by"))
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    scheduled_at = models.DateTimeField(_("scheduled at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    mode = models.CharField(
        _("mode"), max_length=10, choices=MeetingMode.choices, default=MeetingMode.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = _user(_("organiser"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-scheduled_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "topic"], name="agenda_item_unique_topic")]

    def __str__(self) -> str:
        return f"{self.order}. {self.topic}"


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    seat = models.ForeignKey(
        Seat, verbose_name=_("seat"), on_delete=models.PROTECT, related_name="attendance"
    )
    present = models.BooleanField(_("present"), default=False)
    how = models.CharField(
        _("attended"), max_length=10, choices=AttendanceMode.choices, default=AttendanceMode.IN_PERSON
    )
    on_leave = models.BooleanField(_("on leave"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "seat__stakeholder", "seat_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seat"], name="attendance_unique_seat"),
            models.CheckConstraint(
                condition=~(Q(present=True) & Q(on_leave=True)), name="attendance_not_both"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.seat}"


class Motion(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="motions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="motions",
    )
    text = models.TextField(_("motion"))
    rule = models.CharField(_("majority rule"), max_length=12, choices=MajorityRule.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=MotionStatus.choices, default=MotionStatus.OPEN
    )
    result = models.CharField(
        _("result"), max_length=8, choices=MotionResult.choices, default=MotionResult.NONE
    )
    # Why it failed, in words ("no quorum", "majority not reached"), for the minutes.
    result_note = models.CharField(_("result note"), max_length=100, blank=True)
    # Frozen when the vote closes: the minutes and the API read these, never a fresh count.
    members_count = models.PositiveSmallIntegerField(_("members"), null=True, blank=True)
    present_count = models.PositiveSmallIntegerField(_("present"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("abstaining"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Vote(models.Model):
    motion = models.ForeignKey(
        Motion, verbose_name=_("motion"), on_delete=models.CASCADE, related_name="votes"
    )
    seat = models.ForeignKey(Seat, verbose_name=_("seat"), on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(_("vote"), max_length=8, choices=VoteChoice.choices)
    channel = models.CharField(_("cast"), max_length=8, choices=VoteChannel.choices)
    cast_at = models.DateTimeField(_("cast at"))
    recorded_by = _user(_("recorded by"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["motion", "id"]
        constraints = [models.UniqueConstraint(fields=["motion", "seat"], name="vote_one_per_seat")]

    def __str__(self) -> str:
        return f"{self.seat} · {self.get_choice_display()}"


class Resolution(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="resolutions"
    )
    motion = models.OneToOneField(
        Motion, verbose_name=_("motion"), on_delete=models.PROTECT, related_name="resolution"
    )
    text = models.TextField(_("resolution"))
    adopted_at = models.DateTimeField(_("adopted at"))
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-adopted_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class ActionItemQuerySet(models.QuerySet):
    def unfinished(self) -> ActionItemQuerySet:
        return self.exclude(status=ActionStatus.DONE)

    def overdue(self, today: datetime.date) -> ActionItemQuerySet:
        return self.unfinished().filter(deadline__lt=today)


class ActionItem(models.Model):
    resolution = models.ForeignKey(
        Resolution, verbose_name=_("resolution"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("title"), max_length=200)
    owner = _user(_("owner"), related_name="deliberation_actions")
    owner_name = models.CharField(_("owner (name)"), max_length=100, blank=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    demands_resolved = models.ManyToManyField(
        Demand, verbose_name=_("demands resolved"), blank=True, related_name="resolving_actions"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="action_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_display(self) -> str:
        return str(self.owner) if self.owner_id else self.owner_name


class ActionUpdate(models.Model):
    action = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="updates"
    )
    at = models.DateTimeField(_("time"))
    by = _user(_("by"))
    note = models.TextField(_("note"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices)

    class Meta:
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["action", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.progress}%"


class Amendment(models.Model):
    """A correction to a closed meeting's record. `target` names the record ("meeting", "motion:12",
    "resolution:3", "attendance:7"); `before` and `after` are the field's values as text."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="amendments"
    )
    by = _user(_("by"))
    reason = models.TextField(_("reason"))
    target = models.CharField(_("record"), max_length=40, default="meeting")
    field = models.CharField(_("field"), max_length=40)
    before = models.TextField(_("before"), blank=True)
    after = models.TextField(_("after"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["meeting", "at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.target}.{self.field}"

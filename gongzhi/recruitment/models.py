"""Recruitment of party members (发展党员): a person's way from applicant to full member.

One row per recruit carries the date of every step; the steps themselves are taken through the services,
which enforce order and intervals (see rules.py). `next_due` is the deadline of the next required action,
kept by the services so that lists sort and filter on it in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.pii import EncryptedTextField, mask_id_number, mask_phone, person_search_q
from gongzhi.members.models import Education, Gender, Member
from gongzhi.party.models import PartyOrg


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Development candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


# What `Recruit.next_due` is the deadline of, per stage.
NEXT_DUE_LABELS = {
    Stage.APPLICANT: _("Talk due"),
    Stage.ACTIVIST: _("Review due"),
    Stage.CANDIDATE: _("Approval due"),
    Stage.PROBATIONARY: _("Probation ends"),
}


class RecruitQuerySet(models.QuerySet):
    def search(self, query: str) -> RecruitQuerySet:
        """By name or pinyin initials; an ID number or phone is matched exactly through the blind index."""
        q = person_search_q(query)
        return self if q is None else self.filter(q)

    def overdue(self, today) -> RecruitQuerySet:
        return self.filter(next_due__lt=today)


class Recruit(models.Model):
    branch = models.ForeignKey(
        PartyOrg, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="recruits"
    )
    name = models.CharField(_("name"), max_length=50)
    pinyin = models.CharField(_("pinyin index"), max_length=500, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("birth date"))
    # Personal data, as on Member: Fernet tokens at rest, looked up through the keyed blind index.
    id_number = EncryptedTextField(_("ID number"))
    id_index = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.APPLICANT, db_index=True
    )
    next_due = models.DateField(_("next step due"), null=True, blank=True, db_index=True)

    # Applicant (入党申请人)
    applied_on = models.DateField(_("applied on"))
    talked_on = models.DateField(_("talk held on"), null=True, blank=True)
    talk_note = models.TextField(_("talk note"), blank=True)
    # Activist (入党积极分子)
    activist_on = models.DateField(_("activist since"), null=True, blank=True)
    contacts = models.ManyToManyField(
        Member, verbose_name=_("contact persons"), blank=True, related_name="recruits_contacted"
    )
    # Development candidate (发展对象)
    candidate_on = models.DateField(_("development candidate since"), null=True, blank=True)
    introducers = models.ManyToManyField(
        Member, verbose_name=_("introducers"), blank=True, related_name="recruits_introduced"
    )
    vetted_on = models.DateField(_("vetting completed on"), null=True, blank=True)
    vetting_note = models.TextField(_("vetting conclusion"), blank=True)
    training_start = models.DateField(_("training from"), null=True, blank=True)
    training_end = models.DateField(_("training until"), null=True, blank=True)
    training_hours = models.PositiveIntegerField(_("training hours"), null=True, blank=True)
    vote_on = models.DateField(_("branch general meeting on"), null=True, blank=True)
    eligible_voters = models.PositiveIntegerField(_("full members entitled to vote"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    # Probationary member (预备党员): approval by the higher committee starts the probation.
    approved_on = models.DateField(_("approved by the higher committee on"), null=True, blank=True)
    member = models.OneToOneField(
        Member,
        verbose_name=_("member record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recruitment",
    )
    extended_on = models.DateField(_("probation extended on"), null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField(
        _("probation extended by (months)"), null=True, blank=True
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    # Full member (正式党员)
    full_on = models.DateField(_("full member since"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RecruitQuerySet.as_manager()

    class Meta:
        verbose_name = _("recruit")
        verbose_name_plural = _("recruits")
        ordering = ["branch__place__path", "pinyin", "id"]
        indexes = [models.Index(fields=["stage", "next_due"])]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def next_due_label(self) -> str:
        return NEXT_DUE_LABELS.get(self.stage, "")

    @property
    def overdue(self) -> bool:
        return self.next_due is not None and self.next_due < timezone.localdate()

    @property
    def next_stage_from(self):
        """The first day of the next stage, where an interval rule sets one (activists, probationers)."""
        from gongzhi.recruitment.rules import next_stage_from

        return next_stage_from(self)


class Review(models.Model):
    """A six-monthly review (考察) of an activist."""

    recruit = models.ForeignKey(
        Recruit, verbose_name=_("recruit"), on_delete=models.CASCADE, related_name="reviews"
    )
    on = models.DateField(_("reviewed on"))
    note = models.TextField(_("conclusion"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.recruit} {self.on}"

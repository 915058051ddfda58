"""Records of organisational life (组织生活): meetings, lectures, themed days, appraisals and their evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.members.models import Member
from gongzhi.orglife.rules import Grade, LifeType
from gongzhi.party.models import OrgKind, PartyOrg


class LifeRecordQuerySet(models.QuerySet):
    def of_org(self, org: PartyOrg) -> LifeRecordQuerySet:
        """Records of the organisation and of its party groups."""
        return self.filter(models.Q(org=org) | models.Q(org__parent=org, org__kind=OrgKind.GROUP))

    def counted(self) -> LifeRecordQuerySet:
        """Records that count as held: a general meeting below quorum does not."""
        return self.filter(below_quorum=False)


class LifeRecord(models.Model):
    """One meeting or activity of a branch (or, for a party group meeting, of a party group)."""

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="life_records"
    )
    type = models.CharField(_("type"), max_length=32, choices=LifeType.choices)
    held_on = models.DateField(_("held on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(
        Member, verbose_name=_("chair"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note_taker = models.ForeignKey(
        Member,
        verbose_name=_("note-taker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expected = models.PositiveIntegerField(_("expected attendance"))
    attendees = models.ManyToManyField(
        Member, verbose_name=_("attendees"), blank=True, related_name="life_records_attended"
    )
    on_leave = models.ManyToManyField(Member, verbose_name=_("on leave"), blank=True, related_name="+")
    topic = models.CharField(_("topic"), max_length=200)
    resolutions = models.TextField(_("resolutions"), blank=True)
    # General meetings: full members of the branch on the day, and whether more than half of them came.
    voting_members = models.PositiveIntegerField(_("voting members"), null=True, blank=True, editable=False)
    below_quorum = models.BooleanField(_("below quorum"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = LifeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisational life record")
        verbose_name_plural = _("organisational life records")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org", "type", "held_on"])]

    def __str__(self) -> str:
        return f"{self.org} {self.held_on:%Y-%m-%d} {self.get_type_display()}"


class LifeGrade(models.Model):
    """A member's grade in a democratic appraisal (民主评议党员)."""

    record = models.ForeignKey(LifeRecord, on_delete=models.CASCADE, related_name="grades")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("grade"), max_length=24, choices=Grade.choices)

    class Meta:
        verbose_name = _("appraisal grade")
        verbose_name_plural = _("appraisal grades")
        ordering = ["record", "member__pinyin", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "member"], name="orglife_one_grade_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_grade_display()}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN_SHEET = "sign_in_sheet", _("Sign-in sheet")


class LifeAttachment(models.Model):
    """Evidence of a record: a photo or the sign-in sheet, checked by its first bytes before it is kept."""

    record = models.ForeignKey(LifeRecord, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="orglife/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["record", "kind", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

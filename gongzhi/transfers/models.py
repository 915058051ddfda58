"""Transfers of members' organisational relationship (组织关系转接) by letter, out of and into a branch."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.members.models import Member
from gongzhi.party.models import PartyOrg
from gongzhi.transfers import rules


class Direction(models.TextChoices):
    OUT = "out", _("Transfer out")
    IN = "in", _("Transfer in")


class LetterKind(models.TextChoices):
    INTRODUCTION = rules.INTRODUCTION, _("Introduction letter")
    CERTIFICATE = rules.CERTIFICATE, _("Certificate letter")


class TransferStatus(models.TextChoices):
    """What a transfer shows as. Only issued and received are stored; expired is computed from the date."""

    ISSUED = "issued", _("Issued")
    RECEIVED = "received", _("Received")
    EXPIRED = "expired", _("Expired")


STORED_STATUSES = [(s.value, s.label) for s in (TransferStatus.ISSUED, TransferStatus.RECEIVED)]


class TransferQuerySet(models.QuerySet):
    def with_status(self, status: str, today: datetime.date | None = None) -> TransferQuerySet:
        """Transfers showing `status` on `today`: issued means issued and still valid."""
        today = today or timezone.localdate()
        if status == TransferStatus.RECEIVED:
            return self.filter(status=TransferStatus.RECEIVED)
        if status == TransferStatus.EXPIRED:
            return self.filter(status=TransferStatus.ISSUED, valid_until__lt=today)
        if status == TransferStatus.ISSUED:
            return self.filter(status=TransferStatus.ISSUED, valid_until__gte=today)
        return self

    def open_for(self, member: Member, today: datetime.date | None = None) -> TransferQuerySet:
        return self.filter(member=member).with_status(TransferStatus.ISSUED, today)


class Transfer(models.Model):
    """A transfer letter, issued by a branch for a member leaving, or brought by a member arriving.

    An in-transfer may name a person not registered yet (`person_name`); `member` is then empty.
    """

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    branch = models.ForeignKey(
        PartyOrg, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="transfers"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    person_name = models.CharField(_("name of the person"), max_length=50, blank=True)
    counterpart = models.CharField(_("counterpart organisation"), max_length=200)
    absence_months = models.PositiveSmallIntegerField(_("expected absence (months)"))
    letter_kind = models.CharField(_("letter"), max_length=20, choices=LetterKind.choices)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=STORED_STATUSES, default=TransferStatus.ISSUED, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(person_name=""), name="transfer_names_someone"
            ),
            models.CheckConstraint(
                condition=Q(status="issued", received_on__isnull=True)
                | Q(status="received", received_on__isnull=False),
                name="transfer_received_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.name} {self.issued_on:%Y-%m-%d}"

    @property
    def name(self) -> str:
        return self.member.name if self.member_id else self.person_name

    def status_on(self, today: datetime.date | None = None) -> str:
        if self.status == TransferStatus.RECEIVED:
            return TransferStatus.RECEIVED
        today = today or timezone.localdate()
        return TransferStatus.EXPIRED if today > self.valid_until else TransferStatus.ISSUED

    @property
    def current_status(self) -> str:
        return self.status_on()

    def get_current_status_display(self) -> str:
        return TransferStatus(self.current_status).label

"""Party dues (党费): each member's dues basis over time, and the monthly ledger of payments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.dues import rates
from gongzhi.members.models import Member


class DuesCategory(models.TextChoices):
    EMPLOYED = rates.EMPLOYED, _("Employed")
    RETIRED = rates.RETIRED, _("Retired")
    STUDENT = rates.STUDENT, _("Student")
    UNEMPLOYED = rates.UNEMPLOYED, _("Unemployed or laid off")
    MINIMUM_INCOME = rates.MINIMUM_INCOME, _("Receiving the minimum living allowance")


class DuesProfile(models.Model):
    """A member's dues category and monthly after-tax income from a month on.

    Never overwritten by a later change: the newest profile not after a month is the one for that month,
    so the amount due for any past month can still be told.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="dues_profiles"
    )
    category = models.CharField(_("dues category"), max_length=20, choices=DuesCategory.choices)
    monthly_income = models.DecimalField(
        _("monthly after-tax income (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    applies_from = models.DateField(_("applies from (month)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dues basis")
        verbose_name_plural = _("dues bases")
        ordering = ["member", "-applies_from"]
        constraints = [
            models.UniqueConstraint(fields=["member", "applies_from"], name="dues_profile_once_per_month"),
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0), name="dues_income_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.applies_from:%Y-%m} {self.get_category_display()}"

    @property
    def monthly_dues(self):
        return rates.monthly_dues(self.monthly_income, self.category)


class DuesPayment(models.Model):
    """One member's dues for one month: the amount due when it was recorded, and what was paid."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField(_("month"))
    amount_due = models.DecimalField(_("amount due (yuan)"), max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField(_("amount paid (yuan)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["member", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_once_per_month"),
            models.CheckConstraint(condition=models.Q(amount_paid__gt=0), name="dues_paid_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m}"

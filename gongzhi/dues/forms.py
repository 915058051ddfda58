from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.dues.models import DuesCategory
from gongzhi.dues.months import month_start, parse_month


class MonthField(forms.Field):
    """A month typed as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if hasattr(value, "year"):
            return month_start(value)
        try:
            return parse_month(str(value))
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if hasattr(value, "year") else value


class PaymentForm(forms.Form):
    month = MonthField(label=_("Month"), initial=lambda: month_start(timezone.localdate()))
    amount_paid = forms.DecimalField(
        label=_("Amount paid (yuan)"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    paid_on = forms.DateField(
        label=_("Paid on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class ProfileForm(forms.Form):
    category = forms.ChoiceField(label=_("Dues category"), choices=DuesCategory.choices)
    monthly_income = forms.DecimalField(
        label=_("Monthly after-tax income (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        help_text=_(
            "Students, the unemployed and those on the minimum living allowance pay 0.20 yuan a month."
        ),
    )
    applies_from = MonthField(
        label=_("Applies from (month)"), initial=lambda: month_start(timezone.localdate())
    )

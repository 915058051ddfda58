from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.workdays.models import DayKind


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Choose…")), *DayKind.choices])
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("For example, the State Council notice the day comes from."),
    )

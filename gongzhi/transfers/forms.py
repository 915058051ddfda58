from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.members.models import Member
from gongzhi.transfers.models import Direction


class TransferIssueForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.OUT)
    member = ModelChoice(
        label=_("Member"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("For a transfer in, register the person as a member first, or give their name below."),
    )
    person_name = forms.CharField(
        label=_("Name of a person not registered yet"), max_length=50, required=False
    )
    counterpart = forms.CharField(label=_("Counterpart organisation"), max_length=200)
    absence_months = forms.IntegerField(
        label=_("Expected absence (months)"),
        min_value=1,
        max_value=600,
        help_text=_("More than 6 months: introduction letter; 6 months or less: certificate letter."),
    )
    issued_on = forms.DateField(
        label=_("Issued on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members if members is not None else Member.objects.none()


class TransferReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), required=False)

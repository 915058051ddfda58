from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.territory.models import code_validator


class OrgEstablishForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=64, validators=[code_validator])
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices, initial=OrgKind.BRANCH)
    place = forms.CharField(label=_("Anchored at (place code)"), max_length=64)
    parent = ModelChoice(label=_("Parent organisation"), queryset=PartyOrg.objects.none(), required=False)
    areas = forms.CharField(
        label=_("Areas covered (place codes)"),
        required=False,
        help_text=_("Separate codes with commas or spaces."),
    )
    on = forms.DateField(
        label=_("Established on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents if parents is not None else PartyOrg.objects.none()


class OrgRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=100)
    on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OrgDissolveForm(forms.Form):
    on = forms.DateField(
        label=_("Dissolved on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CoverageAddForm(forms.Form):
    area = forms.CharField(label=_("Area (place code)"), max_length=64)
    org = ModelChoice(label=_("Organisation"), queryset=PartyOrg.objects.none())
    since = forms.DateField(
        label=_("Since"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else PartyOrg.objects.none()

"""Forms of the collective economy. They parse input; the services decide what is acceptable."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.collective.models import Company, Step, Subject
from gongzhi.collective.services import check_document
from gongzhi.core.forms import ModelChoice
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place, code_validator

DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png,image/webp"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(label, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=2, help_text=help_text
    )


def _count_field(label, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=0)


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return obj.name


class CompanyForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=64, validators=[code_validator], help_text=_("e.g. dagangkan-gs")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    resident_group = PlaceChoiceField(label=_("Resident group"), queryset=Place.objects.none())
    branch = ModelChoice(
        label=_("Supervising party branch"), queryset=PartyOrg.objects.none(), required=False
    )
    chairman = forms.CharField(label=_("Chairman"), max_length=50, required=False)
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=_date_input())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, places=None, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident_group"].queryset = places if places is not None else Place.objects.none()
        self.fields["branch"].queryset = branches if branches is not None else PartyOrg.objects.none()


class CompanyYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    shareholders = forms.IntegerField(label=_("Shareholders"))
    revenue = _money_field(_("Revenue (yuan)"))
    profit = _money_field(_("Profit (yuan)"), help_text=_("Negative for a loss."))
    dividend_per_share = _money_field(_("Dividend per share (yuan)"))
    total_dividends = _money_field(
        _("Total dividends (yuan)"),
        required=False,
        help_text=_("Leave empty to compute it: dividend per share × shareholders."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _checked_document(upload):
    if upload:
        try:
            check_document(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("document") or exc.messages) from exc
    return upload


class _DocumentMixin(forms.Form):
    document = forms.FileField(
        label=_("Document"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
        help_text=_("Minutes, sign-in sheet or notice: a PDF or a JPEG, PNG or WebP image, up to 10 MB."),
    )

    def clean_document(self):
        return _checked_document(self.cleaned_data.get("document"))


class DecisionProposeForm(_DocumentMixin):
    company = ModelChoice(label=_("Company"), queryset=Company.objects.none(), required=False)
    resident_group = PlaceChoiceField(
        label=_("Resident group"),
        queryset=Place.objects.none(),
        required=False,
        help_text=_("When the matter is the resident group's and not a company's."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    subject = forms.ChoiceField(label=_("Subject"), choices=Subject.choices)
    amount = _money_field(_("Amount (yuan)"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    held_on = forms.DateField(label=_("Proposed on"), initial=timezone.localdate, widget=_date_input())
    note = forms.CharField(
        label=_("Note on the proposal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, companies=None, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies if companies is not None else Company.objects.none()
        self.fields["resident_group"].queryset = places if places is not None else Place.objects.none()
        self.order_fields(
            ["company", "resident_group", "title", "subject", "amount", "description", "held_on", "note"]
        )

    def clean(self):
        data = super().clean()
        company, place = data.get("company"), data.get("resident_group")
        if company is None and place is None:
            raise ValidationError(_("Choose the company or the resident group the matter concerns."))
        if company is not None and place is not None and company.resident_group_id != place.pk:
            self.add_error("company", _("The company belongs to another resident group."))
        return data


class DecisionStepForm(_DocumentMixin):
    step = forms.ChoiceField(label=_("Step"), choices=Step.choices)
    held_on = forms.DateField(label=_("Held on"), initial=timezone.localdate, widget=_date_input())
    present = _count_field(_("Present"))
    entitled = _count_field(_("Entitled to attend"))
    votes_for = _count_field(_("Votes for"))
    votes_against = _count_field(_("Votes against"))
    votes_abstain = _count_field(_("Abstentions"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = [
        "step",
        "held_on",
        "present",
        "entitled",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "note",
    ]


class DocumentForm(_DocumentMixin):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].required = True

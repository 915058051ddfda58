"""Forms for the steps of recruitment; the services do the validating that matters."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.members.models import Education, Gender, Member
from gongzhi.party.models import PartyOrg
from gongzhi.recruitment import rules


def _date(label):
    return forms.DateField(
        label=label, initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


def _note(label, required=True):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": 2}))


class MemberChoiceForm(forms.Form):
    """A form offering the branch's full members to choose from (contacts, introducers)."""

    member_field = ""

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.member_field].queryset = members if members is not None else Member.objects.none()


class ApplyForm(forms.Form):
    branch = ModelChoice(label=_("Branch"), queryset=PartyOrg.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, initial="汉族")
    birth_date = forms.DateField(label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}))
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    education = forms.ChoiceField(
        label=_("Education"), choices=[("", "—"), *Education.choices], required=False
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    applied_on = _date(_("Application date"))

    def __init__(self, *args, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches if branches is not None else PartyOrg.objects.none()


class TalkForm(forms.Form):
    on = _date(_("Talk held on"))
    note = _note(_("Note"), required=False)


class ActivistForm(MemberChoiceForm):
    member_field = "contacts"
    on = _date(_("Activist since"))
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contact persons"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One or two full members of the branch."),
    )


class ReviewForm(forms.Form):
    on = _date(_("Reviewed on"))
    note = _note(_("Conclusion"))


class CandidateForm(MemberChoiceForm):
    member_field = "introducers"
    on = _date(_("Development candidate since"))
    introducers = forms.ModelMultipleChoiceField(
        label=_("Introducers"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Two full members of the branch."),
    )


class VettingForm(forms.Form):
    on = _date(_("Vetting completed on"))
    note = _note(_("Conclusion"))


class TrainingForm(forms.Form):
    start = _date(_("Training from"))
    end = _date(_("Training until"))
    hours = forms.IntegerField(
        label=_("Class hours"), min_value=0, max_value=1000, help_text=_("At least 3 days or 24 hours.")
    )


class VoteForm(forms.Form):
    on = _date(_("Branch general meeting on"))
    eligible_voters = forms.IntegerField(
        label=_("Full members entitled to vote"), min_value=1, max_value=10000
    )
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, max_value=10000)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, max_value=10000)


class ApprovalForm(forms.Form):
    on = _date(_("Approved by the higher committee on"))


class ExtendForm(forms.Form):
    on = _date(_("Decided on"))
    months = forms.IntegerField(
        label=_("Extend by (months)"),
        min_value=rules.EXTENSION_MIN_MONTHS,
        max_value=rules.EXTENSION_MAX_MONTHS,
    )
    reason = _note(_("Reason"))


class FullForm(forms.Form):
    on = _date(_("Full member since"))

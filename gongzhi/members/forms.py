from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.members.models import Education, Gender, Member, MemberStatus, OutsideTitle, PostTitle
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place

DATE = forms.DateInput(attrs={"type": "date"})


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, initial="汉族")
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE)
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    education = forms.ChoiceField(
        label=_("Education"), choices=[("", "—"), *Education.choices], required=False
    )
    joined_on = forms.DateField(label=_("Joined the party on"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)
    full_on = forms.DateField(label=_("Full member since"), widget=DATE, required=False)
    branch = ModelChoice(label=_("Branch"), queryset=PartyOrg.objects.none())
    home_place = ModelChoice(label=_("Home place"), queryset=Place.objects.none(), required=False)
    is_owner = forms.BooleanField(label=_("Owns a home there"), required=False)
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, branches=None, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches if branches is not None else PartyOrg.objects.none()
        self.fields["home_place"].queryset = places if places is not None else Place.objects.none()


class PostAppointForm(forms.Form):
    member = ModelChoice(label=_("Member"), queryset=Member.objects.none())
    title = forms.ChoiceField(label=_("Post"), choices=PostTitle.choices)
    since = forms.DateField(label=_("Since"), initial=timezone.localdate, widget=DATE)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members if members is not None else Member.objects.none()


class OutsidePostForm(forms.Form):
    title = forms.ChoiceField(label=_("Post"), choices=OutsideTitle.choices)
    organisation = forms.CharField(label=_("Organisation or body"), max_length=100)
    since = forms.DateField(label=_("Since"), initial=timezone.localdate, widget=DATE)

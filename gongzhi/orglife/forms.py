from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.members.models import Member
from gongzhi.orglife.files import check_upload
from gongzhi.orglife.models import AttachmentKind, LifeRecord
from gongzhi.orglife.rules import Grade, LifeType
from gongzhi.party.models import PartyOrg

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _checked_upload(kind: str, upload):
    if upload:
        try:
            check_upload(kind, upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("file") or exc.messages) from exc
    return upload


class LifeRecordForm(forms.Form):
    """A record with its attendance: one row per member of the branch, with a grade for an appraisal."""

    type = forms.ChoiceField(label=_("Type"), choices=LifeType.choices)
    group = ModelChoice(
        label=_("Party group"),
        queryset=PartyOrg.objects.none(),
        required=False,
        help_text=_("Only for a party group meeting."),
    )
    held_on = forms.DateField(label=_("Held on"), initial=timezone.localdate, widget=_date_input())
    topic = forms.CharField(label=_("Topic"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    chair = ModelChoice(label=_("Chair"), queryset=Member.objects.none(), required=False)
    note_taker = ModelChoice(label=_("Note-taker"), queryset=Member.objects.none(), required=False)
    expected = forms.IntegerField(
        label=_("Expected attendance"),
        min_value=0,
        required=False,
        help_text=_("Leave empty to count the members of the branch on the day."),
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attended"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    on_leave = forms.ModelMultipleChoiceField(
        label=_("On leave"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    resolutions = forms.CharField(
        label=_("Resolutions"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES}),
        help_text=_("JPEG, PNG or WebP, up to 10 MB."),
    )
    sign_in_sheet = forms.FileField(
        label=_("Sign-in sheet"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES + ",application/pdf"}),
        help_text=_("A scan or photo (JPEG, PNG, WebP) or a PDF, up to 10 MB."),
    )

    MAIN_FIELDS = ("type", "group", "held_on", "topic", "location", "chair", "note_taker", "expected")

    def __init__(
        self, *args: Any, members: list[Member], groups, fixed_group: PartyOrg | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.members = members
        ids = [m.pk for m in members]
        for name in ("chair", "note_taker", "attendees", "on_leave"):
            self.fields[name].queryset = Member.objects.filter(pk__in=ids).order_by("pinyin", "id")
        self.fields["group"].queryset = groups
        self.fixed_group = fixed_group
        if fixed_group is not None:
            self.fields["type"].choices = [(LifeType.GROUP_MEETING, LifeType.GROUP_MEETING.label)]
            self.fields["group"].initial = fixed_group.pk
            self.fields["group"].disabled = True
        for member in members:
            self.fields[f"grade_{member.pk}"] = forms.ChoiceField(
                label=member.name, choices=[("", "—"), *Grade.choices], required=False
            )

    def main_fields(self):
        return [self[name] for name in self.MAIN_FIELDS]

    def _chosen(self, name: str) -> set[str]:
        if self.is_bound:
            return set(self.data.getlist(name)) if hasattr(self.data, "getlist") else set()
        return {str(getattr(v, "pk", v)) for v in self.initial.get(name, [])}

    def member_rows(self) -> list[dict[str, Any]]:
        attended, leave = self._chosen("attendees"), self._chosen("on_leave")
        return [
            {
                "member": m,
                "attended": str(m.pk) in attended,
                "on_leave": str(m.pk) in leave,
                "grade": self[f"grade_{m.pk}"],
            }
            for m in self.members
        ]

    def clean_photo(self):
        return _checked_upload(AttachmentKind.PHOTO, self.cleaned_data.get("photo"))

    def clean_sign_in_sheet(self):
        return _checked_upload(AttachmentKind.SIGN_IN_SHEET, self.cleaned_data.get("sign_in_sheet"))

    def clean(self):
        data = super().clean()
        if data.get("type") == LifeType.GROUP_MEETING and not (data.get("group") or self.fixed_group):
            self.add_error("group", _("Choose the party group that met."))
        return data

    def grades(self) -> dict[Member, str]:
        if self.cleaned_data.get("type") != LifeType.APPRAISAL:
            return {}
        return {
            m: self.cleaned_data[f"grade_{m.pk}"]
            for m in self.members
            if self.cleaned_data.get(f"grade_{m.pk}")
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "type": data["type"],
            "held_on": data["held_on"],
            "topic": data["topic"],
            "location": data["location"],
            "chair": data["chair"],
            "note_taker": data["note_taker"],
            "expected": data["expected"],
            "attendees": list(data["attendees"]),
            "on_leave": list(data["on_leave"]),
            "resolutions": data["resolutions"],
            "grades": self.grades(),
        }


def initial_for(record: LifeRecord) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "type": record.type,
        "group": record.org_id if record.type == LifeType.GROUP_MEETING else None,
        "held_on": record.held_on,
        "topic": record.topic,
        "location": record.location,
        "chair": record.chair_id,
        "note_taker": record.note_taker_id,
        "expected": record.expected,
        "attendees": list(record.attendees.all()),
        "on_leave": list(record.on_leave.all()),
        "resolutions": record.resolutions,
    }
    initial.update({f"grade_{g.member_id}": g.grade for g in record.grades.all()})
    return initial


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(
        label=_("File"), help_text=_("Photos: JPEG, PNG or WebP; sign-in sheets also PDF; up to 10 MB.")
    )

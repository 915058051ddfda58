"""The portal's forms. They only shape the input: every rule on a demand is checked by the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.core.pii import validate_phone
from gongzhi.demands.models import Category, Rating
from gongzhi.territory.models import RESIDENTIAL_KINDS, Place, PlaceKind

# Where a resident may say a problem is: a residential area, or a building or grid inside one.
REPORTABLE_KINDS = (*RESIDENTIAL_KINDS, PlaceKind.GRID, PlaceKind.BUILDING)
COMMENT_MAX = 1000


class ReportForm(forms.Form):
    category = ModelChoice(
        queryset=Category.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose what kind of problem it is."),
            "invalid_choice": _("Choose one of the kinds of problem shown."),
        },
    )
    place = ModelChoice(
        queryset=Place.objects.none(),
        error_messages={
            "required": _("Choose where the problem is."),
            "invalid_choice": _("Choose a residential area or a building from the list."),
        },
    )
    description = forms.CharField(
        widget=forms.Textarea, error_messages={"required": _("Describe the problem.")}
    )
    contact_name = forms.CharField(
        max_length=50,
        required=False,
        error_messages={"max_length": _("Your name can be at most %(limit_value)d characters.")},
    )
    contact_phone = forms.CharField(max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form: "open" depends on today's date.
        self.fields["category"].queryset = Category.objects.filter(active=True)
        self.fields["place"].queryset = Place.objects.open().filter(kind__in=REPORTABLE_KINDS)

    def clean_description(self) -> str:
        # Browsers send line breaks as CRLF but count them as one character against the limit.
        return self.cleaned_data["description"].replace("\r\n", "\n")

    def clean_contact_phone(self) -> str:
        # The service checks it too; checking here as well reports it together with the form's own errors.
        phone = self.cleaned_data["contact_phone"]
        return validate_phone(phone) if phone else ""


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        choices=Rating.choices,
        error_messages={
            "required": _("Choose satisfied, basically satisfied or dissatisfied."),
            "invalid_choice": _("Choose satisfied, basically satisfied or dissatisfied."),
        },
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea,
        error_messages={"max_length": _("The comment can be at most %(limit_value)d characters.")},
    )


def add_errors(form: forms.Form, exc: ValidationError, elsewhere: dict[str, list[str]]) -> None:
    """Put a service's errors on the form's fields; errors on fields the form lacks go to `elsewhere`."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.error_dict.items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
        else:
            elsewhere.setdefault(field, []).extend(m for e in errors for m in e.messages)

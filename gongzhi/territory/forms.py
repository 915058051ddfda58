from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.territory.models import Place, PlaceKind, ServicePointKind, code_validator


class PlaceCreateForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        validators=[code_validator],
        help_text=_("A short unique code, e.g. wuhe-xincun."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlaceKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PlaceEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PlaceMoveForm(forms.Form):
    new_parent = ModelChoice(label=_("New parent place"), queryset=Place.objects.none())

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parents if parents is not None else Place.objects.none()


class CloseForm(forms.Form):
    on = forms.DateField(
        label=_("Closed on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class ServicePointForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=64, validators=[code_validator])
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ServicePointKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)


class ServicePointAreasForm(forms.Form):
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas served"),
        queryset=Place.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = candidates if candidates is not None else Place.objects.none()


def bootstrapify(form: forms.Form) -> forms.Form:
    """Give every widget Bootstrap's classes. Only styles: it must not run validation (fields may still
    change after it, e.g. a disabled code); invalid fields are marked by the template."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            continue
        widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"
    return form

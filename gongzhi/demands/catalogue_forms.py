"""Forms of the catalogue pages (categories and their questions). They parse input; the services in
`demands.catalogue` decide what is allowed and say why not."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.demands.catalogue import LIMIT_DAYS, LIST_TYPES, choices_text, limit_message, parse_choices
from gongzhi.demands.models import AttributeType, Category, CategoryAttribute

TYPE_LABELS = {
    AttributeType.STRING: _("Short text"),
    AttributeType.TEXT: _("Long text"),
    AttributeType.NUMBER: _("Number"),
    AttributeType.DATETIME: _("Date and time"),
    AttributeType.SINGLE: _("One of the choices"),
    AttributeType.MULTI: _("Any of the choices"),
}


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "group",
            "description",
            "keywords",
            "urgency",
            "limit_days",
            "order",
            "active",
        ]
        help_texts = {
            "code": _(
                "Lower-case letters, digits and hyphens. It is the Open311 service code and cannot change."
            ),
            "keywords": _("Words residents use for this problem, separated by spaces; they help the search."),
            "limit_days": _(
                "Working days to resolve a demand, 1 to 60. A change applies to demands submitted afterwards."
            ),
            "order": _("Smaller numbers come first in the lists."),
            "active": _("Out of use: no new demands under it; the demands already in keep it."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Shown, not sent: the code is fixed once the category exists.
            self.fields["code"].disabled = True
        # The service checks the limit with its own message (and uniqueness of the code).
        self.fields["limit_days"].widget.attrs.update({"min": 1, "max": 60})

    def validate_unique(self) -> None:
        """Left to the service, which words it for the catalogue."""

    def clean_limit_days(self) -> int:
        # In the service's words, also for numbers too large for the column (which the service never sees).
        value = self.cleaned_data["limit_days"]
        if value not in LIMIT_DAYS:
            raise forms.ValidationError(limit_message())
        return value


class QuestionForm(forms.ModelForm):
    # Edited as lines of text, stored as [{"key": …, "name": …}].
    values = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For the two kinds with choices: one per line, as key=name, e.g. night=夜间."),
    )

    class Meta:
        model = CategoryAttribute
        fields = ["code", "description", "datatype", "required", "datatype_description", "order", "values"]
        help_texts = {
            "code": _(
                "Lower-case letters, digits and hyphens; Open311 clients answer under it. It cannot change."
            ),
            "description": _("As residents will read it, e.g. 噪音通常在什么时候出现？"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["datatype"].choices = list(TYPE_LABELS.items())
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.initial["values"] = choices_text(self.instance.values)

    def validate_unique(self) -> None:
        """Left to the service, which words it for the catalogue."""

    def clean_values(self) -> list[dict[str, str]]:
        if self.cleaned_data.get("datatype") not in LIST_TYPES:
            return []  # the other kinds have no choices: whatever is in the box is not kept
        try:
            return parse_choices(self.cleaned_data.get("values") or "")
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["values"]) from exc

    def service_values(self) -> dict[str, Any]:
        """The fields as the services take them."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

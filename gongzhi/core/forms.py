from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHOOSE = _("Choose…")


class ModelChoice(forms.ModelChoiceField):
    """A pick among rows whose empty option says "Choose…" (请选择…), not Django's "---------"."""

    def __init__(self, *args, empty_label=CHOOSE, **kwargs):
        super().__init__(*args, empty_label=empty_label, **kwargs)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's validation error on the form: on its field where the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def needed(field: forms.Field) -> forms.Field:
    """Mark a field the service requires while the form leaves it optional.

    Some forms leave a field optional on purpose, so that an empty one reaches the service and the page shows
    the service's own message ("Say why it is returned.") rather than Django's generic one. The person
    filling it in should still see that it must be filled: the label gets the same red asterisk as a
    required field (includes/form_fields.html), and screen readers hear it through aria-required."""
    field.needed = True
    field.widget.attrs["aria-required"] = "true"
    return field

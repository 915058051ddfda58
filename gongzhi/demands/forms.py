"""Forms of the staff pages. They parse input only: what is allowed is decided by the services, whose
messages are shown on the fields (`core.forms.add_service_errors`). Required reasons and the extension
limit are left to the services on purpose, so that the page shows their domain message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice, needed
from gongzhi.demands.models import MAX_PHOTOS, Category, Channel, Level
from gongzhi.territory.models import ServicePoint


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label, rows: int = 2, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


def _needed_text(label, rows: int = 2) -> forms.CharField:
    """A text the service requires (and says so in its own words when it is empty): marked as required."""
    return needed(_text(label, rows))


# --- the filters of the lists ------------------------------------------------------------------------------

INPUT_TEMPLATES = frozenset(f"django/forms/widgets/{kind}.html" for kind in ("text", "date", "checkbox"))
SELECT_TEMPLATE = "django/forms/widgets/select.html"


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    return mark_safe(
        "".join(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


class PlainWidgetRenderer(DjangoTemplates):
    """Renders <input> and <select> widgets in Python, to the very markup of Django's widget templates.

    The filter form is on every list page, and through the templates each of its select options is a
    template render of its own: some 4 ms of the worklist's 30. The widgets' context (names, ids, values,
    selected options) still comes from Django; only the last step, context to HTML, is done here, with the
    templates' whitespace. Anything else (option groups, other widgets) goes through the templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if template_name in INPUT_TEMPLATES:
            return self._input(widget)
        if template_name == SELECT_TEMPLATE and not any(group for group, _opts, _i in widget["optgroups"]):
            return self._select(widget)
        return super().render(template_name, context, request)

    @staticmethod
    def _input(widget: dict[str, Any]) -> str:
        value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            value,
            _attrs_html(widget["attrs"]),
        )

    @staticmethod
    def _select(widget: dict[str, Any]) -> str:
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            (
                (option["value"], _attrs_html(option["attrs"]), option["label"])
                for _group, options, _index in widget["optgroups"]
                for option in options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', widget["name"], _attrs_html(widget["attrs"]), options
        )


class CategoryChoices(ModelChoiceIterator):
    """The categories as (pk, name), read in one plain query: the filter shows nothing else of them.
    (Django's iterator builds every Category through a server-side cursor.)"""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class CategoryFilterField(forms.ModelChoiceField):
    iterator = CategoryChoices


class DemandFilterForm(forms.Form):
    """The filters of the worklist and the list (GET). Invalid values are simply left out."""

    default_renderer = PlainWidgetRenderer()  # one instance: its template engine is built once

    status = forms.ChoiceField(label=_("Status"), required=False)
    category = CategoryFilterField(label=_("Category"), queryset=Category.objects.all(), required=False)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("All levels")), *Level.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    place = forms.CharField(label=_("Place"), max_length=50, required=False)
    since = forms.DateField(label=_("Submitted from"), required=False, widget=_date_input())
    until = forms.DateField(label=_("Submitted until"), required=False, widget=_date_input())
    q = forms.CharField(label=_("Number or text"), max_length=100, required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("due", _("Deadline, soonest first")),
            ("-due", _("Deadline, latest first")),
            ("new", _("Newest first")),
            ("old", _("Oldest first")),
        ],
    )

    def __init__(self, *args: Any, statuses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All states")), *statuses]
        self.fields["category"].empty_label = _("All categories")
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"
        self.fields["mine"].widget.attrs["class"] = "form-check-input"
        self.fields["place"].widget.attrs["placeholder"] = _("Name, code or pinyin initials")
        self.fields["q"].widget.attrs["placeholder"] = _("Demand number or words of the description")

    def values(self) -> dict[str, Any]:
        """The valid filters; a bad value (a mistyped date) is dropped instead of failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}


# --- actions ---------------------------------------------------------------------------------------------


class AcceptForm(forms.Form):
    pass


class DispatchForm(forms.Form):
    handler = ModelChoice(
        label=_("Handler"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to send it to the station without naming a person."),
    )
    note = _text(_("Note"))

    def __init__(self, *args: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].empty_label = _("The station (no named handler)")


class ContactForm(forms.Form):
    note = _text(_("What was agreed with the resident"))


class TransferForm(forms.Form):
    station = ModelChoice(
        label=_("Service point"), queryset=ServicePoint.objects.none(), empty_label=_("Choose…")
    )
    reason = _needed_text(_("Reason"))

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class ReasonForm(forms.Form):
    """Return and reject: the service asks for the reason."""

    reason = _needed_text(_("Reason"))


class EscalateForm(forms.Form):
    """Escalating by hand may go without a reason (the timeline then says it was escalated by hand)."""

    reason = _text(_("Reason"))


class ExtendForm(forms.Form):
    # No maximum here: the service knows the limit (10 working days in all) and says so.
    days = forms.IntegerField(label=_("Working days"), help_text=_("1 to 10 working days in all."))
    reason = _needed_text(_("Reason"))


class ResolveForm(forms.Form):
    reply = _needed_text(_("Reply to the resident"), rows=4)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Merge into demand number"),
        max_length=20,
        help_text=_("An open demand, e.g. SQ20250301000042."),
    )


# --- intake ----------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to MAX_PHOTOS photos; what they are is checked by the service (magic bytes and size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class _PlacedForm(forms.Form):
    """A form whose place is chosen by code among `places` (the search box fills it)."""

    category = ModelChoice(
        label=_("Category"), queryset=Category.objects.filter(active=True), empty_label=_("Choose…")
    )
    place = forms.CharField(label=_("Place"), max_length=64, required=False, widget=forms.HiddenInput)
    place_q = forms.CharField(label=_("Place"), max_length=64, required=False)
    description = _text(_("Description"), rows=5, required=True, max_length=4000)
    photos = MultiplePhotoField(label=_("Photos"), help_text=_("Up to 6 JPEG, PNG or WebP images."))

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = places
        self.fields["place_q"].widget.attrs.update(
            {"placeholder": _("Code, name or pinyin initials"), "autocomplete": "off"}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = (data.get("place") or "").strip()
        place = self.places.filter(code=code).first() if code else None
        query = (data.get("place_q") or "").strip()
        if place is None and query:
            # Without the lookup (no JavaScript), an exact code or a single match is enough.
            found = list(self.places.filter(code=query)[:1]) or list(self.places.search(query)[:2])
            place = found[0] if len(found) == 1 else None
        if place is None:
            self.add_error("place_q", _("Choose the place from the search results."))
        data["place"] = place
        return data


class IntakeForm(_PlacedForm):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(Channel.WALK_IN, Channel.WALK_IN.label), (Channel.PHONE, Channel.PHONE.label)],
        widget=forms.RadioSelect,
        initial=Channel.WALK_IN,
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    field_order = ["channel", "category", "place_q", "place", "description", "contact_name", "contact_phone"]


class GridReportForm(_PlacedForm):
    pass

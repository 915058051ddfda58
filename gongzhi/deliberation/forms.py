"""Forms of the deliberation pages. They parse input only; the services decide what is allowed.

Select lists that appear once per row of a page (the owner of an action under each resolution, the topic to
merge into under each proposed topic) take their choices as a ready list, so a page with many rows still
runs a fixed number of queries.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ModelChoice
from gongzhi.deliberation.choices import (
    ActionStatus,
    MajorityRule,
    MeetingMode,
    Stakeholder,
    TopicSource,
    TopicStatus,
    VoteChoice,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
Choices = list[tuple[str, str]]


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class MarkedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes each marked `data-testid="<prefix>-<value>"`, so a test can tick a given record."""

    def __init__(self, prefix: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix = prefix

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["data-testid"] = f"{self.prefix}-{value}"
        return option


class SeatForm(forms.Form):
    stakeholder = forms.ChoiceField(label=_("Stakeholder"), choices=Stakeholder.choices)
    user = ModelChoice(
        label=_("Account"),
        queryset=None,
        required=False,
        help_text=_("A holder with an account can vote online."),
    )
    member = ModelChoice(label=_("Party member"), queryset=None, required=False)
    holder_name = forms.CharField(
        label=_("Holder's name"),
        max_length=50,
        required=False,
        help_text=_("For a holder who has neither an account nor a party member record."),
    )
    organisation = forms.CharField(label=_("Organisation represented"), max_length=100, required=False)
    since = forms.DateField(label=_("Term since"), widget=DATE, initial=timezone.localdate)
    until = forms.DateField(label=_("Term until"), widget=DATE, required=False)

    def __init__(self, *args, users=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["member"].queryset = members


class SeatEndForm(forms.Form):
    on = forms.DateField(label=_("Term ends on"), widget=DATE, initial=timezone.localdate)


class TopicRaiseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=_area(4), required=False)
    source = forms.ChoiceField(
        label=_("Raised by"), choices=[c for c in TopicSource.choices if c[0] != TopicSource.DEMAND]
    )


class TopicFromDemandsForm(forms.Form):
    demands = forms.ModelMultipleChoiceField(
        label=_("Demands"), queryset=None, widget=MarkedCheckboxes("demand")
    )
    title = forms.CharField(label=_("Title of the topic"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=_area(3), required=False)

    def __init__(self, *args, demands=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demands"].queryset = demands


class TopicScreenForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in TopicStatus.choices if c[0] != TopicStatus.PROPOSED],
    )
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label=_("Reason for declining"), widget=_area(2), required=False)

    def __init__(self, *args, into_choices: Choices = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "—"), *into_choices]


class MeetingScheduleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scheduled_at = forms.DateTimeField(
        label=_("Time"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=MeetingMode.choices, initial=MeetingMode.IN_PERSON)
    topics = forms.ModelMultipleChoiceField(
        label=_("Agenda: accepted topics"),
        queryset=None,
        required=False,
        widget=MarkedCheckboxes("topic"),
    )

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topics


class AgendaAddForm(forms.Form):
    topic = ModelChoice(label=_("Accepted topic"), queryset=None)

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=_area(8), required=False)


class MotionForm(forms.Form):
    text = forms.CharField(label=_("Motion"), widget=_area(3))
    agenda_item = forms.TypedChoiceField(label=_("Agenda item"), coerce=int, required=False, empty_value=None)
    rule = forms.ChoiceField(
        label=_("Majority rule"),
        required=False,
        choices=[("", _("The committee's rule")), *MajorityRule.choices],
        help_text=_("Special matters need two thirds of the members present."),
    )

    def __init__(self, *args, agenda_choices: Choices = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].choices = [("", "—"), *agenda_choices]


class ResolutionForm(forms.Form):
    text = forms.CharField(
        label=_("Resolution"),
        widget=_area(2),
        required=False,
        help_text=_("Leave blank to adopt the motion's own words."),
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Vote"), choices=VoteChoice.choices)


class ActionAddForm(forms.Form):
    title = forms.CharField(label=_("Action item"), max_length=200)
    owner = forms.TypedChoiceField(
        label=_("Carried out by (account)"), coerce=int, required=False, empty_value=None
    )
    owner_name = forms.CharField(
        label=_("Carried out by (person or unit)"),
        max_length=100,
        required=False,
        help_text=_("When the person or unit has no account."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)

    def __init__(self, *args, owner_choices: Choices = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *owner_choices]


class ActionUpdateForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("From the progress")), *ActionStatus.choices],
    )
    note = forms.CharField(label=_("Note"), widget=_area(2), required=False)
    resolve_demands = forms.BooleanField(label=_("Done: resolve the demands behind it"), required=False)


class AmendForm(forms.Form):
    record = forms.ChoiceField(label=_("What to correct"))
    value = forms.CharField(
        label=_("Correct value"),
        widget=_area(4),
        required=False,
        help_text=_("For present or on leave: yes or no. For attendance mode: in_person or online."),
    )
    reason = forms.CharField(label=_("Reason"), widget=_area(2))

    def __init__(self, *args, records: Choices = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = records


def default_deadline() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)

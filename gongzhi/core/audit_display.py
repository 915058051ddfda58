"""The audit log as its page shows it: field names and coded values in the reader's language.

The log itself stays as written (field names and codes, so that it can be searched and compared whatever
the language); only the page translates, with the labels the models give their fields and choices."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from gongzhi.core.models import AuditEvent

SYSTEM = "system"  # the actor_name of what no signed-in user did (audit_record)
REVEALED = ["***", "revealed"]  # what the services record when someone reads personal data in clear


class Change(NamedTuple):
    field: str
    before: Any
    after: Any


@cache
def _field(target_type: str, name: str) -> Field | None:
    try:
        field = apps.get_model(target_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field if isinstance(field, Field) else None  # a reverse relation has no label of its own


def _value(field: Field | None, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def actor(event: AuditEvent) -> str:
    """Who did it: the username, or "system" in the reader's language."""
    if event.actor_id is None and event.actor_name == SYSTEM:
        return _("system")
    return event.actor_name


def changes(event: AuditEvent) -> list[Change]:
    """The event's before/after values, each under its field's label (the raw name when the model has no
    such field: a value a service records that is not a column), coded values by their labels."""
    rows = []
    for name, values in event.changes.items():
        # Services record [before, after]; anything else is shown as it is, as the value after.
        before, after = values if isinstance(values, list) and len(values) == 2 else (None, values)
        field = _field(event.target_type, name)
        label = capfirst(str(field.verbose_name)) if field is not None else name
        if [before, after] == REVEALED:
            rows.append(Change(label, "***", _("shown in clear")))
            continue
        rows.append(Change(label, _value(field, before), _value(field, after)))
    return rows

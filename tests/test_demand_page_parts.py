"""The demand page's timeline, deadlines and action forms, drawn in Python (views/page_parts.py), are the
markup the page's template drew for them, character for character: the template loops are kept here as
the reference, and both are rendered from the same values in both languages, with text that must be
escaped."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from gongzhi.demands.views.page_parts import actions_html, deadlines_html, timeline_html

# The loops as demands/demand_detail.html had them (tbody, ol and the actions' list-group around them).
TIMELINE = (
    '{% for e in events %}<li class="list-group-item" data-kind="{{ e.kind }}"><strong>{{ e.at|date:"Y-m-d H:i" }}'
    '</strong> {{ e.kind_label }} <span class="badge {{ e.status_badge }}">{{ e.status_label }}</span> '
    '<span class="badge text-bg-light">{{ e.level_label }}</span> <span class="small text-muted">{{ e.actor }}'
    '</span>{% if e.note %}<div class="small text-break">{{ e.note|linebreaksbr }}</div>{% endif %}</li>'
    "{% endfor %}"
)
DEADLINES = """{% load i18n %}{% for row in deadlines %}<tr{% if row.overdue %} class="table-danger" data-overdue="1"{% elif row.late %} class="table-warning"{% endif %}>
          <td>{{ row.label }}</td><td>{{ row.due|date:"Y-m-d H:i" }}{% if row.overdue %} <span class="badge text-bg-danger">{% translate "Overdue" %}</span>{% endif %}</td>
          <td>{% if row.met %}{{ row.met|date:"Y-m-d H:i" }}{% if row.late %} <span class="badge text-bg-warning">{% translate "Late" %}</span>{% endif %}{% else %}—{% endif %}</td>
        </tr>{% endfor %}"""
ACTIONS = """{% for name, label, fields, url in action_forms %}
        <form method="post" action="{{ url }}" class="list-group-item{% if name == failed_action %} border border-danger{% endif %}" id="action-{{ name }}" novalidate>
          {% csrf_token %}
          <div class="fw-semibold small mb-1">{{ label }}</div>
          {{ fields }}
          <button type="submit" class="btn btn-sm {% if name == 'reject' or name == 'return' %}btn-outline-danger{% elif name == 'resolve' or name == 'accept' or name == 'dispatch' %}btn-primary{% else %}btn-outline-primary{% endif %}" data-testid="action-{{ name }}">{{ label }}</button>
        </form>
        {% endfor %}"""

AT = datetime.datetime(2026, 10, 1, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Shenzhen: the zone is applied
EVIL = '<script>alert("x")</script> & 邻居'


def _events() -> list[dict]:
    return [
        {
            "at": AT,
            "kind": "submitted",
            "kind_label": translation.gettext("Submitted"),
            "status_badge": "text-bg-secondary",
            "status_label": "已提交",
            "level_label": "站点",
            "actor": EVIL,
            "note": "",
        },
        {
            "at": AT + datetime.timedelta(days=3, minutes=7),
            "kind": "returned",
            "kind_label": "退回",
            "status_badge": None,  # an unknown state: the template printed "None"
            "status_label": "returned",
            "level_label": "社区",
            "actor": "系统",
            "note": f"第一行\n第二行 {EVIL}\r\n\n第四行",
        },
    ]


def _deadlines() -> list[dict]:
    due = AT + datetime.timedelta(hours=2)
    return [
        {
            "label": "派单",
            "due": due,
            "met": due - datetime.timedelta(minutes=5),
            "late": False,
            "overdue": False,
        },
        {"label": EVIL, "due": due, "met": due + datetime.timedelta(days=1), "late": True, "overdue": False},
        {"label": "办结", "due": due, "met": None, "late": False, "overdue": True},
        {"label": "本级", "due": due, "met": None, "late": False, "overdue": False},
    ]


def _forms() -> list[tuple]:
    fields = mark_safe('<div class="mb-2"><textarea name="reply">旧的 &amp; 文本</textarea></div>')
    names = ("accept", "dispatch", "contact", "transfer", "return", "resolve", "reject", "merge")
    return [(n, f"{n} <b>", fields, f"/demands/7/{n}/") for n in names]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_page_parts_draw_what_the_template_drew(language):
    with translation.override(language), timezone.override("Asia/Shanghai"):
        events, deadlines, forms = _events(), _deadlines(), _forms()
        assert timeline_html(events) == Template(TIMELINE).render(Context({"events": events}))
        assert deadlines_html(deadlines) == Template(DEADLINES).render(Context({"deadlines": deadlines}))
        for failed in ("", "transfer"):
            reference = Template(ACTIONS).render(
                Context({"action_forms": forms, "failed_action": failed, "csrf_token": "TOKEN"})
            )
            assert actions_html(forms, failed, "TOKEN") == reference
    # What a user sees of it: local times, escaped text, line breaks, flags.
    with translation.override(language), timezone.override("Asia/Shanghai"):
        timeline = timeline_html(_events())
        table = deadlines_html(_deadlines())
    assert "2026-10-01 09:30" in timeline and "<script>" not in timeline and "&lt;script&gt;" in timeline
    assert "第一行<br>第二行" in timeline
    assert table.count('data-overdue="1"') == 1 and table.count("table-warning") == 1
    assert ("逾期" if language == "zh-hans" else "Overdue") in table


def test_no_events_deadlines_or_actions_draw_nothing():
    assert timeline_html([]) == deadlines_html([]) == actions_html([], "", "TOKEN") == ""

"""A demand's page stays cheap: the similar open demands come in their own panel (loaded by htmx), the
action forms are drawn from lists read once, and what the page reads does not grow with the demand."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import get_language

from gongzhi.demands import services
from gongzhi.demands.models import Category, Demand
from tests.factories import make_point

PHONE = "13812345678"


@pytest.fixture
def category(db):
    return Category.objects.create(code="repair", name="公共设施维修", limit_days=5)


def submit(place, category, description="三栋电梯经常停运困人") -> Demand:
    return services.demand_submit(
        by=None,
        channel="walk_in",
        category=category,
        place=place,
        description=description,
        contact_name="张三",
        contact_phone=PHONE,
    )


def test_the_page_loads_the_similar_demands_after_it_is_shown(client_for, wuhe_staff, world, category):
    first = submit(world.estate, category)
    duplicate = submit(world.estate, category, description="三栋电梯经常停运，困人")
    page = client_for(wuhe_staff).get(f"/demands/{duplicate.pk}/").content.decode()
    panel_url = f"/demands/{duplicate.pk}/similar/"
    assert f'hx-get="{panel_url}" hx-trigger="load"' in page
    assert f'href="{panel_url}"' in page  # without JavaScript: a plain link to the panel
    assert first.number not in page  # not scored while the page is drawn


def test_the_similar_panel_lists_similar_open_demands_to_merge_into(client_for, wuhe_staff, world, category):
    first = submit(world.estate, category)
    duplicate = submit(world.estate, category, description="三栋电梯经常停运，困人")
    submit(world.estate, category, description="小区门口的路灯不亮")  # not similar
    response = client_for(wuhe_staff).get(f"/demands/{duplicate.pk}/similar/")
    assert response.status_code == 200
    panel = response.content.decode()
    assert f'href="/demands/{first.pk}/"' in panel and first.number in panel
    assert duplicate.number not in panel  # never the demand itself
    assert "路灯" not in panel
    assert f'action="/demands/{duplicate.pk}/merge/"' in panel
    assert f'data-testid="merge-into-{first.number}"' in panel
    assert "<html" not in panel  # the panel only, swapped into the page


def test_the_similar_panel_is_scoped_like_the_page(client_for, outsider, auditor, resident, world, category):
    first = submit(world.estate, category)
    duplicate = submit(world.estate, category, description="三栋电梯经常停运，困人")
    url = f"/demands/{duplicate.pk}/similar/"
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(resident).get(url).status_code == 404
    assert client_for(outsider).get("/demands/999999/similar/").status_code == 404
    panel = client_for(auditor).get(url).content.decode()
    assert first.number in panel and "merge-into-" not in panel  # may read, may not merge


def test_a_closed_demand_has_no_similar_panel_to_load(client_for, wuhe_staff, world, category):
    submit(world.estate, category)
    duplicate = submit(world.estate, category, description="三栋电梯经常停运，困人")
    services.demand_reject(by=None, demand=duplicate, reason="重复")
    page = client_for(wuhe_staff).get(f"/demands/{duplicate.pk}/").content.decode()
    assert "/similar/" not in page and 'data-testid="similar"' in page
    panel = client_for(wuhe_staff).get(f"/demands/{duplicate.pk}/similar/").content.decode()
    assert "merge-into-" not in panel


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_page_reads_each_thing_once(client_for, wuhe_staff, secretary, world, category):
    make_point(world.wuhe, [], kind="station", code="wuhe-east")
    demand = submit(world.dgk, category)
    services.demand_dispatch(by=None, demand=demand, handler=secretary)
    services.demand_contact(by=wuhe_staff, demand=demand, note="已电话联系")
    client = client_for(wuhe_staff)
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'data-testid="action-dispatch"' in page and 'data-testid="action-transfer"' in page
    # session, user, assignments (scope), assignments (navigation), the demand, its place's ancestors, its
    # events, the handlers and the service points offered: no photos query when it has none.
    queries = _queries(client, f"/demands/{demand.pk}/")
    assert len(queries) <= 9, "\n".join(queries)
    assert not any(q.startswith('SELECT "demands_demandphoto"') for q in queries)


@pytest.mark.parametrize("status", ["submitted", "dispatched", "returned"])
def test_the_action_fields_are_those_django_draws_for_the_form(
    client_for, wuhe_staff, secretary, world, category, status
):
    """The page keeps the empty forms' HTML; it must be what the form itself draws (names, ids, options)."""
    from django.template.loader import render_to_string

    from gongzhi.demands.page_selectors import actions_allowed, ancestors_and_area, demand_for_page
    from gongzhi.demands.views.detail import _blank_fields, _choices, action_form

    make_point(world.wuhe, [], kind="station", code="wuhe-east")
    demand = submit(world.dgk, category)
    if status != "submitted":
        services.demand_dispatch(by=None, demand=demand, handler=secretary)
    if status == "returned":
        services.demand_return(by=wuhe_staff, demand=demand, reason="不属于本站")
    demand = demand_for_page(wuhe_staff, demand.pk)
    ancestors = ancestors_and_area(demand)
    for name in actions_allowed(demand):
        drawn = render_to_string("includes/form_fields.html", {"form": action_form(name, demand)})
        assert _blank_fields(name, get_language(), _choices(name, demand, ancestors)) == drawn, name


def test_a_refused_action_shows_its_form_as_sent(client_for, wuhe_staff, world, category):
    demand = submit(world.dgk, category)
    services.demand_dispatch(by=None, demand=demand)
    response = client_for(wuhe_staff).post(
        f"/demands/{demand.pk}/extend/", {"days": 11, "reason": "材料未到"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'name="days" value="11"' in page and "材料未到</textarea>" in page
    assert page.count('id="id_extend_days"') == 1  # in place of the empty form, not besides it
    assert 'id="id_resolve_reply"' in page  # the other actions are still offered


def test_each_action_form_posts_to_its_own_url(client_for, admin_user, world, category):
    from django.urls import reverse

    make_point(world.wuhe, [], kind="station", code="wuhe-east")
    demand = submit(world.dgk, category)
    page = client_for(admin_user).get(f"/demands/{demand.pk}/").content.decode()
    for name in ("accept", "dispatch", "transfer", "extend", "resolve", "escalate", "reject", "merge"):
        url = reverse(f"demands:{name}", args=[demand.pk])
        assert f'action="{url}" class="list-group-item" id="action-{name}"' in page, name


@pytest.mark.parametrize(
    "query",
    [
        {},
        {
            "status": "dispatched",
            "level": "community",
            "since": "2026-01-01",
            "overdue": "on",
            "q": "<b>电梯</b>",
        },
        {"category": "999999", "sort": "nonsense", "until": "not-a-date"},
    ],
)
def test_the_filter_form_draws_what_django_widget_templates_draw(db, category, query):
    """The lists' filters are drawn in Python (PlainWidgetRenderer) for speed: the markup must stay that
    of Django's own widget templates, whatever the values (a Django upgrade changing them shows here)."""
    from django.forms.renderers import DjangoTemplates

    from gongzhi.demands.forms import DemandFilterForm
    from gongzhi.demands.models import Status

    statuses = list(Status.choices)
    fast = DemandFilterForm({**query, "category": query.get("category", category.pk)}, statuses=statuses)
    plain = DemandFilterForm(
        {**query, "category": query.get("category", category.pk)},
        statuses=statuses,
        renderer=DjangoTemplates(),
    )
    for name in fast.fields:
        assert str(fast[name]) == str(plain[name]), name


def _filter_form_of(page: str) -> str:
    start = page.index('<form class="row g-2 mb-3')
    return page[start : page.index("</form>", start) + len("</form>")]


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", 'name="sort"'),
        (
            "?status=dispatched&level=community&q=%3Cb%3E%E7%94%B5%E6%A2%AF%3C/b%3E&since=2026-01-01",
            'value="&lt;b&gt;电梯&lt;/b&gt;"',
        ),
    ],
)
def test_the_kept_filter_form_is_the_one_the_template_draws(client_for, wuhe_staff, category, query, shown):
    """The lists keep the filter form's HTML by query, language and categories (views.common.filters_html):
    what they show must be what the form draws afresh, values and escaping included."""
    from django.template.loader import render_to_string

    from gongzhi.demands.forms import DemandFilterForm
    from gongzhi.demands.models import Status
    from gongzhi.demands.views.common import filter_form
    from gongzhi.territory.forms import bootstrapify

    client = client_for(wuhe_staff)
    for _twice in range(2):  # drawn, then taken from the kept copy
        page = client.get(f"/demands/all/{query}").content.decode()
        request = client.get(f"/demands/all/{query}").wsgi_request
        fresh = filter_form(request, list(Status.choices), "new")
        assert isinstance(fresh, DemandFilterForm)
        drawn = render_to_string(
            "demands/_filter_form.html", {"form": bootstrapify(fresh), "show_text_search": True}
        )
        assert _filter_form_of(page) == drawn.strip()
    assert shown in _filter_form_of(page)


def test_the_filter_form_shows_a_renamed_category_at_once(client_for, wuhe_staff, category):
    client = client_for(wuhe_staff)
    assert "公共设施维修" in _filter_form_of(client.get("/demands/").content.decode())
    Category.objects.filter(pk=category.pk).update(name="电梯与公共设施")
    Category.objects.create(code="lift", name="电梯困人", limit_days=1)
    form = _filter_form_of(client.get("/demands/").content.decode())
    assert "电梯与公共设施" in form and "公共设施维修" not in form and "电梯困人" in form


def test_the_filter_form_is_kept_per_language(client_for, wuhe_staff, category):
    client = client_for(wuhe_staff)
    chinese = _filter_form_of(client.get("/demands/").content.decode())
    client.post("/i18n/setlang/", {"language": "en", "next": "/demands/"})
    english = _filter_form_of(client.get("/demands/").content.decode())
    assert "全部状态" in chinese and "All states" in english and "全部状态" not in english

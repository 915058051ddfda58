"""The catalogue of demand categories: a subdistrict administrator edits categories and their questions on
the staff pages; residents, counters and Open311 clients see the change at once; everything is audited;
nobody else may touch it; bad input changes nothing."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.demands import services
from gongzhi.demands.models import Category, CategoryAttribute

NEW = {
    "code": "parking",
    "name": "停车难",
    "group": "公共秩序",
    "description": "小区及周边停车问题",
    "keywords": "停车 车位 乱停",
    "urgency": "general",
    "limit_days": 7,
    "order": 5,
    "active": "on",
}


@pytest.fixture
def lamp(db):
    return Category.objects.create(code="lamp", name="路灯维修", limit_days=5)


def _saved(client, url: str, data: dict) -> None:
    """POST and follow the redirect, as the browser does (its "saved" message is shown and gone)."""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(response["Location"]).status_code == 200


def _form_error(response, field_id: str) -> str:
    page = response.content.decode()
    assert f'id="{field_id}_error"' in page, f"no error under {field_id}"
    return page.split(f'id="{field_id}_error"')[1].split("</div></div>")[0]


def test_an_administrator_adds_a_category_and_residents_can_report_under_it(
    client_for, admin_user, resident, world
):
    _saved(client_for(admin_user), "/demands/categories/new/", NEW)
    category = Category.objects.get(code="parking")
    assert (category.name, category.limit_days, category.active) == ("停车难", 7, True)
    event = AuditEvent.objects.get(target_type="demands.category", action="create")
    assert event.actor == admin_user and event.changes["limit_days"] == [None, 7]

    portal = client_for(resident).get("/m/report/").content.decode()
    assert "停车难" in portal
    services_json = client_for(resident).get("/open311/v2/services.json").json()
    assert "parking" in {s["service_code"] for s in services_json}


def test_the_list_shows_every_category_with_its_questions_and_open_demands(
    client_for, admin_user, lamp, world
):
    CategoryAttribute.objects.create(category=lamp, code="pole", datatype="string", description="灯杆编号？")
    services.demand_submit(by=None, channel="walk_in", category=lamp, place=world.dgk, description="路灯不亮")
    Category.objects.create(code="old", name="旧分类", active=False)
    page = client_for(admin_user).get("/demands/categories/").content.decode()
    row = page.split('data-code="lamp"')[1].split("</tr>")[0]
    assert "路灯维修" in row and "<td>1</td><td>1</td>" in row.replace("\n    ", "")
    assert "旧分类" in page.split('data-code="old"')[1].split("</tr>")[0]
    found = client_for(admin_user).get("/demands/categories/?q=路灯").content.decode()
    assert "路灯维修" in found and "旧分类" not in found
    empty = client_for(admin_user).get("/demands/categories/?q=不存在").content.decode()
    assert 'data-testid="empty"' in empty


def test_a_new_time_limit_applies_to_later_demands_only(client_for, admin_user, lamp, world):
    before = services.demand_submit(
        by=None, channel="walk_in", category=lamp, place=world.dgk, description="灯坏"
    )
    data = {**NEW, "code": "lamp", "name": "路灯维修", "limit_days": 10, "urgency": "urgent"}
    response = client_for(admin_user).post(f"/demands/categories/{lamp.pk}/", data)
    assert response.status_code == 302
    lamp.refresh_from_db()
    assert (lamp.limit_days, lamp.urgency) == (10, "urgent")
    after = services.demand_submit(
        by=None, channel="walk_in", category=lamp, place=world.dgk, description="灯坏"
    )
    before_due = type(before).objects.get(pk=before.pk).resolve_due
    assert after.resolve_due > before_due  # 10 working days instead of 5, for the new one only
    assert after.dispatch_due - after.created_at == datetime.timedelta(minutes=30)
    event = AuditEvent.objects.get(target_type="demands.category", action="update")
    assert event.changes["limit_days"] == [5, 10] and event.changes["urgency"] == ["general", "urgent"]


def test_a_category_is_put_out_of_use_not_deleted(client_for, admin_user, resident, lamp, world):
    data = {**NEW, "code": "lamp", "name": "路灯维修", "active": ""}
    _saved(client_for(admin_user), f"/demands/categories/{lamp.pk}/", data)
    assert Category.objects.get(pk=lamp.pk).active is False
    assert "路灯维修" not in client_for(resident).get("/m/report/").content.decode()
    codes = {s["service_code"] for s in client_for(resident).get("/open311/v2/services.json").json()}
    assert "lamp" not in codes


def test_the_code_cannot_change(client_for, admin_user, lamp):
    response = client_for(admin_user).post(f"/demands/categories/{lamp.pk}/", {**NEW, "name": "路灯"})
    assert response.status_code == 302  # the code field is shown disabled: what is sent for it is ignored
    lamp.refresh_from_db()
    assert (lamp.code, lamp.name) == ("lamp", "路灯")
    page = client_for(admin_user).get(f"/demands/categories/{lamp.pk}/").content.decode()
    assert 'name="code"' in page and "disabled" in page.split('name="code"')[1].split(">")[0]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"limit_days": 0}, "limit_days", "办理时限为 1 至 60 个工作日。"),
        ({"limit_days": 61}, "limit_days", "办理时限为 1 至 60 个工作日。"),
        ({"code": "lamp"}, "code", "已有使用此编码的类别。"),
        ({"limit_days": 99999}, "limit_days", "办理时限为 1 至 60 个工作日。"),
        ({"code": "停车"}, "code", "只能使用小写字母、数字和连字符"),
        ({"name": ""}, "name", "此项必填。"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    client_for, admin_user, lamp, change, field, message
):
    response = client_for(admin_user).post("/demands/categories/new/", {**NEW, **change})
    assert response.status_code == 400
    error = _form_error(response, f"id_{field}")
    assert message in error and "invalid-feedback" in error
    assert (
        Category.objects.count() == 1
        and not AuditEvent.objects.filter(target_type__startswith="demands.").exists()
    )
    assert 'value="停车难"' in response.content.decode() or field == "name"  # what was typed is kept


def test_only_administrators_may_edit_the_catalogue(client_for, wuhe_staff, resident, lamp):
    for user in (wuhe_staff, resident):
        client = client_for(user)
        assert client.get("/demands/categories/").status_code == 403
        assert client.post("/demands/categories/new/", NEW).status_code == 403
        assert client.post(f"/demands/categories/{lamp.pk}/", {**NEW, "code": "lamp"}).status_code == 403
    assert not Category.objects.filter(code="parking").exists()
    assert Category.objects.get(pk=lamp.pk).limit_days == 5


def test_only_administrators_may_edit_the_questions(client_for, wuhe_staff, lamp):
    question = CategoryAttribute.objects.create(
        category=lamp, code="pole", datatype="string", description="灯杆编号？"
    )
    data = {"code": "when", "description": "什么时候？", "datatype": "string", "order": 0}
    client = client_for(wuhe_staff)
    assert client.post(f"/demands/categories/{lamp.pk}/questions/", data).status_code == 403
    assert client.get(f"/demands/questions/{question.pk}/").status_code == 403
    assert client.post(f"/demands/questions/{question.pk}/", {**data, "code": "pole"}).status_code == 403
    assert client.post(f"/demands/questions/{question.pk}/remove/").status_code == 403
    assert list(CategoryAttribute.objects.values_list("code", "description")) == [("pole", "灯杆编号？")]
    assert not AuditEvent.objects.filter(target_type__startswith="demands.").exists()


def test_the_menu_offers_the_catalogue_to_administrators_only(client_for, admin_user, wuhe_staff):
    assert "/demands/categories/" in client_for(admin_user).get("/demands/").content.decode()
    assert "/demands/categories/" not in client_for(wuhe_staff).get("/demands/").content.decode()


# --- questions ---------------------------------------------------------------------------------------------


def test_a_question_with_choices_is_asked_on_the_portal_and_in_open311(
    client_for, admin_user, resident, lamp
):
    data = {
        "code": "when",
        "description": "什么时候不亮？",
        "datatype": "singlevaluelist",
        "required": "on",
        "datatype_description": "",
        "order": 1,
        "values": "night=夜间\n\nall-day＝全天",
    }
    response = client_for(admin_user).post(f"/demands/categories/{lamp.pk}/questions/", data)
    assert response.status_code == 302
    question = CategoryAttribute.objects.get(category=lamp)
    assert question.values == [{"key": "night", "name": "夜间"}, {"key": "all-day", "name": "全天"}]
    assert question.required
    assert AuditEvent.objects.filter(target_type="demands.categoryattribute", action="create").exists()

    partial = client_for(resident).get(f"/demands/lookup/questions/?category={lamp.pk}").content.decode()
    assert "什么时候不亮？" in partial and 'value="all-day"' in partial
    definition = client_for(resident).get("/open311/v2/services/lamp.json").json()
    assert definition["attributes"][0]["code"] == "when"
    assert [v["key"] for v in definition["attributes"][0]["values"]] == ["night", "all-day"]


def test_bad_choices_are_refused_line_by_line_and_nothing_saved(client_for, admin_user, lamp):
    data = {"code": "when", "description": "什么时候？", "datatype": "multivaluelist", "order": 0}
    client = client_for(admin_user)
    response = client.post(
        f"/demands/categories/{lamp.pk}/questions/", {**data, "values": "夜间\nday=白天\nday=日间"}
    )
    assert response.status_code == 400
    error = _form_error(response, "id_q_values")
    assert "第 1 行" in error and "第 3 行" in error and "第 2 行" not in error
    response = client.post(f"/demands/categories/{lamp.pk}/questions/", {**data, "values": ""})
    assert response.status_code == 400
    assert "至少需要一个选项" in _form_error(response, "id_q_values")
    response = client.post(f"/demands/categories/{lamp.pk}/questions/", {**data, "values": "晚上 8 点=夜间"})
    assert "第 1 行" in _form_error(response, "id_q_values")  # a key is a short code that clients send
    assert (
        not CategoryAttribute.objects.exists()
        and not AuditEvent.objects.filter(target_type__startswith="demands.").exists()
    )


def test_a_question_code_is_used_once_per_category(client_for, admin_user, lamp):
    CategoryAttribute.objects.create(category=lamp, code="pole", datatype="string", description="灯杆编号？")
    data = {"code": "pole", "description": "另一个问题", "datatype": "string", "order": 0}
    response = client_for(admin_user).post(f"/demands/categories/{lamp.pk}/questions/", data)
    assert response.status_code == 400
    assert "此类别已有使用此编码的问题。" in _form_error(response, "id_q_code")
    assert CategoryAttribute.objects.count() == 1


def test_a_question_is_edited_and_removed_and_the_answers_given_stay(client_for, admin_user, lamp, world):
    question = CategoryAttribute.objects.create(
        category=lamp, code="pole", datatype="string", description="灯杆编号？"
    )
    demand = services.demand_submit(
        by=None,
        channel="walk_in",
        category=lamp,
        place=world.dgk,
        description="路灯不亮",
        attributes={"pole": "A-12"},
    )
    client = client_for(admin_user)
    page = client.get(f"/demands/questions/{question.pk}/").content.decode()
    assert "灯杆编号？" in page
    edited = {
        "code": "other",
        "description": "灯杆上的编号？",
        "datatype": "string",
        "required": "on",
        "order": 2,
    }
    assert client.post(f"/demands/questions/{question.pk}/", edited).status_code == 302
    question.refresh_from_db()
    assert (question.code, question.description, question.required) == ("pole", "灯杆上的编号？", True)
    update = AuditEvent.objects.get(target_type="demands.categoryattribute", action="update")
    assert update.changes == {
        "description": ["灯杆编号？", "灯杆上的编号？"],
        "order": [0, 2],
        "required": [False, True],
    }

    # A list question that becomes a text one keeps no choices; a refused edit keeps the saved title.
    question.datatype, question.values = "singlevaluelist", [{"key": "a", "name": "甲"}]
    question.save()
    refused = client.post(f"/demands/questions/{question.pk}/", {**edited, "description": ""})
    assert refused.status_code == 400 and "<title>灯杆上的编号？" in refused.content.decode()
    client.post(f"/demands/questions/{question.pk}/", {**edited, "values": "a=甲"})
    question.refresh_from_db()
    assert (question.datatype, question.values) == ("string", [])

    assert client.post(f"/demands/questions/{question.pk}/remove/").status_code == 302
    assert not CategoryAttribute.objects.exists()
    assert type(demand).objects.get(pk=demand.pk).attributes == {"pole": "A-12"}
    assert AuditEvent.objects.filter(target_type="demands.categoryattribute", action="delete").count() == 1
    assert client_for(admin_user).get("/demands/questions/999999/").status_code == 404


def test_an_empty_catalogue_says_what_to_do(client_for, admin_user):
    page = client_for(admin_user).get("/demands/categories/").content.decode()
    assert 'data-testid="empty"' in page and "/demands/categories/new/" in page
    form = client_for(admin_user).get("/demands/categories/new/").content.decode()
    assert 'name="limit_days"' in form and 'data-testid="question-form"' not in form  # questions come after


def test_the_catalogue_service_refuses_outsiders_and_a_changed_code(wuhe_staff, admin_user, lamp):
    from django.core.exceptions import PermissionDenied, ValidationError

    from gongzhi.demands import catalogue

    with pytest.raises(PermissionDenied):
        catalogue.category_update(by=wuhe_staff, category=lamp, limit_days=9)
    with pytest.raises(ValidationError) as refused:
        catalogue.category_update(by=admin_user, category=lamp, code="street-lamp")
    assert "code" in refused.value.message_dict
    assert Category.objects.get(pk=lamp.pk).code == "lamp"
    catalogue.category_update(by=admin_user, category=lamp, name="路灯维修")
    # Nothing changed, nothing logged.
    assert not AuditEvent.objects.filter(target_type__startswith="demands.").exists()


def test_an_extension_adds_to_the_deadline_given_even_after_the_limit_changed(admin_user, lamp, world):
    """The deadline promised when a demand came in is kept when the catalogue changes: an extension adds its
    days to that deadline, and Open311 counts the days on the demand's own dates."""
    from gongzhi.demands import catalogue
    from gongzhi.demands.open311.fields import service_notice
    from gongzhi.workdays.calendar import working_deadline

    demand = services.demand_submit(
        by=None, channel="walk_in", category=lamp, place=world.dgk, description="灯坏"
    )
    promised = demand.resolve_due
    catalogue.category_update(by=admin_user, category=lamp, limit_days=2)
    assert "5 个工作日" in service_notice(type(demand).objects.get(pk=demand.pk))
    extended = services.demand_extend(by=None, demand=demand, days=2, reason="等配件")
    assert extended.resolve_due == working_deadline(promised, 2) > promised
    assert "7 个工作日" in service_notice(extended)


def test_the_menu_marks_the_one_entry_the_page_belongs_to(client_for, admin_user, lamp):
    client = client_for(admin_user)
    catalogue_page = client.get("/demands/categories/").content.decode()
    assert catalogue_page.count('aria-current="page"') == 1
    assert 'href="/demands/categories/" aria-current="page"' in catalogue_page
    worklist = client.get("/demands/").content.decode()
    assert worklist.count('aria-current="page"') == 1 and 'href="/demands/" aria-current="page"' in worklist

"""A category's own questions are asked on the portal and on the staff intake form, and kept on errors."""

import pytest

from gongzhi.demands.models import Category, CategoryAttribute, Demand


@pytest.fixture
def noise(db):
    category = Category.objects.create(code="noise", name="噪音扰民", limit_days=5)
    CategoryAttribute.objects.create(
        category=category,
        code="when",
        datatype="singlevaluelist",
        required=True,
        description="噪音通常在什么时候出现？",
        values=[{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
    )
    CategoryAttribute.objects.create(
        category=category,
        code="source",
        datatype="multivaluelist",
        description="噪音来自哪里？",
        values=[{"key": "shop", "name": "商铺"}, {"key": "dancing", "name": "广场舞"}],
    )
    return category


def portal_post(client, category, world, **extra):
    data = {"category": category.pk, "place": world.plaza.pk, "description": "晚上广场舞音响太吵", **extra}
    return client.post("/m/report/", data)


def test_the_questions_of_a_category_are_served_for_the_form(client_for, resident, noise):
    page = client_for(resident).get(f"/demands/lookup/questions/?category={noise.pk}").content.decode()
    assert "噪音通常在什么时候出现？" in page and 'name="attribute[when]"' in page
    assert 'name="attribute[source][]"' in page


def test_a_resident_answers_them_on_the_portal(client_for, resident, noise, world):
    response = portal_post(
        client_for(resident), noise, world, **{"attribute[when]": "night", "attribute[source][]": ["dancing"]}
    )
    assert response.status_code == 302
    assert Demand.objects.get().attributes == {"when": "night", "source": ["dancing"]}


def test_a_missing_required_answer_is_refused_and_the_other_answers_are_kept(
    client_for, resident, noise, world
):
    response = portal_post(client_for(resident), noise, world, **{"attribute[source][]": ["shop"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "噪音通常在什么时候出现？" in page
    assert 'value="shop" checked' in page
    assert not Demand.objects.exists()


def test_staff_intake_asks_them_too(client_for, wuhe_staff, noise, world):
    client = client_for(wuhe_staff)
    data = {
        "channel": "walk_in",
        "category": noise.pk,
        "place": world.dgk.code,
        "description": "店铺音响噪音",
    }
    refused = client.post("/demands/new/", data)
    assert refused.status_code == 400 and not Demand.objects.exists()
    assert "噪音通常在什么时候出现？" in refused.content.decode()
    accepted = client.post("/demands/new/", {**data, "attribute[when]": "day"})
    assert accepted.status_code == 302
    assert Demand.objects.get().attributes == {"when": "day"}


def _beside(page: str, code: str) -> str:
    """The text shown under one question (its fieldset)."""
    return page.split(f'data-testid="question-{code}"')[1].split("</fieldset>")[0]


def test_a_refused_answer_is_explained_beside_its_question_on_both_forms(
    client_for, resident, wuhe_staff, noise, world
):
    """The box above the form lists every refusal; each one is also under the question it is about, where
    the person is looking when they fix it, and a screen reader reads it with the question."""
    portal = portal_post(client_for(resident), noise, world, **{"attribute[source][]": ["shop", "karaoke"]})
    assert portal.status_code == 400
    page = portal.content.decode()
    when, source = _beside(page, "when"), _beside(page, "source")
    assert "请回答：噪音通常在什么时候出现？" in when and 'aria-describedby="q-when-error"' in page
    # "karaoke" is not a choice: that message is under its own question, not the other's.
    assert "invalid-feedback" in source and "请回答" not in source

    staff = client_for(wuhe_staff).post(
        "/demands/new/",
        {"channel": "walk_in", "category": noise.pk, "place": world.dgk.code, "description": "店铺音响噪音"},
    )
    assert staff.status_code == 400
    assert "请回答：噪音通常在什么时候出现？" in _beside(staff.content.decode(), "when")
    assert not Demand.objects.exists()


def test_a_question_with_a_percent_sign_is_quoted_as_it_is(client_for, resident, world):
    category = Category.objects.create(code="rent", name="租金纠纷", limit_days=5)
    CategoryAttribute.objects.create(
        category=category, code="rise", datatype="number", required=True, description="涨了多少%？"
    )
    response = portal_post(client_for(resident), category, world, **{"attribute[rise]": "很多"})
    assert response.status_code == 400
    assert "涨了多少%？" in _beside(response.content.decode(), "rise")

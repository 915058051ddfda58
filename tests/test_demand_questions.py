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

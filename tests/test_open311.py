"""Open311 GeoReport v2 at /open311/v2/: discovery, services, definitions, submitting and reading requests,
in XML and JSON, with the spec's content types, errors and search defaults, and no personal data out."""

from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ET
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.accounts.models import token_digest
from gongzhi.core.models import AuditEvent
from gongzhi.demands import services
from gongzhi.demands.models import Category, CategoryAttribute, Demand, Open311Key, Status
from gongzhi.demands.open311 import views
from gongzhi.demands.open311.keys import open311_key_revoke
from tests.factories import make_place

BASE = "/open311/v2/"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
NOISE = "楼下噪音扰民，晚上十点后仍在施工 <b>"
W3_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


# --- helpers -------------------------------------------------------------------------------------------


def _xml(response) -> ET.Element:
    assert response["Content-Type"] == XML_TYPE
    assert response.content.startswith(DECLARATION)
    return ET.fromstring(response.content)


def _json(response):
    assert response["Content-Type"] == JSON_TYPE
    return json.loads(response.content.decode("utf-8"))


def _post(client, fmt: str, data: dict):
    """A form-encoded POST, as the spec sends it (lists become repeated fields)."""
    return client.post(
        f"{BASE}requests.{fmt}",
        data=urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )


def _errors_json(response, status: int) -> list[str]:
    assert response.status_code == status
    body = _json(response)
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
    return [e["description"] for e in body]


def _errors_xml(response, status: int) -> list[str]:
    assert response.status_code == status
    root = _xml(response)
    assert root.tag == "errors"
    errors = root.findall("error")
    assert errors and all(e.findtext("code") == str(status) for e in errors)
    return [e.findtext("description") for e in errors]


def _xml_request(element: ET.Element) -> dict[str, str | None]:
    assert [child.tag for child in element] == REQUEST_FIELDS
    return {child.tag: child.text for child in element}


def _submit(place, category, description="路灯坏了", at=None, **extra) -> Demand:
    return services.demand_submit(
        by=None, channel="phone", category=category, place=place, description=description, at=at, **extra
    )


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def noise(world) -> Category:
    category = Category.objects.create(
        code="noise",
        name="噪音扰民",
        description="施工、商铺或邻里噪音",
        group="环境",
        keywords="噪音，施工、扰民",
        limit_days=5,
        order=1,
    )
    CategoryAttribute.objects.create(
        category=category,
        code="time",
        datatype="singlevaluelist",
        required=True,
        description="什么时候有噪音？",
        order=1,
        values=[{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
    )
    CategoryAttribute.objects.create(
        category=category,
        code="source",
        datatype="multivaluelist",
        description="噪音来源",
        datatype_description="可多选",
        order=2,
        values=[
            {"key": "construction", "name": "施工"},
            {"key": "shop", "name": "商铺"},
            {"key": "neighbour", "name": "邻居"},
        ],
    )
    CategoryAttribute.objects.create(
        category=category, code="floor", datatype="number", description="几楼？", order=3
    )
    return category


@pytest.fixture
def lamp(world) -> Category:
    return Category.objects.create(code="streetlight", name="路灯不亮", limit_days=3, order=2)


@pytest.fixture
def retired(world) -> Category:
    return Category.objects.create(code="retired", name="停用的类别", active=False, order=3)


@pytest.fixture
def api_key(db) -> str:
    out = StringIO()
    call_command("create_open311_key", "12345热线", stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def _noise_form(api_key: str, **extra) -> dict:
    return {
        "api_key": api_key,
        "service_code": "noise",
        "address_id": "wuhe-xincun",
        "description": NOISE,
        "attribute[time]": "night",
        **extra,
    }


# --- keys ----------------------------------------------------------------------------------------------


def test_the_key_command_prints_the_key_once_and_stores_only_its_digest(db):
    out, err = StringIO(), StringIO()
    call_command("create_open311_key", "网格通", stdout=out, stderr=err)
    raw = out.getvalue().strip().splitlines()[-1]
    key = Open311Key.objects.get()
    assert raw.startswith("o311_") and len(raw) > 40
    assert key.name == "网格通" and key.digest == token_digest(raw) and raw.startswith(key.prefix)
    assert raw not in err.getvalue()
    assert not Open311Key.objects.filter(digest=raw).exists()
    assert AuditEvent.objects.filter(action="create_open311_key").count() == 1


# --- discovery and services ----------------------------------------------------------------------------


def test_discovery_in_xml_lists_the_v2_endpoint_and_both_formats(client, db):
    root = _xml(client.get(f"{BASE}discovery.xml"))
    assert root.tag == "discovery"
    assert W3_DATETIME.match(root.findtext("changeset"))
    assert root.findtext("contact") and root.findtext("key_service")
    (endpoint,) = root.findall("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    # Without a trailing slash, as the spec's example: clients append "/services.json".
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") in ("production", "test")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_discovery_in_json(client, db):
    body = _json(client.get(f"{BASE}discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_services_lists_the_active_categories_in_json(client, noise, lamp, retired):
    body = _json(client.get(f"{BASE}services.json"))
    assert body == [
        {
            "service_code": "noise",
            "service_name": "噪音扰民",
            "description": "施工、商铺或邻里噪音",
            "metadata": True,
            "type": "realtime",
            "keywords": "噪音,施工,扰民",
            "group": "环境",
        },
        {
            "service_code": "streetlight",
            "service_name": "路灯不亮",
            "description": None,
            "metadata": False,
            "type": "realtime",
            "keywords": None,
            "group": None,
        },
    ]


def test_services_in_xml(client, noise, lamp, retired):
    root = _xml(client.get(f"{BASE}services.xml"))
    assert root.tag == "services"
    services_ = root.findall("service")
    assert [s.findtext("service_code") for s in services_] == ["noise", "streetlight"]
    assert [s.findtext("metadata") for s in services_] == ["true", "false"]
    assert services_[0].findtext("service_name") == "噪音扰民"
    assert services_[0].findtext("keywords") == "噪音,施工,扰民"
    assert services_[1].find("group").text is None


def test_a_service_definition_gives_the_questions_and_their_values(client, noise):
    body = _json(client.get(f"{BASE}services/noise.json"))
    assert body["service_code"] == "noise"
    time_, source, floor = body["attributes"]
    assert time_ == {
        "variable": True,
        "code": "time",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "什么时候有噪音？",
        "values": [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
    }
    assert (source["datatype"], source["required"], source["datatype_description"]) == (
        "multivaluelist",
        False,
        "可多选",
    )
    assert [v["key"] for v in source["values"]] == ["construction", "shop", "neighbour"]
    assert floor["datatype"] == "number" and "values" not in floor

    root = _xml(client.get(f"{BASE}services/noise.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "noise"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["time", "source", "floor"]
    assert [a.findtext("variable") for a in attributes] == ["true"] * 3
    assert [a.findtext("required") for a in attributes] == ["true", "false", "false"]
    assert [(v.findtext("key"), v.findtext("name")) for v in attributes[0].findall("values/value")] == [
        ("day", "白天"),
        ("night", "夜间"),
    ]
    assert attributes[2].find("values") is None


def test_an_unknown_or_retired_service_is_404_in_both_formats(client, noise, retired):
    assert _errors_json(client.get(f"{BASE}services/potholes.json"), 404)
    assert _errors_xml(client.get(f"{BASE}services/potholes.xml"), 404)
    assert _errors_json(client.get(f"{BASE}services/retired.json"), 404)


def test_any_jurisdiction_id_is_accepted_and_ignored(client, noise, api_key):
    """One jurisdiction: the full spec lets such a server ignore jurisdiction_id, and clients configured
    with one (codeforamerica/three) send it on every call. Whatever its value, the request is served."""
    for url in (
        f"{BASE}services.json?jurisdiction_id=sz.gov.cn",
        f"{BASE}services/noise.json?jurisdiction_id=sz.gov.cn",
        f"{BASE}discovery.json?jurisdiction_id=sz.gov.cn",
        f"{BASE}services.json?jurisdiction_id=",
    ):
        assert client.get(url).status_code == 200, url
    assert [s["service_code"] for s in _json(client.get(f"{BASE}services.json?jurisdiction_id=x"))] == [
        "noise"
    ]
    assert _xml(client.get(f"{BASE}requests.xml?jurisdiction_id=sz.gov.cn")).tag == "service_requests"
    response = _post(client, "json", _noise_form(api_key, jurisdiction_id="sz.gov.cn"))
    assert response.status_code == 200
    (answer,) = _json(response)
    assert answer["service_request_id"] == Demand.objects.get().number
    assert _post(client, "json", _noise_form(api_key, jurisdiction_id="")).status_code == 200
    number = answer["service_request_id"]
    (item,) = _json(client.get(f"{BASE}requests/{number}.json?jurisdiction_id=sz.gov.cn"))
    assert item["service_request_id"] == number


# --- submitting ----------------------------------------------------------------------------------------


def test_posting_in_json_with_single_and_multi_value_answers(client, noise, api_key):
    form = _noise_form(
        api_key,
        **{
            "attribute[source][]": ["construction", "shop"],
            "attribute[floor]": "3",
            "first_name": "小明",
            "last_name": "王",
            "phone": "138-0013-8000",
            "email": "wang@example.com",
            "device_id": "dev-1",
            "account_id": "acc-9",
            "media_url": "https://img.example.com/noise.jpg",
            "lat": "22.651234",
            "long": "114.061234",
        },
    )
    response = _post(client, "json", form)
    assert response.status_code == 200
    (answer,) = _json(response)
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    demand = Demand.objects.get()
    assert answer["service_request_id"] == demand.number
    assert answer["account_id"] is None
    assert "5" in answer["service_notice"]
    assert (demand.channel, demand.status, demand.category) == ("open311", Status.SUBMITTED, noise)
    assert demand.place.code == "wuhe-xincun" and demand.station.code == "wuhe-centre"
    assert demand.description == NOISE
    assert demand.attributes == {
        "time": "night",
        "source": ["construction", "shop"],
        "floor": 3.0,
        "media_url": "https://img.example.com/noise.jpg",
    }
    assert (demand.contact_name, demand.contact_phone) == ("王小明", "13800138000")
    assert (str(demand.lat), str(demand.long)) == ("22.651234", "114.061234")
    assert demand.submitted_by is None
    # The e-mail address is not kept anywhere (it would be published with the description).
    assert "wang@example.com" not in json.dumps(demand.attributes) + demand.description + demand.address


def test_machine_clients_post_without_a_csrf_token(noise, api_key):
    response = _post(Client(enforce_csrf_checks=True), "json", _noise_form(api_key))
    assert response.status_code == 200
    assert Demand.objects.count() == 1


def test_posting_in_xml_by_address_string(client, noise, api_key):
    form = _noise_form(api_key, **{"attribute[source]": "neighbour"})
    del form["address_id"]
    form["address_string"] = "佳兆业花园"
    response = _post(client, "xml", form)
    assert response.status_code == 200
    root = _xml(response)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
    demand = Demand.objects.get()
    assert request.findtext("service_request_id") == demand.number
    assert request.find("account_id").text is None
    assert demand.place.code == "jzy" and demand.address == "佳兆业花园"
    assert demand.attributes == {"time": "night", "source": ["neighbour"]}  # a list answer, even of one


@pytest.mark.parametrize(
    ("address", "code"),
    [("jzy", "jzy"), ("五和新", "wuhe-xincun"), ("深圳市龙岗区坂田街道五和新村12栋", "wuhe-xincun")],
)
def test_an_address_string_is_matched_by_code_by_part_of_a_name_or_by_a_name_inside_it(
    client, lamp, api_key, address, code
):
    form = {"api_key": api_key, "service_code": "streetlight", "address_string": address}
    assert _post(client, "json", form).status_code == 200
    demand = Demand.objects.get()
    assert demand.place.code == code
    assert demand.description == "路灯不亮"  # no description: the service's name stands for it


def test_an_address_string_naming_several_places_is_400_listing_them(client, world, lamp, api_key):
    make_place("building", world.xincun, name="1栋", code="xincun-1")
    make_place("building", world.estate, name="1栋", code="jzy-1")
    form = {"api_key": api_key, "service_code": "streetlight", "address_string": "1栋"}
    (description,) = _errors_json(_post(client, "json", form), 400)
    assert "xincun-1" in description and "jzy-1" in description
    assert _post(client, "json", {**form, "address_string": "jzy-1"}).status_code == 200
    assert Demand.objects.get().place.code == "jzy-1"


def test_an_address_string_matching_no_area_is_400(client, lamp, api_key):
    form = {"api_key": api_key, "service_code": "streetlight", "address_string": "北京市朝阳区"}
    (description,) = _errors_json(_post(client, "json", form), 400)
    assert "address_string" in description
    assert not Demand.objects.exists()


def test_missing_required_answers_and_answers_outside_the_choices_are_400(client, noise, api_key):
    form = _noise_form(api_key)
    del form["attribute[time]"]
    (description,) = _errors_json(_post(client, "json", form), 400)
    assert description.startswith("attribute:") and "什么时候有噪音？" in description
    form = _noise_form(api_key, **{"attribute[source][]": ["construction", "karaoke"]})
    assert _errors_xml(_post(client, "xml", form), 400)
    form = _noise_form(api_key, **{"attribute[time]": "noon"})
    assert _errors_json(_post(client, "json", form), 400)
    assert not Demand.objects.exists()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_missing_wrong_or_revoked_key_is_403(client, noise, api_key, fmt):
    errors = _errors_xml if fmt == "xml" else _errors_json
    form = _noise_form(api_key)
    del form["api_key"]
    assert errors(_post(client, fmt, form), 403)
    assert errors(_post(client, fmt, {**form, "api_key": ""}), 403)
    assert errors(_post(client, fmt, {**form, "api_key": "o311_guessed"}), 403)
    open311_key_revoke(key=Open311Key.objects.get(), by=None)
    assert errors(_post(client, fmt, {**form, "api_key": api_key}), 403)
    assert not Demand.objects.exists()


def test_without_a_location_it_is_400(client, noise, api_key):
    form = _noise_form(api_key)
    del form["address_id"]
    (description,) = _errors_json(_post(client, "json", form), 400)
    assert "lat" in description and "address_string" in description and "address_id" in description
    assert _errors_xml(_post(client, "xml", {**form, "address_id": "", "address_string": ""}), 400)
    assert _errors_json(_post(client, "json", {**form, "lat": "22.6"}), 400)  # lat without long
    assert not Demand.objects.exists()


def test_coordinates_alone_cannot_be_routed_and_say_so(client, noise, api_key):
    form = _noise_form(api_key, lat="22.65", long="114.06")
    del form["address_id"]
    (description,) = _errors_json(_post(client, "json", form), 400)
    assert "address_id" in description
    assert _errors_json(_post(client, "json", {**form, "lat": "north", "address_id": "jzy"}), 400)
    assert not Demand.objects.exists()


def test_an_unknown_address_id_is_400(client, noise, api_key):
    assert _errors_json(_post(client, "json", _noise_form(api_key, address_id="nowhere")), 400)


def test_a_missing_service_code_is_400_and_an_unknown_one_404(client, noise, retired, api_key):
    form = _noise_form(api_key)
    del form["service_code"]
    assert _errors_json(_post(client, "json", form), 400)
    assert _errors_xml(_post(client, "xml", {**form, "service_code": "potholes"}), 404)
    assert _errors_json(_post(client, "json", {**form, "service_code": "retired"}), 404)
    assert not Demand.objects.exists()


def test_a_description_over_4000_characters_is_400(client, noise, api_key):
    (description,) = _errors_json(_post(client, "json", _noise_form(api_key, description="吵" * 4001)), 400)
    assert "4000" in description
    assert not Demand.objects.exists()
    assert _post(client, "json", _noise_form(api_key, description="吵" * 4000)).status_code == 200


def test_a_bad_phone_is_400_naming_the_parameter(client, noise, api_key):
    (description,) = _errors_json(_post(client, "json", _noise_form(api_key, phone="12345")), 400)
    assert description.startswith("phone:")
    assert not Demand.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch", "options"])
def test_a_get_only_endpoint_refuses_other_methods_with_400_in_its_format(client, db, method):
    response = getattr(client, method)(f"{BASE}services.json")
    assert _errors_json(response, 400)
    assert response["Allow"] == "GET, HEAD"
    response = getattr(client, method)(f"{BASE}requests/SQ1.xml")
    assert _errors_xml(response, 400)
    assert response["Allow"] == "GET, HEAD"


def test_an_unknown_path_is_a_404_in_the_spec_format(client, db):
    assert _errors_xml(client.get(f"{BASE}requests.html"), 404)
    assert _errors_json(client.get(f"{BASE}nothing/here.json"), 404)
    assert _errors_json(client.get(f"{BASE}tokens/123.json"), 404)


# --- reading -------------------------------------------------------------------------------------------


def test_a_request_reads_back_by_id_in_an_array_in_both_formats(client, noise, api_key):
    number = _json(_post(client, "json", _noise_form(api_key)))[0]["service_request_id"]
    demand = Demand.objects.get()

    (item,) = _json(client.get(f"{BASE}requests/{number}.json"))
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == number
    assert (item["status"], item["status_notes"]) == ("open", None)
    assert (item["service_code"], item["service_name"]) == ("noise", "噪音扰民")
    assert item["description"] == NOISE
    assert item["agency_responsible"] == demand.station.name
    assert (item["address"], item["address_id"], item["zipcode"]) == ("五和新村", "wuhe-xincun", None)
    assert (item["lat"], item["long"], item["media_url"]) == (None, None, None)
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3_DATETIME.match(item[name]), item[name]
    assert item["requested_datetime"].endswith("+08:00")
    expected = datetime.datetime.fromisoformat(item["expected_datetime"])
    assert expected == demand.resolve_due.replace(microsecond=0)

    root = _xml(client.get(f"{BASE}requests/{number}.xml"))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    fields = _xml_request(request)
    assert fields["service_request_id"] == number and fields["status"] == "open"
    assert fields["description"] == NOISE
    assert fields["requested_datetime"] == item["requested_datetime"]


def test_an_unknown_request_is_404(client, db):
    assert _errors_json(client.get(f"{BASE}requests/SQ20990101000001.json"), 404)
    assert _errors_xml(client.get(f"{BASE}requests/SQ20990101000001.xml"), 404)


def test_chinese_text_round_trips_unchanged_in_both_formats(client, noise, api_key):
    number = _json(_post(client, "json", _noise_form(api_key)))[0]["service_request_id"]
    assert Demand.objects.get().description == NOISE  # stored as given

    json_response = client.get(f"{BASE}requests/{number}.json")
    assert "楼下噪音扰民".encode() in json_response.content  # UTF-8, not \\u escapes
    assert _json(json_response)[0]["description"] == NOISE

    xml_response = client.get(f"{BASE}requests/{number}.xml")
    assert "楼下噪音扰民，晚上十点后仍在施工 &lt;b&gt;".encode() in xml_response.content
    assert _xml(xml_response).find("request/description").text == NOISE


def test_markup_and_special_characters_are_escaped_in_xml(client, lamp, api_key):
    text = 'A & B <script>alert("x")</script> ]]> 第二行\r\n第三行'
    form = {"api_key": api_key, "service_code": "streetlight", "address_id": "jzy", "description": text}
    number = _json(_post(client, "json", form))[0]["service_request_id"]
    response = client.get(f"{BASE}requests/{number}.xml")
    assert b"<script>" not in response.content
    assert b"A &amp; B &lt;script&gt;" in response.content
    assert _xml(response).find("request/description").text == text
    assert _json(client.get(f"{BASE}requests/{number}.json"))[0]["description"] == text


def test_public_reads_carry_no_personal_data(client, noise, api_key):
    form = _noise_form(
        api_key,
        first_name="小明",
        last_name="王",
        phone="13800138000",
        address_id="",
        address_string="五和新村12栋304房",
    )
    number = _json(_post(client, "json", form))[0]["service_request_id"]
    assert Demand.objects.get().contact_name == "王小明"
    for url in (
        f"{BASE}requests/{number}.json",
        f"{BASE}requests/{number}.xml",
        f"{BASE}requests.json",
        f"{BASE}requests.xml",
    ):
        content = client.get(url).content.decode()
        assert number in content
        for secret in ("王小明", "小明", "13800138000", "8000", "304房"):
            assert secret not in content, (url, secret)


def test_numbers_typed_into_the_description_are_masked_in_public_reads(client, noise, api_key):
    form = _noise_form(api_key, description="楼下噪音，请联系我 139 1234 5678")
    number = _json(_post(client, "json", form))[0]["service_request_id"]
    assert Demand.objects.get().description.endswith("139 1234 5678")  # stored as given
    for fmt in ("json", "xml"):
        content = client.get(f"{BASE}requests/{number}.{fmt}").content.decode()
        assert "楼下噪音，请联系我 139******5678" in content and "1234" not in content, fmt


def test_internal_states_collapse_to_open_and_closed(client, admin_user, world, lamp):
    resolved = _submit(world.dgk, lamp)
    services.demand_resolve(by=admin_user, demand=resolved, reply="已更换灯泡")
    rejected = _submit(world.dgk, lamp)
    services.demand_reject(by=admin_user, demand=rejected, reason="不属于本社区")
    target = _submit(world.dgk, lamp)
    merged = _submit(world.dgk, lamp)
    services.demand_merge(by=admin_user, demand=merged, into=target)
    dispatched = _submit(world.dgk, lamp)
    services.demand_dispatch(by=admin_user, demand=dispatched)

    items = {i["service_request_id"]: i for i in _json(client.get(f"{BASE}requests.json"))}
    assert (items[resolved.number]["status"], items[resolved.number]["status_notes"]) == (
        "closed",
        "已更换灯泡",
    )
    assert items[resolved.number]["service_notice"] is None
    assert (items[rejected.number]["status"], items[rejected.number]["status_notes"]) == (
        "closed",
        "不属于本社区",
    )
    assert items[merged.number]["status"] == "closed"
    assert target.number in items[merged.number]["status_notes"]
    assert items[dispatched.number]["status"] == "open"
    assert items[target.number]["status"] == "open"


def test_the_agency_responsible_follows_the_level(client, admin_user, world, lamp):
    demand = _submit(world.xincun, lamp)
    station = demand.station.name

    def agency() -> str:
        return _json(client.get(f"{BASE}requests/{demand.number}.json"))[0]["agency_responsible"]

    assert agency() == station
    services.demand_escalate(by=admin_user, demand=demand, reason="久拖未决")
    assert agency() == "五和社区"
    services.demand_escalate(by=admin_user, demand=demand, reason="久拖未决")
    assert agency() == "坂田街道"


# --- searching -----------------------------------------------------------------------------------------


def _numbers(response) -> list[str]:
    return [i["service_request_id"] for i in _json(response)]


def test_the_search_defaults_to_the_last_90_days_newest_first(client, world, lamp):
    now = timezone.now()
    old = _submit(world.dgk, lamp, at=now - datetime.timedelta(days=100))
    recent = _submit(world.dgk, lamp, at=now - datetime.timedelta(days=10))
    newest = _submit(world.estate, lamp)
    assert _numbers(client.get(f"{BASE}requests.json")) == [newest.number, recent.number]
    root = _xml(client.get(f"{BASE}requests.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [
        newest.number,
        recent.number,
    ]
    assert old.number not in client.get(f"{BASE}requests.json").content.decode()


def test_the_search_filters_by_dates_codes_and_status(client, admin_user, world, noise, lamp):
    now = timezone.now()
    old = _submit(world.dgk, lamp, at=now - datetime.timedelta(days=100))
    noisy = _submit(world.dgk, noise, attributes={"time": "day"})
    fixed = _submit(world.estate, lamp)
    services.demand_resolve(by=admin_user, demand=fixed, reply="已修好")

    start = (now - datetime.timedelta(days=120)).isoformat()
    end = (now - datetime.timedelta(days=60)).isoformat()
    assert _numbers(client.get(f"{BASE}requests.json", {"start_date": start, "end_date": end})) == [
        old.number
    ]
    local = timezone.localtime(now - datetime.timedelta(days=101)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    # An unescaped "+08:00" arrives as " 08:00"; it is still understood.
    assert _numbers(client.get(f"{BASE}requests.json?start_date={local}")) == [old.number]
    assert _numbers(client.get(f"{BASE}requests.json", {"service_code": "noise"})) == [noisy.number]
    assert _numbers(client.get(f"{BASE}requests.json", {"service_code": "noise,streetlight"})) == [
        fixed.number,
        noisy.number,
    ]
    assert _numbers(client.get(f"{BASE}requests.json", {"status": "closed"})) == [fixed.number]
    assert _numbers(client.get(f"{BASE}requests.json", {"status": "open"})) == [noisy.number]
    assert _numbers(client.get(f"{BASE}requests.json", {"status": "open,closed"})) == [
        fixed.number,
        noisy.number,
    ]
    # Empty parameters count as not sent.
    assert _numbers(
        client.get(f"{BASE}requests.json", {"status": "", "service_code": "", "start_date": ""})
    ) == [fixed.number, noisy.number]


def test_service_request_ids_override_every_other_filter(client, world, lamp):
    old = _submit(world.dgk, lamp, at=timezone.now() - datetime.timedelta(days=300))
    recent = _submit(world.dgk, lamp)
    ids = f"{old.number},{recent.number},SQ-unknown"
    found = _numbers(client.get(f"{BASE}requests.json", {"service_request_id": ids, "status": "closed"}))
    assert found == [recent.number, old.number]


def test_bad_search_parameters_are_400(client, db):
    assert _errors_json(client.get(f"{BASE}requests.json", {"status": "pending"}), 400)
    assert _errors_xml(client.get(f"{BASE}requests.xml", {"start_date": "yesterday"}), 400)
    span = {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"}
    (description,) = _errors_json(client.get(f"{BASE}requests.json", span), 400)
    assert "90" in description
    backwards = {"start_date": "2026-02-01", "end_date": "2026-01-01"}
    assert _errors_json(client.get(f"{BASE}requests.json", backwards), 400)


def test_the_search_returns_at_most_the_limit(client, world, lamp, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_LIMIT", 2)
    made = [_submit(world.dgk, lamp) for _ in range(3)]
    assert _numbers(client.get(f"{BASE}requests.json")) == [made[2].number, made[1].number]


def test_the_search_costs_the_same_queries_for_more_requests(client, world, noise, lamp):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{BASE}requests.json").status_code == 200
        return len(captured)

    for place in (world.dgk, world.plaza):
        _submit(place, lamp)
    few = queries()
    for place in (world.dgk, world.xincun, world.estate, world.plaza, world.wuhe, world.bantian):
        _submit(place, lamp)
        _submit(place, noise, attributes={"time": "day"})
    assert queries() == few

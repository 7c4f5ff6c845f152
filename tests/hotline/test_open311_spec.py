"""The GeoReport v2 specification's own example requests (the query and POST shapes its wiki
documents, with this city's values), answered with the structure the spec documents: the
same element names, in the same nesting, in XML and in JSON."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tongban.hotline import services

from .conftest import NOISE

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
JURISDICTION = {"jurisdiction_id": "shanghai.tongban"}

# Element names as the spec's examples show them, in their order.
SERVICE = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST = [
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


def _xml(path, query=None):
    response = Client().get(f"{BASE}/{path}", query or {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)


def _json(path, query=None):
    response = Client().get(f"{BASE}/{path}", query or {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def _tags(element):
    return [child.tag for child in element]


def test_get_services_xml_and_json(hl):
    root = _xml("services.xml", JURISDICTION)
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    noise = next(s for s in root if s.find("service_code").text == "env-noise")
    assert _tags(noise) == SERVICE
    assert (noise.find("metadata").text, noise.find("type").text) == ("true", "realtime")
    listed = _json("services.json", JURISDICTION)
    assert all(list(s) == SERVICE for s in listed)
    assert all(isinstance(s["metadata"], bool) and s["type"] == "realtime" for s in listed)
    assert all(isinstance(s["keywords"], str) for s in listed)


def test_get_a_service_definition_xml_and_json(hl):
    root = _xml("services/env-noise.xml", JURISDICTION)
    assert root.tag == "service_definition"
    assert _tags(root) == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert {child.tag for child in attributes} == {"attribute"}
    first = attributes.find("attribute")
    assert _tags(first) == ATTRIBUTE
    assert {v.tag for v in first.find("values")} == {"value"}
    assert all(_tags(v) == ["key", "name"] for v in first.find("values"))
    assert [a.find("order").text for a in attributes] == ["1", "2"]
    definition = _json("services/env-noise.json", JURISDICTION)
    assert list(definition) == ["service_code", "attributes"]
    assert all(list(a) == ATTRIBUTE for a in definition["attributes"])
    assert all(list(v) == ["key", "name"] for v in definition["attributes"][0]["values"])


def test_post_requests_then_get_it_list_it_and_its_token(hl):
    key = services.open311_client_create(name="spec")[1]
    # The spec's example POST: every documented argument, attribute[...] included.
    body = {
        **JURISDICTION,
        "api_key": key,
        "service_code": "env-noise",
        "lat": "31.2281",
        "long": "121.5251",
        "address_string": "张杨路500弄1号",
        "email": "smit333@sfgov.edu",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "13900002222",
        "description": NOISE,
        "media_url": "http://example.org/noise.jpg",
        "attribute[noise_source]": "construction",
    }
    posted = Client(enforce_csrf_checks=True).post(f"{BASE}/requests.json", body)
    assert posted.status_code == 200
    (created,) = posted.json()
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    number = created["service_request_id"]
    xml = Client(enforce_csrf_checks=True).post(
        f"{BASE}/requests.xml", {**body, "attribute[noise_source]": "traffic"}
    )
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests"
    assert _tags(root.find("request")) == ["service_request_id", "service_notice", "account_id"]

    (one,) = _json(f"requests/{number}.json", JURISDICTION)
    assert list(one) == REQUEST
    assert (one["service_request_id"], one["status"], one["service_code"]) == (
        number,
        "open",
        "env-noise",
    )
    assert (one["lat"], one["long"]) == (31.2281, 121.5251)
    root = _xml(f"requests/{number}.xml", JURISDICTION)
    assert root.tag == "service_requests" and _tags(root) == ["request"]
    assert _tags(root.find("request")) == REQUEST

    window = {
        **JURISDICTION,
        "start_date": "2000-05-24T00:00:00Z",
        "end_date": "2999-06-24T00:00:00Z",
        "status": "open",
    }
    listed = _xml("requests.xml", window)
    assert listed.tag == "service_requests" and len(listed) == 2
    assert all(_tags(r) == REQUEST for r in listed)
    assert number in [r.find("service_request_id").text for r in listed]
    assert _xml("requests.xml", {**window, "status": "closed"}).findall("request") == []
    assert _xml("requests.xml", {**window, "end_date": "2000-06-24T00:00:00Z"}) is not None
    assert len(_xml("requests.xml", {**window, "end_date": "2000-06-24T00:00:00Z"})) == 0

    assert _json(f"tokens/{number}.json", JURISDICTION) == [
        {"service_request_id": number, "token": number}
    ]
    token = _xml(f"tokens/{number}.xml", JURISDICTION)
    assert token.tag == "service_requests"
    assert _tags(token.find("request")) == ["service_request_id", "token"]


def test_the_specs_error_shape_in_both_formats(hl):
    missing = Client().get(f"{BASE}/services/nope.xml")
    assert missing.status_code == 404
    root = ET.fromstring(missing.content)
    assert root.tag == "errors" and _tags(root) == ["error"]
    assert _tags(root.find("error")) == ["code", "description"]
    assert Client().get(f"{BASE}/tokens/nope.json").json() == [
        {"code": 404, "description": "token not found"}
    ]

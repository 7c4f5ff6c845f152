"""Open311 GeoReport v2: discovery, services, a service's definition, requests posted with an
api_key (form-encoded, no CSRF token), listed and followed, in JSON and XML."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tongban.hotline import services
from tongban.hotline.models import Ticket

from .conftest import NOISE, POINT

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def key(hl):
    return services.open311_client_create(name="FixMyStreet 测试")[1]


def _post(body, fmt="json"):
    return Client(enforce_csrf_checks=True).post(f"{BASE}/requests.{fmt}", body)


def test_discovery_and_services_in_both_formats(hl):
    found = Client().get(f"{BASE}/discovery.json").json()
    assert found["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    services_ = Client().get(f"{BASE}/services.json").json()
    assert len(services_) == 49
    noise = next(s for s in services_ if s["service_code"] == "env-noise")
    assert (noise["service_name"], noise["group"], noise["metadata"]) == ("噪声扰民", "环境", True)
    xml = Client().get(f"{BASE}/services")  # XML when no format is named
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and len(root.findall("service")) == 49
    definition = Client().get(f"{BASE}/services/env-air.json").json()
    assert definition == {"service_code": "env-air", "attributes": []}
    assert Client().get(f"{BASE}/services/nope.json").status_code == 404


def test_post_a_request_with_a_point_then_list_and_follow_it(hl, key):
    body = {
        "api_key": key,
        "service_code": "env-noise",
        "lat": str(POINT["lat"]),
        "long": str(POINT["lng"]),
        "description": NOISE,
        "first_name": "明",
        "last_name": "王",
        "phone": "13900002222",
    }
    response = _post(body)
    assert response.status_code == 200
    number = response.json()[0]["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    assert (ticket.channel, ticket.category.code, ticket.street_id) == (
        "open311",
        "env-noise",
        "310115004",
    )
    assert ticket.requester_name == "王明" and ticket.contact == "13900002222"
    listed = Client().get(f"{BASE}/requests.json", {"service_code": "env-noise", "status": "open"})
    assert [r["service_request_id"] for r in listed.json()] == [number]
    assert "13900002222" not in listed.content.decode()
    one = ET.fromstring(Client().get(f"{BASE}/requests/{number}.xml").content)
    assert one.find("request/status").text == "open"
    assert one.find("request/service_code").text == "env-noise"


def test_errors_are_the_specs_list_and_change_nothing(hl, key):
    bad_key = _post(
        {
            "api_key": "wrong",
            "service_code": "env-noise",
            "lat": "31.2281",
            "long": "121.5251",
            "description": NOISE,
        }
    )
    assert bad_key.status_code == 403
    assert bad_key.json()[0]["code"] == 403
    outside = _post(
        {
            "api_key": key,
            "service_code": "env-noise",
            "lat": "39.9087",
            "long": "116.3975",
            "description": NOISE,
        },
        fmt="xml",
    )
    assert outside.status_code == 422
    assert (
        "hotline.location.outside_city"
        in ET.fromstring(outside.content).find("error/description").text
    )
    empty = _post(
        {
            "api_key": key,
            "service_code": "env-noise",
            "lat": "31.2281",
            "long": "121.5251",
            "description": "",
        }
    )
    assert empty.status_code == 422 and "hotline.text.empty" in empty.json()[0]["description"]
    nan = _post(
        {
            "api_key": key,
            "service_code": "env-noise",
            "lat": "nan",
            "long": "1",
            "description": NOISE,
        }
    )
    assert nan.status_code == 400
    assert Client().get(f"{BASE}/requests/GD0.json").status_code == 404
    assert Client().get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert Ticket.objects.count() == 0


def test_updates_carry_the_extended_statuses_in_a_utc_window(hl, key):
    body = {
        "api_key": key,
        "service_code": "env-noise",
        "lat": "31.2281",
        "long": "121.5251",
        "description": NOISE,
    }
    number = _post(body).json()[0]["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")
    services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    services.ticket_start(staff=hl.handler, ticket_id=ticket.pk)
    updates = Client().get(f"{BASE}/servicerequestupdates.json").json()
    assert [u["status"] for u in updates] == [
        "INTERNAL_REFERRAL",
        "ACTION_SCHEDULED",
        "IN_PROGRESS",
    ]
    assert all(u["updated_datetime"].endswith("Z") for u in updates)
    later = Client().get(
        f"{BASE}/servicerequestupdates.xml", {"start_date": "2999-01-01T00:00:00Z"}
    )
    assert ET.fromstring(later.content).findall("request_update") == []
    token = Client().get(f"{BASE}/tokens/{number}.json").json()
    assert token == [{"service_request_id": number, "token": number}]

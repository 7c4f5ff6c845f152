"""Open311 beyond filing: mySociety's ``servicerequestupdates`` POST (each status mapped onto
the state machine or kept as a note), service attributes, ``jurisdiction_id``, the updates'
UTC windows, and the demo's ``demo-open311-key``."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tongban.demo import seed as demo
from tongban.hotline import services
from tongban.hotline.models import Open311Client, Ticket, TicketEvent

from .conftest import NOISE

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
WHERE = {"lat": "31.2281", "long": "121.5251"}


@pytest.fixture
def key(hl):
    return services.open311_client_create(name="FixMyStreet 测试")[1]


def _client():
    return Client(enforce_csrf_checks=True)


def _file(key, **extra):
    body = {"api_key": key, "service_code": "env-noise", "description": NOISE, **WHERE, **extra}
    response = _client().post(f"{BASE}/requests.json", body)
    assert response.status_code == 200, response.content
    return Ticket.objects.get(number=response.json()[0]["service_request_id"])


def _update(key, number, status, fmt="json", **extra):
    body = {
        "api_key": key,
        "service_request_id": number,
        "status": status,
        "description": "居民反馈",
        "updated_datetime": "2026-12-02T08:00:00Z",
        "update_id": "fms-1",
        **extra,
    }
    return _client().post(f"{BASE}/servicerequestupdates.{fmt}", body)


def _to_replied(hl, ticket):
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")
    services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    services.ticket_start(staff=hl.handler, ticket_id=ticket.pk)
    services.ticket_reply(staff=hl.handler, ticket_id=ticket.pk, answer="已责令工地夜间停工。")


def test_closed_on_a_replied_ticket_closes_it_solved_then_reopen_reopens_it(hl, key):
    ticket = _file(key)
    _to_replied(hl, ticket)
    closed = _update(key, ticket.number, "CLOSED", first_name="明", last_name="王")
    assert closed.status_code == 200
    update_id = closed.json()[0]["update_id"]
    ticket.refresh_from_db()
    assert (ticket.state, ticket.solved) == ("closed", True)
    event = TicketEvent.objects.get(pk=update_id)
    assert (event.from_state, event.to_state, event.note) == ("replied", "closed", "居民反馈")
    assert event.details["open311_status"] == "CLOSED"
    assert event.details["client_update_id"] == "fms-1"

    reopened = _update(key, ticket.number, "REOPEN", fmt="xml")
    assert reopened.status_code == 200
    root = ET.fromstring(reopened.content)
    assert root.tag == "service_request_updates"
    assert root.find("request_update/update_id").text.isdigit()
    ticket.refresh_from_db()
    assert (ticket.state, ticket.reopen_count) == ("reopened", 1)
    listed = Client().get(f"{BASE}/servicerequestupdates.json").json()
    assert [u["status"] for u in listed][-2:] == ["FIXED", "REOPEN"]


@pytest.mark.parametrize(
    "status",
    [
        "OPEN",
        "CLOSED",
        "IN_PROGRESS",
        "ACTION_SCHEDULED",
        "DUPLICATE",
        "NOT_COUNCILS_RESPONSIBILITY",
        "NO_FURTHER_ACTION",
        "INTERNAL_REFERRAL",
        "REOPEN",
    ],
)
def test_a_status_with_no_transition_from_received_is_an_update_note(hl, key, status):
    ticket = _file(key)
    before = Client().get(f"{BASE}/servicerequestupdates.json").json()
    response = _update(key, ticket.number, status)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.state == "received"
    note = TicketEvent.objects.get(pk=response.json()[0]["update_id"])
    assert (note.ticket_id, note.to_state, note.note) == (ticket.pk, "", "居民反馈")
    assert note.details["open311_status"] == status
    # the app's own note is not echoed back to it as the council's update
    assert Client().get(f"{BASE}/servicerequestupdates.json").json() == before


def test_bad_updates_are_the_specs_errors_and_change_nothing(hl, key):
    ticket = _file(key)
    events = TicketEvent.objects.count()
    wrong_key = _update("wrong", ticket.number, "CLOSED")
    assert wrong_key.status_code == 403
    assert wrong_key.json() == [
        {"code": 403, "description": "hotline.open311.api_key: api_key 无效。"}
    ]
    unknown = _update(key, "GD0", "CLOSED", fmt="xml")
    assert unknown.status_code == 404
    assert ET.fromstring(unknown.content).find("error/code").text == "404"
    bad_status = _update(key, ticket.number, "SOLVED")
    assert bad_status.status_code == 400
    assert bad_status.json() == [
        {"code": 400, "description": "hotline.open311.status: status: status 无效。"}
    ]
    bad_date = _update(key, ticket.number, "CLOSED", updated_datetime="yesterday")
    assert bad_date.status_code == 400 and bad_date.json()[0]["code"] == 400
    no_status = _update(key, ticket.number, "")
    assert no_status.status_code == 400
    other_place = _update(key, ticket.number, "CLOSED", jurisdiction_id="beijing")
    assert other_place.status_code == 404
    assert other_place.json() == [{"code": 404, "description": "jurisdiction_id not found"}]
    assert Client().put(f"{BASE}/servicerequestupdates.json").status_code == 405
    ticket.refresh_from_db()
    assert ticket.state == "received" and TicketEvent.objects.count() == events


def test_service_definitions_publish_attributes_and_posts_are_checked_against_them(hl, key):
    definition = Client().get(f"{BASE}/services/env-noise.json").json()
    assert definition["service_code"] == "env-noise"
    source = definition["attributes"][0]
    assert source == {
        "variable": True,
        "code": "noise_source",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "",
        "order": 1,
        "description": "噪声来源",
        "values": [
            {"key": "construction", "name": "建筑施工"},
            {"key": "commercial", "name": "商业经营"},
            {"key": "traffic", "name": "交通"},
            {"key": "neighbour", "name": "邻里生活"},
        ],
    }
    xml = ET.fromstring(Client().get(f"{BASE}/services/city-street-lamp.xml").content)
    attribute = xml.find("attributes/attribute")
    assert attribute.find("code").text == "lamp_fault"
    assert attribute.find("required").text == "true"
    assert [v.find("key").text for v in attribute.findall("values/value")] == [
        "dark",
        "flicker",
        "daytime",
        "damaged",
    ]
    ticket = _file(
        key, **{"attribute[noise_source]": "construction", "attribute[night_time]": "yes"}
    )
    filed = ticket.events.exclude(details={}).get(details__has_key="attributes")
    assert filed.details["attributes"] == {"noise_source": "construction", "night_time": "yes"}

    refused = [
        ({"attribute[noise_source]": "aliens"}, "env-noise", "attribute[noise_source]"),
        ({"attribute[colour]": "red"}, "env-noise", "attribute[colour]"),
        ({}, "city-street-lamp", "attribute[lamp_fault]"),
        ({"attribute[灯]": "dark"}, "city-street-lamp", "attribute[灯]"),
    ]
    for extra, code, field in refused:
        body = {"api_key": key, "service_code": code, "description": NOISE, **WHERE, **extra}
        response = _client().post(f"{BASE}/requests.json", body)
        assert response.status_code == 400, (extra, response.content)
        (error,) = response.json()
        assert error["code"] == 400 and field in error["description"]
    assert Ticket.objects.count() == 1


def test_jurisdiction_id_is_accepted_everywhere_and_another_is_not_found(hl, key):
    ours = {"jurisdiction_id": "shanghai.tongban"}
    ticket = _file(key, **ours)
    for path in (
        "discovery.json",
        "services.json",
        "services/env-noise.json",
        "requests.json",
        f"requests/{ticket.number}.json",
        f"tokens/{ticket.number}.json",
        "servicerequestupdates.json",
    ):
        assert Client().get(f"{BASE}/{path}", ours).status_code == 200, path
        other = Client().get(f"{BASE}/{path}", {"jurisdiction_id": "beijing"})
        assert other.status_code == 404, path
        assert other.json() == [{"code": 404, "description": "jurisdiction_id not found"}]
    body = {"api_key": key, "service_code": "env-noise", "description": NOISE, **WHERE}
    refused = _client().post(f"{BASE}/requests.xml", {**body, "jurisdiction_id": "beijing"})
    assert refused.status_code == 404
    assert ET.fromstring(refused.content).find("error/description").text == (
        "jurisdiction_id not found"
    )
    assert Ticket.objects.count() == 1


def test_updates_are_filtered_by_utc_windows(hl, key):
    ticket = _file(key)
    services.ticket_dispatch(staff=hl.dispatcher, ticket_id=ticket.pk, category="env-noise")
    services.ticket_accept(staff=hl.handler, ticket_id=ticket.pk)
    dispatched, accepted = TicketEvent.objects.filter(
        ticket=ticket, to_state__in=("dispatched", "accepted")
    ).order_by("pk")
    # put the two changes on either side of 08:00 UTC, given in UTC and in +08:00
    dispatched.at = dt.datetime(2026, 12, 2, 7, 30, tzinfo=dt.UTC)
    accepted.at = dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC)
    dispatched.save(update_fields=["at"])
    accepted.save(update_fields=["at"])

    def statuses(**window):
        response = Client().get(f"{BASE}/servicerequestupdates.json", window)
        assert response.status_code == 200
        return [(u["status"], u["updated_datetime"]) for u in response.json()]

    assert statuses(end_date="2026-12-02T08:00:00Z") == [
        ("INTERNAL_REFERRAL", "2026-12-02T07:30:00Z")
    ]
    assert statuses(
        start_date="2026-12-02T16:00:00+08:00", end_date="2026-12-02T17:00:00+08:00"
    ) == [("ACTION_SCHEDULED", "2026-12-02T08:30:00Z")]
    assert statuses(start_date="2026-12-02T09:00:00Z", end_date="2026-12-02T10:00:00Z") == []
    bad = Client().get(f"{BASE}/servicerequestupdates.xml", {"end_date": "2026-13-40"})
    assert bad.status_code == 400
    assert ET.fromstring(bad.content).find("error/code").text == "400"


def test_the_demo_seeds_demo_open311_key_once(hl):
    demo.seed_hotline()
    demo.seed_hotline()
    assert Open311Client.objects.count() == 1
    ticket = _file("demo-open311-key")
    assert ticket.channel == "open311"

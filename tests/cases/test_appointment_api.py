"""The appointments API: the public sees groups and open slots; applicants book, reschedule,
cancel and list their own; center staff publish and check in only at their own center; refusals
name the field or the rule and change nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tongban.cases import appointments as verbs
from tongban.cases.models import Appointment, AppointmentSlot

from .test_appointments import later_today, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_noon")]
API = "/api/v1/cases/appointments"
TOMORROW = timezone.localdate() + timedelta(days=1)


def _client(account=None):
    client = Client()
    if account is not None:
        client.force_login(account)
    return client


def _post(client, path, body=None):
    return client.post(f"{API}{path or '/'}", body or {}, content_type="application/json")


@pytest.fixture
def hall(world):
    world.group = verbs.appointment_group_create(
        staff=world.clerk_a, name="户籍业务", item_ids=[world.item.pk]
    )
    world.slot, world.slot2 = publish(
        world.clerk_a, world.group, times=(("09:00", "10:00"), ("10:00", "11:00")), capacity=1
    )
    return world


def test_the_public_sees_groups_and_open_slots(hall):
    client = _client()
    groups = client.get(f"{API}/groups")
    assert groups.status_code == 200
    assert groups.json() == [
        {
            "id": hall.group.pk,
            "name": "户籍业务",
            "center": "甲局",
            "center_code": "dept-a",
            "queue_letter": "A",
            "item_ids": [hall.item.pk],
            "active": True,
        }
    ]
    slots = client.get(f"{API}/groups/{hall.group.pk}/slots", {"on": TOMORROW.isoformat()})
    assert [(s["start"], s["seats_left"]) for s in slots.json()] == [
        ("09:00:00", 1),
        ("10:00:00", 1),
    ]
    assert client.get(f"{API}/groups/999999/slots").status_code == 404
    assert client.get(f"{API}/mine").status_code == 401
    assert _post(client, "", {"slot_id": hall.slot.pk}).status_code == 401


def test_applicant_books_reschedules_lists_and_cancels(hall):
    client = _client(hall.account)
    body = {"slot_id": hall.slot.pk, "item_id": hall.item.pk, "idempotency_key": "k"}
    created = _post(client, "", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["state"], data["state_label"], data["center"]) == ("booked", "已预约", "甲局")
    assert data["slot"]["seats_left"] == 0
    assert _post(client, "", body).json()["id"] == data["id"]  # a double click books once
    moved = _post(client, f"/{data['id']}/reschedule", {"slot_id": hall.slot2.pk})
    assert moved.status_code == 200 and moved.json()["slot"]["id"] == hall.slot2.pk
    assert [a["id"] for a in client.get(f"{API}/mine").json()] == [data["id"]]
    cancelled = _post(client, f"/{data['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert [s.booked for s in AppointmentSlot.objects.order_by("start")] == [0, 0]


def test_booking_a_full_slot_is_409_with_the_slot_named_and_nothing_changed(hall):
    _post(_client(hall.other.account), "", {"slot_id": hall.slot.pk})
    response = _post(_client(hall.account), "", {"slot_id": hall.slot.pk})
    assert response.status_code == 409
    assert response.json()["code"] == "appointment.slot_full"
    assert f"户籍业务 {TOMORROW:%Y-%m-%d} 09:00–10:00" in response.json()["message"]
    assert Appointment.objects.count() == 1 and AppointmentSlot.objects.get(pk=hall.slot.pk).booked


def test_bad_input_names_the_field(hall):
    client = _client(hall.account)
    missing = _post(client, "", {})
    assert missing.status_code == 422
    other_item = _post(client, "", {"slot_id": hall.slot.pk, "item_id": 424242})
    assert other_item.status_code == 422 and other_item.json()["fields"] == {
        "item_id": "所选事项不在该业务分组内。"
    }
    assert not Appointment.objects.exists()


def test_someone_elses_booking_is_404_and_unchanged(hall):
    mine = verbs.appointment_book(account=hall.account, slot_id=hall.slot.pk)
    intruder = _client(hall.other.account)
    assert _post(intruder, f"/{mine.pk}/cancel").status_code == 404
    moved = _post(intruder, f"/{mine.pk}/reschedule", {"slot_id": hall.slot2.pk})
    assert moved.status_code == 404 and moved.json()["code"] == "appointment.not_found"
    assert Appointment.objects.get(pk=mine.pk).state == "booked"
    assert Appointment.objects.get(pk=mine.pk).slot_id == hall.slot.pk


def test_staff_create_groups_and_publish_slots_for_their_own_center(hall):
    clerk = _client(hall.clerk_a.account)
    group = _post(clerk, "/staff/groups", {"name": "社保业务", "queue_letter": "B"})
    assert group.status_code == 201 and group.json()["queue_letter"] == "B"
    body = {
        "date_from": TOMORROW.isoformat(),
        "date_to": TOMORROW.isoformat(),
        "times": [{"start": "09:00", "end": "09:30"}, {"start": "09:30", "end": "10:00"}],
        "capacity": 3,
        "workdays_only": False,
    }
    published = _post(clerk, f"/staff/groups/{group.json()['id']}/slots", body)
    assert published.status_code == 201 and published.json() == {"created": 2}
    listed = clerk.get(f"{API}/staff/groups/{group.json()['id']}/slots").json()
    assert [(s["start"], s["capacity"], s["booked"]) for s in listed] == [
        ("09:00:00", 3, 0),
        ("09:30:00", 3, 0),
    ]
    assert [g["name"] for g in clerk.get(f"{API}/staff/groups").json()] == ["户籍业务", "社保业务"]
    bad = _post(clerk, f"/staff/groups/{group.json()['id']}/slots", {**body, "capacity": 0})
    assert bad.status_code == 422 and "capacity" in bad.json()["fields"]


def test_slot_times_are_local_times_without_a_zone(hall):
    clerk = _client(hall.clerk_a.account)
    body = {
        "date_from": TOMORROW.isoformat(),
        "date_to": TOMORROW.isoformat(),
        "times": [{"start": "14:00+08:00", "end": "15:00"}],
        "capacity": 3,
        "workdays_only": False,
    }
    before = AppointmentSlot.objects.count()
    response = _post(clerk, f"/staff/groups/{hall.group.pk}/slots", body)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["times.0.start"]
    assert AppointmentSlot.objects.count() == before


def test_other_center_and_wrong_role_are_refused_and_nothing_changes(hall):
    body = {
        "date_from": TOMORROW.isoformat(),
        "date_to": (TOMORROW + timedelta(days=3)).isoformat(),
        "times": [{"start": "14:00", "end": "15:00"}],
        "capacity": 3,
        "workdays_only": False,
    }
    before = AppointmentSlot.objects.count()
    other_center = _post(
        _client(hall.clerk_b.account), f"/staff/groups/{hall.group.pk}/slots", body
    )
    assert other_center.status_code == 403
    assert other_center.json()["code"] == "appointment.wrong_center"
    reviewer = _post(_client(hall.reviewer_a.account), f"/staff/groups/{hall.group.pk}/slots", body)
    assert reviewer.status_code == 403 and reviewer.json()["code"] == "staff.role"
    citizen = _post(_client(hall.account), f"/staff/groups/{hall.group.pk}/slots", body)
    assert citizen.status_code == 403 and citizen.json()["code"] == "staff.required"
    assert (
        _client(hall.clerk_b.account).get(f"{API}/staff/groups/{hall.group.pk}/slots").status_code
        == 403
    )
    assert (
        _post(_client(hall.reviewer_a.account), "/staff/groups", {"name": "x组"}).status_code == 403
    )
    assert AppointmentSlot.objects.count() == before


def test_check_in_at_the_own_center_only(hall):
    start, end = later_today()
    [today] = publish(hall.clerk_a, hall.group, day=timezone.localdate(), times=((start, end),))
    appointment = verbs.appointment_book(account=hall.account, slot_id=today.pk)
    for staff in (hall.clerk_b, hall.reviewer_a):
        refused = _post(_client(staff.account), f"/staff/{appointment.pk}/check-in")
        assert refused.status_code == 403
    assert _client(hall.clerk_b.account).get(f"{API}/staff/arrivals").json() == []
    assert _client(hall.reviewer_a.account).get(f"{API}/staff/arrivals").status_code == 403
    assert _post(_client(hall.account), f"/staff/{appointment.pk}/check-in").status_code == 403
    assert Appointment.objects.get(pk=appointment.pk).queue_number == ""

    clerk = _client(hall.clerk_a.account)
    [arrival] = clerk.get(f"{API}/staff/arrivals").json()
    assert arrival["person_id_number"] == hall.person.id_number_masked
    first = _post(clerk, f"/staff/{appointment.pk}/check-in")
    assert first.status_code == 200 and first.json()["queue_number"] == "A001"
    again = _post(clerk, f"/staff/{appointment.pk}/check-in")
    assert again.json()["queue_number"] == "A001"
    mine = _client(hall.account).get(f"{API}/mine").json()
    assert (mine[0]["state"], mine[0]["queue_number"]) == ("checked_in", "A001")

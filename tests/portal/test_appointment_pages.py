"""网上预约 pages of the portal: browse groups and slots, book, 我的预约 with reschedule and
cancel; refusals show the service's Chinese message with its 4xx and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import World
from tests.cases.test_appointments import publish
from tongban.cases import appointments as verbs
from tongban.cases.models import Appointment, AppointmentSlot

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.fixture
def hall(make):
    world = World(make)
    world.group = verbs.appointment_group_create(
        staff=world.clerk_a, name="户籍业务", item_ids=[world.item.pk]
    )
    world.slot, world.slot2 = publish(
        world.clerk_a, world.group, times=(("09:00", "10:00"), ("10:00", "11:00")), capacity=1
    )
    return world


def test_the_public_browses_groups_and_slots(client, hall):
    listing = client.get("/appointments/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "甲局" in body and f'href="/appointments/groups/{hall.group.pk}/"' in body
    page = client.get(f"/appointments/groups/{hall.group.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "09:00–10:00" in body and "剩余 1 个" in body and "登录后即可预约" in body
    assert client.get("/appointments/groups/999999/").status_code == 404


def test_book_then_reschedule_then_cancel(client, hall):
    client.force_login(hall.account)
    page = client.get(f"/appointments/groups/{hall.group.pk}/").content.decode()
    assert 'aria-label="预约 09:00–10:00"' in page and "居住证办理" in page
    booked = client.post(
        f"/appointments/groups/{hall.group.pk}/book/",
        {"slot_id": hall.slot.pk, "item_id": hall.item.pk, "idempotency_key": "p1"},
    )
    assert booked.status_code == 302 and booked["Location"] == "/appointments/mine/"
    appointment = Appointment.objects.get()
    assert appointment.item_id == hall.item.pk
    mine = client.get("/appointments/mine/").content.decode()
    assert "预约成功" in mine and "户籍业务" in mine and "已预约" in mine
    moved = client.post(f"/appointments/{appointment.pk}/reschedule/", {"slot_id": hall.slot2.pk})
    assert moved.status_code == 302
    assert [s.booked for s in AppointmentSlot.objects.order_by("start")] == [0, 1]
    cancelled = client.post(f"/appointments/{appointment.pk}/cancel/")
    assert cancelled.status_code == 302
    assert Appointment.objects.get().state == "cancelled"
    assert "已取消预约" in client.get("/appointments/mine/").content.decode()


def test_booking_a_full_slot_shows_the_message_and_changes_nothing(client, hall):
    verbs.appointment_book(account=hall.other.account, slot_id=hall.slot.pk)
    client.force_login(hall.account)
    response = client.post(
        f"/appointments/groups/{hall.group.pk}/book/",
        {"slot_id": hall.slot.pk, "date": TOMORROW.isoformat()},
    )
    assert response.status_code == 409
    label = f"户籍业务 {TOMORROW:%Y-%m-%d} 09:00–10:00"
    assert f"“{label}”时段已约满，请选择其他时段。" in response.content.decode()
    assert Appointment.objects.count() == 1
    assert AppointmentSlot.objects.get(pk=hall.slot.pk).booked == 1


def test_someone_elses_booking_is_404_and_unchanged(client, hall):
    theirs = verbs.appointment_book(account=hall.other.account, slot_id=hall.slot.pk)
    client.force_login(hall.account)
    assert client.get(f"/appointments/{theirs.pk}/reschedule/").status_code == 404
    cancelled = client.post(f"/appointments/{theirs.pk}/cancel/")
    assert cancelled.status_code == 404
    assert "预约不存在，或不是您的预约。" in cancelled.content.decode()
    assert Appointment.objects.get(pk=theirs.pk).state == "booked"


def test_rescheduling_into_a_full_slot_keeps_the_booking(client, hall):
    mine = verbs.appointment_book(account=hall.account, slot_id=hall.slot.pk)
    verbs.appointment_book(account=hall.other.account, slot_id=hall.slot2.pk)
    client.force_login(hall.account)
    response = client.post(f"/appointments/{mine.pk}/reschedule/", {"slot_id": hall.slot2.pk})
    assert response.status_code == 409 and "时段已约满" in response.content.decode()
    assert Appointment.objects.get(pk=mine.pk).slot_id == hall.slot.pk


def test_pages_need_a_personal_account(client, hall):
    assert client.get("/appointments/mine/").status_code == 302
    client.force_login(hall.clerk_a.account)
    assert client.get("/appointments/mine/").status_code == 403
    booked = client.post(f"/appointments/groups/{hall.group.pk}/book/", {"slot_id": hall.slot.pk})
    assert booked.status_code == 403 and not Appointment.objects.exists()

"""Workbench 预约签到 pages: only the center's own counter clerks and heads; arrivals with check-in
and the queue number; new groups and publishing slots; refusals change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import World
from tests.cases.test_appointments import later_today, publish
from tongban.cases import appointments as verbs
from tongban.cases.models import Appointment, AppointmentGroup, AppointmentSlot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_noon")]
TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.fixture
def hall(make):
    world = World(make)
    world.group = verbs.appointment_group_create(staff=world.clerk_a, name="户籍业务")
    return world


def _publish_form(**changes):
    return {
        "date_from": TOMORROW.isoformat(),
        "date_to": (TOMORROW + timedelta(days=1)).isoformat(),
        "times": "09:00-10:00\n10:00-11:00",
        "capacity": "4",
        **changes,
    }


def test_clerk_creates_a_group_and_publishes_slots(client, hall):
    client.force_login(hall.clerk_a.account)
    desk = client.get("/workbench/appointments/")
    assert desk.status_code == 200 and "户籍业务" in desk.content.decode()
    created = client.post("/workbench/appointments/", {"name": "社保业务", "queue_letter": "B"})
    group = AppointmentGroup.objects.get(name="社保业务")
    assert created.status_code == 302
    assert created["Location"] == f"/workbench/appointments/groups/{group.pk}/"
    published = client.post(created["Location"], _publish_form())
    assert published.status_code == 302
    assert AppointmentSlot.objects.filter(group=group, capacity=4).count() == 4
    page = client.get(created["Location"]).content.decode()
    assert "已发布 4 个时段。" in page and "0 / 4" in page


def test_bad_publish_input_shows_the_field_message(client, hall):
    client.force_login(hall.clerk_a.account)
    path = f"/workbench/appointments/groups/{hall.group.pk}/"
    bad_line = client.post(path, _publish_form(times="上午九点"))
    assert bad_line.status_code == 400
    assert "第 1 行应写成 09:00-10:00 这样的时段。" in bad_line.content.decode()
    overlap = client.post(path, _publish_form(times="09:00-10:00\n09:30-10:30"))
    assert overlap.status_code == 422 and "重叠" in overlap.content.decode()
    duplicate = client.post("/workbench/appointments/", {"name": "户籍业务", "queue_letter": "A"})
    assert duplicate.status_code == 409
    assert "本中心已有名为“户籍业务”的业务分组。" in duplicate.content.decode()
    assert not AppointmentSlot.objects.exists() and AppointmentGroup.objects.count() == 1


def test_other_center_and_other_roles_are_refused(client, hall):
    path = f"/workbench/appointments/groups/{hall.group.pk}/"
    client.force_login(hall.clerk_b.account)
    refused = client.post(path, _publish_form())
    assert (
        refused.status_code == 403 and "您只能管理本中心（乙局）的预约" in refused.content.decode()
    )
    client.force_login(hall.reviewer_a.account)
    assert client.get("/workbench/appointments/").status_code == 403
    assert client.post(path, _publish_form()).status_code == 403
    assert not AppointmentSlot.objects.exists()


def test_check_in_shows_the_queue_number_and_refuses_another_center(client, hall):
    start, end = later_today()
    [slot] = publish(hall.clerk_a, hall.group, day=timezone.localdate(), times=((start, end),))
    appointment = verbs.appointment_book(account=hall.account, slot_id=slot.pk)

    client.force_login(hall.clerk_b.account)
    other = client.post(f"/workbench/appointments/{appointment.pk}/check-in/")
    assert other.status_code == 403
    assert "该预约在甲局办理，不能在本中心（乙局）签到取号。" in other.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).queue_number == ""

    client.force_login(hall.clerk_a.account)
    desk = client.get("/workbench/appointments/").content.decode()
    assert "张*" in desk and hall.person.id_number_masked in desk and "签到取号" in desk
    done = client.post(f"/workbench/appointments/{appointment.pk}/check-in/")
    assert done.status_code == 302
    desk = client.get("/workbench/appointments/").content.decode()
    assert "张* 已签到，排队号 A001。" in desk and "<strong>A001</strong>" in desk

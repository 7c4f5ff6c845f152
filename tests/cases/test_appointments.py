"""Appointments (网上预约): centers publish slots, applicants book, reschedule and cancel, a queue
number is issued on arrival; capacity holds under concurrent bookings; bad input changes nothing."""

import threading
from datetime import time, timedelta
from time import sleep

import pytest
from django.db import connection
from django.utils import timezone

from tongban.cases import appointment_selectors as reads
from tongban.cases import appointments as verbs
from tongban.cases.choices import AppointmentState as A
from tongban.cases.models import Appointment, AppointmentSlot
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEntry
from tongban.notify.models import Message

pytestmark = pytest.mark.usefixtures("clock_at_noon")
TOMORROW = timezone.localdate() + timedelta(days=1)


def later_today(minutes: int = 30) -> tuple[time, time]:
    """A slot later today that has not started yet (the module runs with ``clock_at_noon``)."""
    now = timezone.localtime()
    start = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=minutes)
    assert end.date() == now.date(), "use the clock_at_noon fixture"
    return start.time(), end.time()


def publish(staff, group, *, day=TOMORROW, times=(("09:00", "10:00"),), capacity=2):
    verbs.appointment_slots_publish(
        staff=staff,
        group_id=group.pk,
        date_from=day,
        date_to=day,
        times=times,
        capacity=capacity,
        workdays_only=False,
    )
    return list(AppointmentSlot.objects.filter(group=group, date=day).order_by("start"))


@pytest.fixture
def hall(world):
    """甲局's hall with one group (queue letter A) and two slots tomorrow, two seats each."""
    world.group = verbs.appointment_group_create(
        staff=world.clerk_a, name="户籍业务", item_ids=[world.item.pk]
    )
    world.slot, world.slot2 = publish(
        world.clerk_a, world.group, times=(("09:00", "10:00"), ("10:00", "11:00"))
    )
    return world


def book(world, slot, account=None, **kwargs):
    return verbs.appointment_book(account=account or world.account, slot_id=slot.pk, **kwargs)


def bodies() -> list[str]:
    """The applicant's text messages, oldest first (bodies are sealed, so read in Python); each
    has its twin in their site inbox (``test_each_message_also_lands_in_the_site_inbox``)."""
    return [m.body for m in Message.objects.filter(channel="sms").order_by("id")]


def booked(slot) -> int:
    return AppointmentSlot.objects.get(pk=slot.pk).booked


# --- publishing -------------------------------------------------------------------------------


def test_publish_creates_slots_on_working_days_and_again_creates_nothing(world):
    from tongban.cases import clock

    group = verbs.appointment_group_create(staff=world.head_a, name="社保业务", queue_letter="b")
    assert group.queue_letter == "B" and group.center == world.dept_a
    week = [TOMORROW + timedelta(days=i) for i in range(7)]
    args = dict(staff=world.clerk_a, group_id=group.pk, date_from=week[0], date_to=week[-1])
    created = verbs.appointment_slots_publish(**args)
    workdays = sum(clock.is_workday(d) for d in week)
    assert created == workdays * len(verbs.DEFAULT_TIMES)
    assert verbs.appointment_slots_publish(**args) == 0
    assert AppointmentSlot.objects.filter(group=group).count() == created
    assert {s.capacity for s in AppointmentSlot.objects.filter(group=group)} == {5}
    # Publishing nothing new is not an event (a seed republishes on every run).
    assert AuditEntry.objects.filter(action="cases.appointment.slots_publish").count() == 1


def test_publishing_today_skips_slots_that_have_started(world):
    group = verbs.appointment_group_create(staff=world.clerk_a, name="今日")
    start, end = later_today()
    slots = publish(
        world.clerk_a, group, day=timezone.localdate(), times=(("00:00", "00:01"), (start, end))
    )
    assert [(s.start, s.end) for s in slots] == [(start, end)]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"date_from": TOMORROW - timedelta(days=2)}, "appointment.slots.past", "date_from"),
        ({"date_to": TOMORROW - timedelta(days=1)}, "appointment.slots.range", "date_to"),
        ({"date_to": TOMORROW + timedelta(days=62)}, "appointment.slots.too_long", "date_to"),
        ({"capacity": 0}, "appointment.slots.capacity", "capacity"),
        ({"times": [("10:00", "09:00")]}, "appointment.slots.order", "times"),
        ({"times": [("09:00", "10:00"), ("09:30", "10:30")]}, "appointment.slots.overlap", "times"),
        ({"times": [("9点", "10:00")]}, "appointment.slots.time", "times"),
        ({"times": []}, "appointment.slots.times", "times"),
    ],
)
def test_publish_refuses_bad_input_and_creates_nothing(world, changes, code, field):
    group = verbs.appointment_group_create(staff=world.clerk_a, name="户籍业务")
    args = dict(staff=world.clerk_a, group_id=group.pk, date_from=TOMORROW, date_to=TOMORROW)
    with pytest.raises(InvalidInput) as exc:
        verbs.appointment_slots_publish(**{**args, **changes})
    assert exc.value.code == code and field in exc.value.fields
    assert not AppointmentSlot.objects.exists()


def test_publish_only_for_own_center_and_by_counter_roles(world):
    group = verbs.appointment_group_create(staff=world.clerk_a, name="户籍业务")
    args = dict(group_id=group.pk, date_from=TOMORROW, date_to=TOMORROW)
    with pytest.raises(Forbidden) as other_center:
        verbs.appointment_slots_publish(staff=world.clerk_b, **args)
    assert other_center.value.code == "appointment.wrong_center"
    assert "甲局" in other_center.value.message and "乙局" in other_center.value.message
    with pytest.raises(Forbidden) as wrong_role:
        verbs.appointment_slots_publish(staff=world.reviewer_a, **args)
    assert wrong_role.value.code == "staff.role"
    assert not AppointmentSlot.objects.exists()


def test_group_create_refuses_bad_input(world):
    with pytest.raises(InvalidInput) as no_name:
        verbs.appointment_group_create(staff=world.clerk_a, name="  ")
    assert no_name.value.fields == {"name": "请填写业务分组名称。"}
    with pytest.raises(InvalidInput) as letter:
        verbs.appointment_group_create(staff=world.clerk_a, name="甲", queue_letter="甲")
    assert "queue_letter" in letter.value.fields
    with pytest.raises(InvalidInput) as items:
        verbs.appointment_group_create(staff=world.clerk_a, name="甲", item_ids=[987654])
    assert items.value.fields == {"item_ids": "以下事项不存在或未发布：987654。"}
    verbs.appointment_group_create(staff=world.clerk_a, name="甲")
    with pytest.raises(Conflict) as twice:
        verbs.appointment_group_create(staff=world.clerk_a, name="甲")
    assert twice.value.message == "本中心已有名为“甲”的业务分组。"
    with pytest.raises(Forbidden):
        verbs.appointment_group_create(staff=world.reviewer_a, name="乙")
    assert len(reads.groups_for_staff(staff=world.clerk_a)) == 1


# --- booking ----------------------------------------------------------------------------------


def test_book_takes_a_seat_and_tells_the_applicant(hall):
    appointment = book(hall, hall.slot, item_id=hall.item.pk)
    assert appointment.state == A.BOOKED and appointment.person == hall.person
    assert appointment.item_id == hall.item.pk and appointment.queue_number == ""
    assert booked(hall.slot) == 1
    message = Message.objects.get(recipient_masked=hall.person.mobile_masked)
    label = f"户籍业务 {TOMORROW:%Y-%m-%d} 09:00–10:00"
    assert message.body == f"【一网通办】您已预约甲局“{label}”，请按时到场签到取号。"
    entry = AuditEntry.objects.get(action="cases.appointment.book")
    assert entry.subject_person_id == hall.person.pk
    assert [s.seats_left for s in reads.slots_open(group_id=hall.group.pk)] == [1, 2]
    assert reads.open_days(group_id=hall.group.pk) == [{"date": TOMORROW, "seats_left": 3}]


def test_booking_a_full_slot_is_refused_with_the_slot_named(hall):
    book(hall, hall.slot)
    book(hall, hall.slot, account=hall.other.account)
    third = hall.make.person(name="王五")
    with pytest.raises(Conflict) as exc:
        book(hall, hall.slot, account=third.account)
    label = f"户籍业务 {TOMORROW:%Y-%m-%d} 09:00–10:00"
    assert exc.value.code == "appointment.slot_full"
    assert exc.value.message == f"“{label}”时段已约满，请选择其他时段。"
    assert booked(hall.slot) == 2
    assert not Appointment.objects.filter(person=third).exists()


def test_booking_twice_is_refused_but_a_repeated_key_returns_the_same_booking(hall):
    first = book(hall, hall.slot, idempotency_key="k1")
    assert book(hall, hall.slot, idempotency_key="k1") == first
    with pytest.raises(Conflict) as exc:
        book(hall, hall.slot)
    assert exc.value.code == "appointment.duplicate"
    assert booked(hall.slot) == 1 and Appointment.objects.count() == 1


def test_booking_refuses_past_slots_unknown_slots_and_items_outside_the_group(hall):
    yesterday = AppointmentSlot.objects.create(
        group=hall.group,
        date=timezone.localdate() - timedelta(days=1),
        start=time(9),
        end=time(10),
        capacity=2,
    )
    with pytest.raises(Conflict) as past:
        book(hall, yesterday)
    assert past.value.code == "appointment.slot_past"
    with pytest.raises(NotFound):
        verbs.appointment_book(account=hall.account, slot_id=999999)
    other_item = hall.publish(name="别的事项")
    with pytest.raises(InvalidInput) as item:
        book(hall, hall.slot, item_id=other_item.pk)
    assert item.value.fields == {"item_id": "所选事项不在该业务分组内。"}
    with pytest.raises(Forbidden) as staff:
        book(hall, hall.slot, account=hall.clerk_a.account)
    assert staff.value.code == "case.person_required"
    assert not Appointment.objects.exists() and booked(hall.slot) == 0 and yesterday.booked == 0


# --- rescheduling and cancelling ---------------------------------------------------------------


def test_reschedule_moves_the_seat_exactly(hall):
    appointment = book(hall, hall.slot)
    moved = verbs.appointment_reschedule(
        account=hall.account, appointment_id=appointment.pk, slot_id=hall.slot2.pk
    )
    assert moved.slot == hall.slot2 and moved.state == A.BOOKED
    assert (booked(hall.slot), booked(hall.slot2)) == (0, 1)
    back = verbs.appointment_reschedule(
        account=hall.account, appointment_id=appointment.pk, slot_id=hall.slot.pk
    )
    assert back.slot == hall.slot and (booked(hall.slot), booked(hall.slot2)) == (1, 0)
    assert sum("您的预约已由" in b for b in bodies()) == 2


def test_each_message_also_lands_in_the_site_inbox(hall):
    book(hall, hall.slot)
    sms = Message.objects.get(channel="sms")
    site = Message.objects.get(channel="site")
    assert (site.account_id, site.body, site.subject) == (hall.account.pk, sms.body, "网上预约")
    assert (site.link, site.status, site.read_at) == ("/appointments/mine/", "sent", None)


def test_reschedule_into_a_full_slot_keeps_the_old_booking(hall):
    appointment = book(hall, hall.slot)
    book(hall, hall.slot2, account=hall.other.account)
    book(hall, hall.slot2, account=hall.make.person(name="王五").account)
    with pytest.raises(Conflict) as exc:
        verbs.appointment_reschedule(
            account=hall.account, appointment_id=appointment.pk, slot_id=hall.slot2.pk
        )
    assert exc.value.code == "appointment.slot_full"
    assert Appointment.objects.get(pk=appointment.pk).slot == hall.slot
    assert (booked(hall.slot), booked(hall.slot2)) == (1, 2)


def test_reschedule_refuses_another_group_the_same_slot_and_someone_elses_booking(hall):
    appointment = book(hall, hall.slot)
    other_group = verbs.appointment_group_create(staff=hall.clerk_a, name="社保业务")
    [elsewhere] = publish(hall.clerk_a, other_group)
    refusals = ((elsewhere, "appointment.other_group"), (hall.slot, "appointment.same_slot"))
    for slot, code in refusals:
        with pytest.raises(InvalidInput) as exc:
            verbs.appointment_reschedule(
                account=hall.account, appointment_id=appointment.pk, slot_id=slot.pk
            )
        assert exc.value.code == code
    with pytest.raises(NotFound):
        verbs.appointment_reschedule(
            account=hall.other.account, appointment_id=appointment.pk, slot_id=hall.slot2.pk
        )
    assert Appointment.objects.get(pk=appointment.pk).slot == hall.slot
    assert (booked(hall.slot), booked(hall.slot2), booked(elsewhere)) == (1, 0, 0)


def test_cancel_frees_the_seat_and_is_harmless_twice(hall):
    appointment = book(hall, hall.slot)
    cancelled = verbs.appointment_cancel(account=hall.account, appointment_id=appointment.pk)
    assert cancelled.state == A.CANCELLED and cancelled.cancelled_at is not None
    assert booked(hall.slot) == 0
    assert verbs.appointment_cancel(account=hall.account, appointment_id=appointment.pk).pk == (
        appointment.pk
    )
    assert booked(hall.slot) == 0
    again = book(hall, hall.slot)  # the seat, and the person's place in the slot, are free again
    assert again.pk != appointment.pk and booked(hall.slot) == 1


def test_cancelling_someone_elses_booking_is_not_found_and_changes_nothing(hall):
    appointment = book(hall, hall.slot)
    with pytest.raises(NotFound) as exc:
        verbs.appointment_cancel(account=hall.other.account, appointment_id=appointment.pk)
    assert exc.value.message == "预约不存在，或不是您的预约。"
    assert Appointment.objects.get(pk=appointment.pk).state == A.BOOKED
    assert booked(hall.slot) == 1


def test_cancel_and_reschedule_are_refused_once_the_slot_has_started(hall):
    start, end = later_today()
    [today] = publish(hall.clerk_a, hall.group, day=timezone.localdate(), times=((start, end),))
    appointment = book(hall, today)
    AppointmentSlot.objects.filter(pk=today.pk).update(start=time(0), end=time(0, 1))
    with pytest.raises(Conflict) as cancel:
        verbs.appointment_cancel(account=hall.account, appointment_id=appointment.pk)
    assert cancel.value.code == "appointment.started"
    with pytest.raises(Conflict):
        verbs.appointment_reschedule(
            account=hall.account, appointment_id=appointment.pk, slot_id=hall.slot.pk
        )
    assert Appointment.objects.get(pk=appointment.pk).state == A.BOOKED
    assert booked(today) == 1 and booked(hall.slot) == 0


# --- check-in and queue numbers -------------------------------------------------------------------


@pytest.fixture
def today(hall):
    start, end = later_today()
    hall.today_slot = publish(
        hall.clerk_a, hall.group, day=timezone.localdate(), times=((start, end),), capacity=5
    )[0]
    return hall


def test_check_in_issues_the_centers_next_queue_number_and_is_idempotent(today):
    first = book(today, today.today_slot)
    second = book(today, today.today_slot, account=today.other.account)
    one = verbs.appointment_check_in(staff=today.clerk_a, appointment_id=first.pk)
    assert (one.state, one.queue_number, one.checked_in_by) == (A.CHECKED_IN, "A001", today.clerk_a)
    two = verbs.appointment_check_in(staff=today.head_a, appointment_id=second.pk)
    assert two.queue_number == "A002"
    again = verbs.appointment_check_in(staff=today.clerk_a, appointment_id=first.pk)
    assert again.queue_number == "A001"
    assert AuditEntry.objects.filter(action="cases.appointment.check_in").count() == 2
    assert sum("排队号 A001" in b for b in bodies()) == 1
    arrivals = reads.arrivals_for_staff(staff=today.clerk_a)
    assert [a.queue_number for a in arrivals] == ["A001", "A002"]
    assert reads.arrivals_for_staff(staff=today.clerk_b) == []
    with pytest.raises(Conflict) as late_cancel:
        verbs.appointment_cancel(account=today.account, appointment_id=first.pk)
    assert late_cancel.value.code == "appointment.checked_in"


def test_queue_numbers_count_per_center_per_day_and_per_letter(today):
    start, end = later_today()
    today_ = timezone.localdate()
    other_letter = verbs.appointment_group_create(
        staff=today.clerk_a, name="社保业务", queue_letter="B"
    )
    [b_slot] = publish(today.clerk_a, other_letter, day=today_, times=((start, end),))
    hall_b = verbs.appointment_group_create(staff=today.clerk_b, name="乙局户籍")
    [other_center] = publish(today.clerk_b, hall_b, day=today_, times=((start, end),))
    numbers = [
        verbs.appointment_check_in(staff=clerk, appointment_id=book(today, slot).pk).queue_number
        for clerk, slot in (
            (today.clerk_a, today.today_slot),
            (today.clerk_a, b_slot),
            (today.clerk_b, other_center),
        )
    ]
    assert numbers == ["A001", "B001", "A001"]
    third = book(today, today.today_slot, account=today.other.account)
    again = verbs.appointment_check_in(staff=today.clerk_a, appointment_id=third.pk)
    assert again.queue_number == "A002"


def test_check_in_refuses_another_center_another_day_a_cancelled_booking_and_other_roles(today):
    appointment = book(today, today.today_slot)
    with pytest.raises(Forbidden) as wrong_center:
        verbs.appointment_check_in(staff=today.clerk_b, appointment_id=appointment.pk)
    assert wrong_center.value.code == "appointment.wrong_center"
    assert wrong_center.value.message == "该预约在甲局办理，不能在本中心（乙局）签到取号。"
    with pytest.raises(Forbidden):
        verbs.appointment_check_in(staff=today.reviewer_a, appointment_id=appointment.pk)
    tomorrow = book(today, today.slot)
    with pytest.raises(Conflict) as not_today:
        verbs.appointment_check_in(staff=today.clerk_a, appointment_id=tomorrow.pk)
    assert not_today.value.message == (
        f"该预约的日期是 {TOMORROW.isoformat()}，只能在预约当天签到取号。"
    )
    verbs.appointment_cancel(account=today.account, appointment_id=appointment.pk)
    with pytest.raises(Conflict) as cancelled:
        verbs.appointment_check_in(staff=today.clerk_a, appointment_id=appointment.pk)
    assert cancelled.value.code == "appointment.cancelled"
    with pytest.raises(NotFound):
        verbs.appointment_check_in(staff=today.clerk_a, appointment_id=999999)
    assert not Appointment.objects.filter(state=A.CHECKED_IN).exists()
    assert not Appointment.objects.exclude(queue_number="").exists()


def test_mine_lists_the_applicants_own_appointments_only(hall):
    mine = book(hall, hall.slot)
    book(hall, hall.slot, account=hall.other.account)
    assert reads.appointments_for_person(account=hall.account) == [mine]
    with pytest.raises(NotFound):
        reads.appointment_for_person(account=hall.other.account, appointment_id=mine.pk)


# --- concurrency ----------------------------------------------------------------------------------


def _race(n, work):
    barrier, results = threading.Barrier(n), []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results.append(work(i))
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_never_exceed_capacity(world):
    group = verbs.appointment_group_create(staff=world.clerk_a, name="户籍业务")
    [slot] = publish(world.clerk_a, group, capacity=3)
    people = [world.make.person(name="申请人" + "甲乙丙丁戊己庚辛"[i]) for i in range(8)]

    results = _race(8, lambda i: book(world, slot, account=people[i].account).state)
    assert sorted(results) == ["appointment.slot_full"] * 5 + [A.BOOKED] * 3
    assert booked(slot) == 3
    assert Appointment.objects.filter(slot=slot, state=A.BOOKED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_people_swapping_slots_at_once_both_succeed_with_exact_counts(world):
    group = verbs.appointment_group_create(staff=world.clerk_a, name="户籍业务")
    one, two = publish(world.clerk_a, group, times=(("09:00", "10:00"), ("10:00", "11:00")))
    a = book(world, one)
    b = book(world, two, account=world.other.account)
    moves = [(world.account, a, two), (world.other.account, b, one)]

    def move(i):
        account, appointment, slot = moves[i]
        return verbs.appointment_reschedule(
            account=account, appointment_id=appointment.pk, slot_id=slot.pk
        ).slot_id

    assert sorted(_race(2, move)) == sorted([one.pk, two.pk])
    assert (booked(one), booked(two)) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_bookings_with_one_key_all_get_the_same_booking(world):
    """A double (or tenfold) click: every request gets the one booking, none a Conflict."""
    group = verbs.appointment_group_create(staff=world.clerk_a, name="户籍业务")
    [slot] = publish(world.clerk_a, group, capacity=3)

    def book_after(i):  # arrivals spread over the first booking's transaction, as clicks are
        sleep(i * 0.004)
        return book(world, slot, idempotency_key="same").pk

    results = _race(10, book_after)
    [appointment] = Appointment.objects.filter(slot=slot)
    assert results == [appointment.pk] * 10
    assert booked(slot) == 1

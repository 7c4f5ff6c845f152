"""Appointments (网上预约): service centers publish time slots per item group; applicants book,
reschedule and cancel; a queue number (e.g. A012) is issued when they arrive.

Capacity holds however many bookings race: a seat is taken by one conditional UPDATE
(``booked = booked + 1 WHERE booked < capacity``), which the database serialises per row and
re-checks for each writer, and a check constraint refuses any row outside 0 ≤ booked ≤ capacity.
A reschedule touches its two slots in id order, so two people swapping slots cannot deadlock.
Verbs are keyword-only, one durable transaction each (``appointment_book``'s is ``_book``'s, so
that a twin that lost can look up the winner's booking after it), audit-logged, and tell the
applicant by message."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from string import ascii_uppercase

from django.db import IntegrityError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record, audited_atomic
from tongban.core.errors import Conflict, Forbidden, NotFound
from tongban.identity.access import require_role

from . import access, clock
from .appointment_selectors import group_for_staff
from .choices import AppointmentState as A
from .errors import CaseError, appointment_not_found, invalid
from .models import Appointment, AppointmentGroup, AppointmentSlot
from .sequences import sequence_next
from .states import notify_person

DEFAULT_TIMES = (
    ("09:00", "10:00"),
    ("10:00", "11:00"),
    ("11:00", "12:00"),
    ("13:30", "14:30"),
    ("14:30", "15:30"),
    ("15:30", "16:30"),
)
PUBLISH_MAX_DAYS = 62
CAPACITY_MAX = 200


# --- helpers ----------------------------------------------------------------------------------


def slot_starts_at(slot: AppointmentSlot) -> datetime:
    return timezone.make_aware(datetime.combine(slot.date, slot.start))


def slot_label(slot: AppointmentSlot) -> str:
    """How a slot is named to people: 户籍业务 2026-11-25 09:00–10:00."""
    return f"{slot.group.name} {slot.date:%Y-%m-%d} {slot.start:%H:%M}–{slot.end:%H:%M}"


def _started(slot: AppointmentSlot) -> bool:
    return slot_starts_at(slot) <= timezone.now()


def _slot(slot_id: int) -> AppointmentSlot:
    slot = (
        AppointmentSlot.objects.select_related("group", "group__center")
        .filter(pk=slot_id, group__active=True)
        .first()
    )
    if slot is None:
        raise NotFound(CaseError.APPOINTMENT_SLOT_NOT_FOUND, _("预约时段不存在或已停止预约。"))
    return slot


def _bookable(slot: AppointmentSlot) -> None:
    if _started(slot):
        raise Conflict(
            CaseError.APPOINTMENT_SLOT_PAST,
            _("“%(slot)s”时段已开始或已过去，请选择其他时段。") % {"slot": slot_label(slot)},
        )


def _take_seat(slot: AppointmentSlot) -> None:
    """One statement: take a seat only while one is free (never read-then-write)."""
    taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise Conflict(
            CaseError.APPOINTMENT_SLOT_FULL,
            _("“%(slot)s”时段已约满，请选择其他时段。") % {"slot": slot_label(slot)},
        )
    slot.refresh_from_db(fields=["booked"])


def _release_seat(slot: AppointmentSlot) -> None:
    AppointmentSlot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)
    slot.refresh_from_db(fields=["booked"])


def _own(*, account, appointment_id: int) -> Appointment:
    """The applicant's own appointment, locked; anyone else's is 'not found'."""
    person = access.person_of(account)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__group", "slot__group__center", "person")
        .filter(pk=appointment_id, person=person)
        .first()
    )
    if appointment is None:
        raise appointment_not_found()
    return appointment


def _tell(appointment: Appointment, body: str) -> None:
    notify_person(
        appointment.person, body, subject=_("网上预约"), link=reverse("portal:my_appointments")
    )


def _audit(action: str, appointment: Appointment, *, actor, **details) -> None:
    audit_record(
        action=f"cases.appointment.{action}",
        actor=actor,
        target=appointment,
        subject_person_id=appointment.person_id,
        details={
            "slot": appointment.slot_id,
            "center": appointment.slot.group.center_id,
            **details,
        },
    )


# --- staff: groups and slots --------------------------------------------------------------------


@audited_atomic(durable=True)
def appointment_group_create(
    *, staff, name: str, item_ids: Iterable[int] = (), queue_letter: str = "A"
) -> AppointmentGroup:
    """A group of items the staff member's own center takes appointments for."""
    require_role(staff, *access.APPOINTMENT_STAFF)
    name = (name or "").strip()
    if not name:
        raise invalid(CaseError.APPOINTMENT_GROUP_NAME, _("请填写业务分组名称。"), "name")
    letter = (queue_letter or "").strip().upper()
    if len(letter) != 1 or letter not in ascii_uppercase:
        raise invalid(
            CaseError.APPOINTMENT_GROUP_QUEUE_LETTER,
            _("排队号字母应为 A 至 Z 中的一个字母。"),
            "queue_letter",
        )
    ids = sorted({int(i) for i in item_ids})
    published = set(
        catalog_selectors.published_items().filter(pk__in=ids).values_list("pk", flat=True)
    )
    unknown = [i for i in ids if i not in published]
    if unknown:
        raise invalid(
            CaseError.APPOINTMENT_GROUP_ITEMS,
            _("以下事项不存在或未发布：%(ids)s。") % {"ids": "、".join(map(str, unknown))},
            "item_ids",
        )
    if AppointmentGroup.objects.filter(center=staff.department, name=name[:100]).exists():
        raise Conflict(
            CaseError.APPOINTMENT_GROUP_EXISTS,
            _("本中心已有名为“%(name)s”的业务分组。") % {"name": name},
        )
    group = AppointmentGroup.objects.create(
        center=staff.department, name=name[:100], item_ids=ids, queue_letter=letter
    )
    audit_record(
        action="cases.appointment.group_create",
        actor=staff.account,
        target=group,
        details={"center": staff.department.code, "name": group.name, "items": len(ids)},
    )
    return group


def _as_time(value, field: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(
            CaseError.APPOINTMENT_SLOTS_TIME,
            _("时间“%(value)s”格式不正确，应为 09:00 这样的格式。") % {"value": value},
            field,
        ) from None


def _times(times) -> list[tuple[time, time]]:
    pairs = sorted((_as_time(s, "times"), _as_time(e, "times")) for s, e in times)
    if not pairs:
        raise invalid(CaseError.APPOINTMENT_SLOTS_TIMES, _("请至少填写一个时段。"), "times")
    for (start, end), following in zip(pairs, [*pairs[1:], None], strict=True):
        if start >= end:
            raise invalid(
                CaseError.APPOINTMENT_SLOTS_ORDER,
                _("时段 %(s)s–%(e)s 的结束时间应晚于开始时间。")
                % {"s": f"{start:%H:%M}", "e": f"{end:%H:%M}"},
                "times",
            )
        if following is not None and following[0] < end:
            raise invalid(
                CaseError.APPOINTMENT_SLOTS_OVERLAP,
                _("时段 %(a)s 与 %(b)s 重叠。")
                % {"a": f"{start:%H:%M}–{end:%H:%M}", "b": f"{following[0]:%H:%M}"},
                "times",
            )
    return pairs


@audited_atomic(durable=True)
def appointment_slots_publish(
    *,
    staff,
    group_id: int,
    date_from: date,
    date_to: date,
    times=DEFAULT_TIMES,
    capacity: int = 5,
    workdays_only: bool = True,
) -> int:
    """Publish the same time slots on every (working) day from ``date_from`` to ``date_to``.
    Slots that already exist, and today's slots that have already started, are left alone, so
    publishing again (e.g. from a seed) is harmless. Returns how many slots were created."""
    group = group_for_staff(staff=staff, group_id=group_id, lock=True)
    today = timezone.localdate()
    if date_from < today:
        raise invalid(CaseError.APPOINTMENT_SLOTS_PAST, _("开始日期不能早于今天。"), "date_from")
    if date_to < date_from:
        raise invalid(CaseError.APPOINTMENT_SLOTS_RANGE, _("结束日期不能早于开始日期。"), "date_to")
    if (date_to - date_from).days >= PUBLISH_MAX_DAYS:
        raise invalid(
            CaseError.APPOINTMENT_SLOTS_TOO_LONG,
            _("一次最多发布 %(n)d 天的时段。") % {"n": PUBLISH_MAX_DAYS},
            "date_to",
        )
    if not 1 <= capacity <= CAPACITY_MAX:
        raise invalid(
            CaseError.APPOINTMENT_SLOTS_CAPACITY,
            _("每个时段可约人数应为 1 至 %(n)d 人。") % {"n": CAPACITY_MAX},
            "capacity",
        )
    pairs = _times(times)
    existing = set(
        AppointmentSlot.objects.filter(group=group, date__range=(date_from, date_to)).values_list(
            "date", "start"
        )
    )
    now = timezone.localtime()
    new = []
    day = date_from
    while day <= date_to:
        if not workdays_only or clock.is_workday(day):
            for start, end in pairs:
                started = day == today and start <= now.time()
                if (day, start) not in existing and not started:
                    new.append(
                        AppointmentSlot(
                            group=group, date=day, start=start, end=end, capacity=capacity
                        )
                    )
        day += timedelta(days=1)
    if not new:  # publishing again (e.g. from a seed) is a no-op, not an event
        return 0
    AppointmentSlot.objects.bulk_create(new)
    audit_record(
        action="cases.appointment.slots_publish",
        actor=staff.account,
        target=group,
        details={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "capacity": capacity,
            "created": len(new),
        },
    )
    return len(new)


@audited_atomic(durable=True)
def appointment_check_in(*, staff, appointment_id: int) -> Appointment:
    """The applicant has arrived: issue the next queue number of the center's day (per queue
    letter). Checking in again returns the same number."""
    require_role(staff, *access.APPOINTMENT_STAFF)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__group", "slot__group__center", "person")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound(CaseError.APPOINTMENT_NOT_FOUND, _("预约不存在。"))
    center = appointment.slot.group.center
    if not access.can_see_department(staff, center.pk):
        raise Forbidden(
            CaseError.APPOINTMENT_WRONG_CENTER,
            _("该预约在%(center)s办理，不能在本中心（%(mine)s）签到取号。")
            % {"center": center.name, "mine": staff.department.name},
        )
    if appointment.state == A.CHECKED_IN:
        return appointment
    if appointment.state == A.CANCELLED:
        raise Conflict(CaseError.APPOINTMENT_CANCELLED, _("该预约已取消，不能签到取号。"))
    today = timezone.localdate()
    if appointment.slot.date != today:
        raise Conflict(
            CaseError.APPOINTMENT_NOT_TODAY,
            _("该预约的日期是 %(date)s，只能在预约当天签到取号。")
            % {"date": appointment.slot.date.isoformat()},
        )
    letter = appointment.slot.group.queue_letter
    number = sequence_next(f"queue-{center.pk}-{today:%Y%m%d}-{letter}")
    appointment.queue_number = f"{letter}{number:03d}"
    appointment.state, appointment.checked_in_at = A.CHECKED_IN, timezone.now()
    appointment.checked_in_by = staff
    appointment.save(update_fields=["queue_number", "state", "checked_in_at", "checked_in_by"])
    _audit("check_in", appointment, actor=staff.account, queue_number=appointment.queue_number)
    _tell(
        appointment,
        _("【一网通办】您已在%(center)s签到，排队号 %(number)s，请留意叫号。")
        % {"center": center.name, "number": appointment.queue_number},
    )
    return appointment


# --- applicants -------------------------------------------------------------------------------


def _check_item(group: AppointmentGroup, item_id: int | None) -> None:
    if item_id is not None and item_id not in group.item_ids:
        raise invalid(CaseError.APPOINTMENT_ITEM, _("所选事项不在该业务分组内。"), "item_id")


def _duplicate(slot: AppointmentSlot) -> Conflict:
    return Conflict(
        CaseError.APPOINTMENT_DUPLICATE,
        _("您已预约“%(slot)s”，无需重复预约。") % {"slot": slot_label(slot)},
    )


def appointment_book(
    *, account, slot_id: int, item_id: int | None = None, idempotency_key: str = ""
) -> Appointment:
    """Take a seat in a slot. The same idempotency key returns the same appointment, however
    the twins interleave: a twin that finds the booking already there (the one-per-slot check,
    a unique constraint, or a full slot) looks the key up again once it has lost, and returns
    what the winner committed."""
    person = access.person_of(account)
    key = (idempotency_key or "")[:64]
    try:
        return _booked_with(person, key) or _book(
            person=person, account=account, slot_id=slot_id, item_id=item_id, key=key
        )
    except (Conflict, IntegrityError) as error:
        existing = _booked_with(person, key)
        if existing is not None:
            return existing
        if isinstance(error, IntegrityError):  # the same slot, without a key, twice at once
            raise _duplicate(_slot(slot_id)) from None
        raise


def _booked_with(person, key: str) -> Appointment | None:
    if not key:
        return None
    return Appointment.objects.filter(person=person, idempotency_key=key).first()


@audited_atomic(durable=True)
def _book(*, person, account, slot_id: int, item_id, key: str) -> Appointment:
    slot = _slot(slot_id)
    _bookable(slot)
    _check_item(slot.group, item_id)
    live = Appointment.objects.filter(slot=slot, person=person).exclude(state=A.CANCELLED)
    if live.exists():
        raise _duplicate(slot)
    _take_seat(slot)
    appointment = Appointment.objects.create(
        slot=slot, person=person, item_id=item_id, idempotency_key=key
    )
    _audit("book", appointment, actor=account)
    _tell(
        appointment,
        _("【一网通办】您已预约%(center)s“%(slot)s”，请按时到场签到取号。")
        % {"center": slot.group.center.name, "slot": slot_label(slot)},
    )
    return appointment


@audited_atomic(durable=True)
def appointment_reschedule(*, account, appointment_id: int, slot_id: int) -> Appointment:
    """Move a booking to another slot of the same group: the new seat is taken and the old one
    released in one transaction (if the new slot is full, the old booking stays)."""
    appointment = _own(account=account, appointment_id=appointment_id)
    old = appointment.slot
    if appointment.state != A.BOOKED:
        raise Conflict(
            CaseError.APPOINTMENT_NOT_BOOKED,
            _("该预约当前为“%(state)s”，不能改约。") % {"state": A(appointment.state).label},
        )
    if _started(old):
        raise Conflict(CaseError.APPOINTMENT_STARTED, _("预约时段已开始，不能改约。"))
    new = _slot(slot_id)
    if new.pk == old.pk:
        raise invalid(CaseError.APPOINTMENT_SAME_SLOT, _("请选择另一个时段。"), "slot_id")
    if new.group_id != old.group_id:
        raise invalid(
            CaseError.APPOINTMENT_OTHER_GROUP, _("只能改约到同一业务分组的时段。"), "slot_id"
        )
    _bookable(new)
    if (
        Appointment.objects.filter(slot=new, person=appointment.person)
        .exclude(state=A.CANCELLED)
        .exists()
    ):
        raise _duplicate(new)
    if new.pk < old.pk:  # both slot rows are locked in id order
        _take_seat(new)
        _release_seat(old)
    else:
        _release_seat(old)
        _take_seat(new)
    appointment.slot = new
    appointment.save(update_fields=["slot"])
    _audit("reschedule", appointment, actor=account, from_slot=old.pk)
    _tell(
        appointment,
        _("【一网通办】您的预约已由“%(old)s”改至“%(new)s”。")
        % {"old": slot_label(old), "new": slot_label(new)},
    )
    return appointment


@audited_atomic(durable=True)
def appointment_cancel(*, account, appointment_id: int) -> Appointment:
    """Cancel before the slot starts; the seat is free again. Cancelling twice is harmless."""
    appointment = _own(account=account, appointment_id=appointment_id)
    if appointment.state == A.CANCELLED:
        return appointment
    if appointment.state == A.CHECKED_IN:
        raise Conflict(CaseError.APPOINTMENT_CHECKED_IN, _("您已签到取号，不能再取消预约。"))
    if _started(appointment.slot):
        raise Conflict(CaseError.APPOINTMENT_STARTED, _("预约时段已开始，不能取消。"))
    _release_seat(appointment.slot)
    appointment.state, appointment.cancelled_at = A.CANCELLED, timezone.now()
    appointment.save(update_fields=["state", "cancelled_at"])
    _audit("cancel", appointment, actor=account)
    _tell(
        appointment,
        _("【一网通办】您已取消“%(slot)s”的预约。") % {"slot": slot_label(appointment.slot)},
    )
    return appointment

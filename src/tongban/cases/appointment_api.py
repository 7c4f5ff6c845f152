"""Appointments JSON API, mounted at /api/v1/cases/appointments/: groups and open slots for
everyone; book, reschedule, cancel and 我的预约 for applicants; groups, slot publishing, the
day's arrivals and check-in for center staff. Thin: parse → check → call → shape."""

import datetime as dt

from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from tongban.core.api import ERRORS, LocalTime, RowId
from tongban.identity.access import staff_of

from . import appointment_selectors as selectors
from . import appointments as services
from .choices import AppointmentState

router = Router(tags=["appointments"])


class GroupOut(Schema):
    id: int
    name: str
    center: str
    center_code: str
    queue_letter: str
    item_ids: list[int]
    active: bool

    @staticmethod
    def resolve_center(obj) -> str:
        return obj.center.name

    @staticmethod
    def resolve_center_code(obj) -> str:
        return obj.center.code


class SlotOut(Schema):
    id: int
    group_id: int
    date: dt.date
    start: LocalTime
    end: LocalTime
    capacity: int
    booked: int
    seats_left: int


class AppointmentOut(Schema):
    id: int
    state: str
    state_label: str
    queue_number: str
    item_id: int | None
    slot: SlotOut
    group: str
    center: str
    booked_at: dt.datetime
    checked_in_at: dt.datetime | None

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(AppointmentState(obj.state).label)

    @staticmethod
    def resolve_group(obj) -> str:
        return obj.slot.group.name

    @staticmethod
    def resolve_center(obj) -> str:
        return obj.slot.group.center.name


class ArrivalOut(AppointmentOut):
    """Who is expected, without identifying them: the masked ID number only."""

    person_id_number: str

    @staticmethod
    def resolve_person_id_number(obj) -> str:
        return obj.person.id_number_masked


class BookIn(Schema):
    slot_id: RowId
    item_id: RowId | None = None
    idempotency_key: str = Field("", max_length=64)


class RescheduleIn(Schema):
    slot_id: RowId


class GroupIn(Schema):
    name: str = Field(..., max_length=100)
    item_ids: list[RowId] = Field(default_factory=list, max_length=200)
    queue_letter: str = Field("A", max_length=1)


class TimeRange(Schema):
    start: LocalTime
    end: LocalTime


class PublishIn(Schema):
    date_from: dt.date
    date_to: dt.date
    times: list[TimeRange]
    capacity: int
    workdays_only: bool = True


class PublishOut(Schema):
    created: int


# --- public -----------------------------------------------------------------------------------


@router.get("/groups", response={200: list[GroupOut], **ERRORS}, auth=None)
def groups(request):
    """Public: the item groups centers take appointments for."""
    return selectors.groups_public()


@router.get("/groups/{int:group_id}/slots", response={200: list[SlotOut], **ERRORS}, auth=None)
def slots(request, group_id: RowId, on: dt.date | None = None, days: int = selectors.OPEN_DAYS):
    """Public: slots not yet started (full ones too, with ``seats_left`` 0)."""
    return selectors.slots_open(group_id=group_id, on=on, days=days)


# --- applicant --------------------------------------------------------------------------------


@router.post("", response={201: AppointmentOut, **ERRORS}, auth=django_auth)
def book(request, payload: BookIn):
    appointment = services.appointment_book(account=request.auth, **payload.dict())
    return Status(201, appointment)


@router.get("/mine", response={200: list[AppointmentOut], **ERRORS}, auth=django_auth)
def mine(request):
    return selectors.appointments_for_person(account=request.auth)


@router.post(
    "/{int:appointment_id}/reschedule", response={200: AppointmentOut, **ERRORS}, auth=django_auth
)
def reschedule(request, appointment_id: RowId, payload: RescheduleIn):
    return services.appointment_reschedule(
        account=request.auth, appointment_id=appointment_id, slot_id=payload.slot_id
    )


@router.post(
    "/{int:appointment_id}/cancel", response={200: AppointmentOut, **ERRORS}, auth=django_auth
)
def cancel(request, appointment_id: RowId):
    return services.appointment_cancel(account=request.auth, appointment_id=appointment_id)


# --- center staff -------------------------------------------------------------------------------


@router.get("/staff/groups", response={200: list[GroupOut], **ERRORS}, auth=django_auth)
def staff_groups(request):
    return selectors.groups_for_staff(staff=staff_of(request.auth))


@router.post("/staff/groups", response={201: GroupOut, **ERRORS}, auth=django_auth)
def staff_group_create(request, payload: GroupIn):
    group = services.appointment_group_create(staff=staff_of(request.auth), **payload.dict())
    return Status(201, group)


@router.post(
    "/staff/groups/{int:group_id}/slots", response={201: PublishOut, **ERRORS}, auth=django_auth
)
def staff_publish(request, group_id: RowId, payload: PublishIn):
    created = services.appointment_slots_publish(
        staff=staff_of(request.auth),
        group_id=group_id,
        date_from=payload.date_from,
        date_to=payload.date_to,
        times=[(t.start, t.end) for t in payload.times],
        capacity=payload.capacity,
        workdays_only=payload.workdays_only,
    )
    return Status(201, {"created": created})


@router.get(
    "/staff/groups/{int:group_id}/slots", response={200: list[SlotOut], **ERRORS}, auth=django_auth
)
def staff_slots(request, group_id: RowId):
    return selectors.slots_for_staff(staff=staff_of(request.auth), group_id=group_id)


@router.get("/staff/arrivals", response={200: list[ArrivalOut], **ERRORS}, auth=django_auth)
def staff_arrivals(request, on: dt.date | None = None):
    """The day's appointments at the staff member's own center (masked ID numbers)."""
    return selectors.arrivals_for_staff(staff=staff_of(request.auth), on=on)


@router.post(
    "/staff/{int:appointment_id}/check-in",
    response={200: ArrivalOut, **ERRORS},
    auth=django_auth,
)
def staff_check_in(request, appointment_id: RowId):
    return services.appointment_check_in(
        staff=staff_of(request.auth), appointment_id=appointment_id
    )

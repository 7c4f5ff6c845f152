"""Reads of appointments (网上预约), scoped to who is asking: the public sees groups and open
slots, applicants their own bookings, center staff their own center's groups and arrivals."""

from datetime import date, timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.errors import Forbidden, NotFound
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role

from . import access
from .choices import AppointmentState as A
from .errors import CaseError, appointment_not_found
from .models import Appointment, AppointmentGroup, AppointmentSlot

OPEN_DAYS = 14
STAFF_ROLES = access.APPOINTMENT_STAFF


def groups_public() -> list[AppointmentGroup]:
    """Every group open for booking, by center."""
    return list(
        AppointmentGroup.objects.filter(active=True)
        .select_related("center")
        .order_by("center__name", "queue_letter", "name")
    )


def group_public(group_id: int) -> AppointmentGroup:
    group = AppointmentGroup.objects.select_related("center").filter(pk=group_id, active=True)
    found = group.first()
    if found is None:
        raise NotFound(CaseError.APPOINTMENT_GROUP_NOT_FOUND, _("业务分组不存在或已停止预约。"))
    return found


def group_items(group: AppointmentGroup) -> list[dict]:
    """The published items of a group: id and name, for choosing what the visit is for."""
    items = catalog_selectors.published_items().filter(pk__in=group.item_ids)
    return [{"id": i.pk, "name": i.published.name} for i in items.order_by("published__name")]


def _not_started():
    now = timezone.localtime()
    return Q(date__gt=now.date()) | Q(date=now.date(), start__gt=now.time())


def slots_open(*, group_id: int, on: date | None = None, days: int = OPEN_DAYS) -> list:
    """The group's slots that have not started, on one day or over the next ``days`` days, full
    ones included (shown as such); ``seats_left`` is on each slot."""
    group = group_public(group_id)
    today = timezone.localdate()
    qs = AppointmentSlot.objects.filter(group=group).filter(_not_started())
    if on is not None:
        qs = qs.filter(date=on)
    else:
        qs = qs.filter(date__lt=today + timedelta(days=max(1, min(days, 62))))
    return list(qs.select_related("group", "group__center").order_by("date", "start"))


def open_days(*, group_id: int, days: int = OPEN_DAYS) -> list[dict]:
    """Days with slots not yet started, and how many seats are left on each."""
    group = group_public(group_id)
    until = timezone.localdate() + timedelta(days=days)
    rows = (
        AppointmentSlot.objects.filter(group=group, date__lt=until)
        .filter(_not_started())
        .values("date")
        .annotate(left=Sum(F("capacity") - F("booked")))
        .order_by("date")
    )
    return [{"date": r["date"], "seats_left": r["left"]} for r in rows]


def appointments_for_person(*, account, limit: int = 50) -> list[Appointment]:
    """The applicant's appointments: coming ones first, then the rest, newest first."""
    person = identity_selectors.person_for_account(account)
    if person is None:
        return []
    qs = Appointment.objects.filter(person=person).select_related(
        "slot", "slot__group", "slot__group__center"
    )
    return list(qs.order_by("-slot__date", "-slot__start", "-id")[:limit])


def appointment_for_person(*, account, appointment_id: int) -> Appointment:
    person = identity_selectors.person_for_account(account)
    found = (
        Appointment.objects.select_related("slot", "slot__group", "slot__group__center")
        .filter(pk=appointment_id, person=person)
        .first()
        if person is not None
        else None
    )
    if found is None:
        raise appointment_not_found()
    return found


def group_for_staff(*, staff, group_id: int, lock: bool = False) -> AppointmentGroup:
    """A group of the staff member's own center; another center's answers 403."""
    require_role(staff, *STAFF_ROLES)
    qs = AppointmentGroup.objects.select_related("center")
    if lock:
        qs = qs.select_for_update(of=("self",))
    group = qs.filter(pk=group_id).first()
    if group is None:
        raise NotFound(CaseError.APPOINTMENT_GROUP_NOT_FOUND, _("业务分组不存在。"))
    if not access.can_see_department(staff, group.center_id):
        raise Forbidden(
            CaseError.APPOINTMENT_WRONG_CENTER,
            _("“%(group)s”属于%(center)s，您只能管理本中心（%(mine)s）的预约。")
            % {"group": group.name, "center": group.center.name, "mine": staff.department.name},
        )
    return group


def groups_for_staff(*, staff) -> list[AppointmentGroup]:
    require_role(staff, *STAFF_ROLES)
    return list(
        AppointmentGroup.objects.filter(center_id=staff.department_id).order_by(
            "queue_letter", "name"
        )
    )


def slots_for_staff(*, staff, group_id: int, days: int = OPEN_DAYS) -> list[AppointmentSlot]:
    """The group's slots from today on, with how many are booked."""
    group = group_for_staff(staff=staff, group_id=group_id)
    today = timezone.localdate()
    return list(
        AppointmentSlot.objects.filter(
            group=group, date__gte=today, date__lt=today + timedelta(days=days)
        ).order_by("date", "start")
    )


def arrivals_for_staff(*, staff, on: date | None = None) -> list[Appointment]:
    """The day's live appointments at the staff member's center, by slot time (pages show the
    person masked)."""
    require_role(staff, *STAFF_ROLES)
    return list(
        Appointment.objects.filter(
            slot__group__center_id=staff.department_id,
            slot__date=on or timezone.localdate(),
            state__in=(A.BOOKED, A.CHECKED_IN),
        )
        .select_related("slot", "slot__group", "person")
        .order_by("slot__start", "booked_at", "id")
    )

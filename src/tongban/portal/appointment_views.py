"""网上预约 for applicants: choose a center's item group, a day and a slot with seats left, book;
「我的预约」 with reschedule and cancel, and the queue number once checked in at the center.
Thin: parse → call the appointments services/selectors → render; refusals re-render the page
with the service's message and its 4xx."""

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.cases import appointment_selectors as selectors
from tongban.cases import appointments as services
from tongban.core.errors import DomainError, Forbidden
from tongban.identity import selectors as identity


def _person(request):
    if identity.person_for_account(request.user) is None:
        raise Forbidden("person.required", _("此页面仅限个人账号使用，工作人员请进入工作台。"))


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _slots(group_id: int, wanted: date | None) -> dict:
    """The open days of a group and the slots of the chosen one (the first open day by
    default)."""
    days = selectors.open_days(group_id=group_id)
    known = [d["date"] for d in days]
    chosen = wanted if wanted in known else (known[0] if known else None)
    slots = selectors.slots_open(group_id=group_id, on=chosen) if chosen else []
    return {"days": days, "chosen": chosen, "slots": slots}


def groups(request):
    return render(request, "portal/appointments/groups.html", {"groups": selectors.groups_public()})


def _group_page(request, group_id: int, *, wanted=None, error=None):
    group = selectors.group_public(group_id)
    context = {
        "group": group,
        "items": selectors.group_items(group),
        "error": error,
        "idempotency_key": uuid.uuid4().hex,
        **_slots(group.pk, wanted),
    }
    status = error.status if error else 200
    return render(request, "portal/appointments/group.html", context, status=status)


def group(request, group_id: int):
    return _group_page(request, group_id, wanted=_day(request.GET.get("date")))


@login_required
@require_POST
def book(request, group_id: int):
    _person(request)
    try:
        appointment = services.appointment_book(
            account=request.user,
            slot_id=_int(request.POST.get("slot_id")) or 0,
            item_id=_int(request.POST.get("item_id")),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except DomainError as exc:
        return _group_page(request, group_id, wanted=_day(request.POST.get("date")), error=exc)
    messages.success(
        request, _("预约成功：%(slot)s。") % {"slot": services.slot_label(appointment.slot)}
    )
    return redirect("portal:my_appointments")


def _mine_page(request, *, error=None):
    context = {"appointments": selectors.appointments_for_person(account=request.user)}
    return render(
        request,
        "portal/appointments/mine.html",
        {**context, "error": error},
        status=error.status if error else 200,
    )


@login_required
def mine(request):
    _person(request)
    return _mine_page(request)


@login_required
@require_POST
def cancel(request, appointment_id: int):
    _person(request)
    try:
        appointment = services.appointment_cancel(
            account=request.user, appointment_id=appointment_id
        )
    except DomainError as exc:
        return _mine_page(request, error=exc)
    messages.success(
        request, _("已取消预约：%(slot)s。") % {"slot": services.slot_label(appointment.slot)}
    )
    return redirect("portal:my_appointments")


@login_required
def reschedule(request, appointment_id: int):
    _person(request)
    appointment = selectors.appointment_for_person(
        account=request.user, appointment_id=appointment_id
    )
    error = None
    if request.method == "POST":
        try:
            moved = services.appointment_reschedule(
                account=request.user,
                appointment_id=appointment.pk,
                slot_id=_int(request.POST.get("slot_id")) or 0,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request, _("已改约至：%(slot)s。") % {"slot": services.slot_label(moved.slot)}
            )
            return redirect("portal:my_appointments")
    wanted = _day(request.POST.get("date") or request.GET.get("date"))
    context = {
        "appointment": appointment,
        "group": appointment.slot.group,
        "error": error,
        **_slots(appointment.slot.group_id, wanted),
    }
    return render(
        request,
        "portal/appointments/reschedule.html",
        context,
        status=error.status if error else 200,
    )

"""Supervision (督办) by the hotline office, and the deadline sweep: a yellow warning once 80%
of the working time is used, red with an overdue event past the deadline, and 督办 raised to
the department's heads when a ticket stays overdue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.workdays import workdays_between

from .. import access, clock, states
from ..choices import EventKind
from ..choices import Warning as W
from ..errors import HotlineError, conflict
from ..models import Ticket
from ._common import note, notify_department_heads, service, today

if TYPE_CHECKING:
    from tongban.identity.models import Staff

SUPERVISION_MAX = 3  # 1 督办 by the office, 2 to the department's heads, 3 to the city


def _supervise(ticket: Ticket, *, actor, level: int, text: str) -> None:
    ticket.supervision_level = level
    ticket.save(update_fields=["supervision_level", "updated_at"])
    states.event(ticket, kind=EventKind.SUPERVISE, actor=actor, note=text, level=level)
    audit_record(
        action="hotline.ticket.supervise",
        actor=actor,
        target=ticket,
        details={"number": ticket.number, "level": level},
    )
    if level >= 2:
        notify_department_heads(
            ticket,
            _("12345 工单 %(number)s 已升级督办（第 %(level)s 级）：%(note)s")
            % {"number": ticket.number, "level": level, "note": text},
        )


@service
def ticket_supervise(*, staff: Staff, ticket_id: int, note_text: object) -> Ticket:
    """督办: the office presses the department; each time one level up."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.SUPERVISORS)
    if ticket.state not in states.OPEN:
        raise conflict(HotlineError.TRANSITION_NOT_ALLOWED, _("只有办理中的工单可以督办。"))
    if ticket.supervision_level >= SUPERVISION_MAX:
        raise conflict(HotlineError.SUPERVISION_MAX, _("本工单已是最高级别督办。"))
    text = note(note_text, field="note", code=HotlineError.NOTE_EMPTY, empty=_("请填写督办意见。"))
    _supervise(ticket, actor=staff.account, level=ticket.supervision_level + 1, text=text)
    return ticket


@service
def ticket_warning_apply(*, ticket_id: int, today_=None) -> str:
    """One ticket's warning for ``today_``: yellow, or red with its overdue event and the
    office's 督办, escalated once it has stayed overdue ``ESCALATE_AFTER_DAYS``. Idempotent:
    each step happens once. Returns the warning now held."""
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None or ticket.state not in states.OPEN or ticket.due is None:
        return ""
    day = today_ or today()
    colour = clock.colour(due=ticket.due, warn=ticket.warn_from, today=day)
    if colour == W.YELLOW and ticket.warning == W.NONE:
        ticket.warning = W.YELLOW
        ticket.save(update_fields=["warning", "updated_at"])
        states.event(ticket, kind=EventKind.WARNING_YELLOW, due=ticket.due.isoformat())
    elif colour == W.RED and ticket.warning != W.RED:
        ticket.warning = W.RED
        ticket.save(update_fields=["warning", "updated_at"])
        states.event(ticket, kind=EventKind.OVERDUE, due=ticket.due.isoformat())
        if ticket.supervision_level < 1:
            _supervise(ticket, actor=None, level=1, text=str(_("工单超期，自动督办。")))
    if (
        ticket.warning == W.RED
        and ticket.supervision_level < 2
        and workdays_between(ticket.due, day) >= clock.ESCALATE_AFTER_DAYS
    ):
        _supervise(ticket, actor=None, level=2, text=str(_("超期未办结，升级督办至部门负责人。")))
    return ticket.warning


def warning_due(day):
    """Open tickets whose warning may change today (``hotline_ticket_open_due``)."""
    return (
        Ticket.objects.filter(state__in=states.OPEN, warn_from__lte=day)
        .exclude(warning=W.RED, supervision_level__gte=2)
        .order_by("due", "pk")
        .values_list("pk", flat=True)
    )


def tickets_warning_sweep(*, today_=None) -> int:
    """Each open ticket in its own transaction (the sweep itself is in none). Returns how
    many tickets hold a warning after it."""
    day = today_ or today()
    warned = 0
    for pk in list(warning_due(day)):
        if ticket_warning_apply(ticket_id=pk, today_=day):
            warned += 1
    return warned

"""The ticket state machine: the only way a ticket changes state.

``TRANSITIONS`` is the whole table; ``transition`` refuses anything not in it (nothing then
has changed). Each change writes the ticket, a history event and an audit entry in the
caller's transaction."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.errors import Conflict

from . import summary
from .choices import EventKind
from .choices import TicketState as S
from .errors import HotlineError
from .models import Ticket, TicketEvent

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.ANSWERED, S.DISPATCHED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.RETURNED}),
    S.RETURNED: frozenset({S.DISPATCHED}),  # the desk's arbitration: to another or the same
    S.ACCEPTED: frozenset({S.HANDLING, S.RETURNED}),
    S.HANDLING: frozenset({S.REPLIED}),
    S.REPLIED: frozenset({S.CLOSED, S.REOPENED}),  # the callback, or the desk's closing
    S.REOPENED: frozenset({S.DISPATCHED, S.ANSWERED}),
    S.ANSWERED: frozenset({S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
}
OPEN = (S.DISPATCHED, S.RETURNED, S.ACCEPTED, S.HANDLING)  # on a department's clock
DONE = (S.ANSWERED, S.CLOSED)

_STAMPS = {
    S.DISPATCHED: "dispatched_at",
    S.ACCEPTED: "accepted_at",
    S.REPLIED: "replied_at",
    S.CLOSED: "closed_at",
    S.ANSWERED: "closed_at",
}


def allowed(frm: str, to: str) -> bool:
    return to in TRANSITIONS.get(frm, frozenset())


def check(ticket: Ticket, to: str) -> None:
    if not allowed(ticket.state, to):
        raise Conflict(
            HotlineError.TRANSITION_NOT_ALLOWED,
            _("工单当前状态为“%(frm)s”，不能变更为“%(to)s”。")
            % {"frm": S(ticket.state).label, "to": S(to).label},
        )


def events(ticket: Ticket, made: list[TicketEvent]) -> None:
    """Several events of one verb in one INSERT (filing's: received, suggested, a repeat's
    links); the summary moves with the ticket, as ``event`` has it."""
    summary.count(ticket)
    TicketEvent.objects.bulk_create(made)


def event(
    ticket: Ticket, *, kind: str, actor=None, department=None, note: str = "", **details
) -> TicketEvent:
    summary.count(ticket)  # every verb writes an event: the summary moves with the ticket
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        department=department,
        note=note[:500],
        details=details,
    )


def transition(
    ticket: Ticket, to: str, *, actor=None, department=None, note: str = "", **details
) -> Ticket:
    """Move ``ticket`` to ``to`` (refused with ``hotline.transition_not_allowed``), saving
    what the caller set on it beside the new state."""
    check(ticket, to)
    frm, now = ticket.state, timezone.now()
    ticket.state = to
    if to in _STAMPS:
        setattr(ticket, _STAMPS[to], now)
    ticket.save()
    written = event(
        ticket, kind=EventKind.TRANSITION, actor=actor, department=department, note=note, **details
    )
    written.from_state, written.to_state = frm, to
    written.save(update_fields=["from_state", "to_state"])
    audit_record(
        action="hotline.ticket.transition",
        actor=actor,
        target=ticket,
        details={"from": frm, "to": to, "number": ticket.number},
    )
    return ticket

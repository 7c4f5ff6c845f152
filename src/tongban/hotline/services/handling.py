"""A department's side of a ticket: sign for it (签收) or return it (退单) with a reason,
handle it, ask for more time, and reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from tongban.core.workdays import add_workdays

from .. import access, clock, states
from ..choices import EventKind, ExtensionState
from ..choices import TicketState as S
from ..errors import HotlineError, conflict, invalid
from ..models import Ticket
from ._common import ANSWER_MAX, REASON_MIN, note, notify_requester, service, today

if TYPE_CHECKING:
    from tongban.identity.models import Staff


@service
def ticket_accept(*, staff: Staff, ticket_id: int) -> Ticket:
    ticket = access.ticket_for_handler_or_404(staff, ticket_id)
    return states.transition(ticket, S.ACCEPTED, actor=staff.account, department=staff.department)


@service
def ticket_return(*, staff: Staff, ticket_id: int, reason: object) -> Ticket:
    """退单: not ours, and why (at least a few words); the dispatch desk arbitrates."""
    ticket = access.ticket_for_handler_or_404(staff, ticket_id)
    why = note(
        reason,
        field="reason",
        code=HotlineError.RETURN_REASON,
        empty=_("退单须写明理由（至少 %(n)s 个字）。") % {"n": REASON_MIN},
        minimum=REASON_MIN,
    )
    states.check(ticket, S.RETURNED)
    ticket.return_reason, ticket.returned_by = why, ticket.department
    return states.transition(
        ticket, S.RETURNED, actor=staff.account, department=staff.department, note=why
    )


@service
def ticket_start(*, staff: Staff, ticket_id: int) -> Ticket:
    ticket = access.ticket_for_handler_or_404(staff, ticket_id)
    return states.transition(ticket, S.HANDLING, actor=staff.account, department=staff.department)


@service
def ticket_extension_request(
    *, staff: Staff, ticket_id: int, days: object, reason: object
) -> Ticket:
    """More working days, asked once, for the hotline office to approve."""
    ticket = access.ticket_for_handler_or_404(staff, ticket_id)
    if ticket.state not in (S.ACCEPTED, S.HANDLING):
        raise conflict(HotlineError.EXTENSION_STATE, _("只有已签收或办理中的工单可以申请延期。"))
    if ticket.extension_state != ExtensionState.NONE:
        raise conflict(HotlineError.EXTENSION_STATE, _("本工单已申请过延期。"))
    low, high = clock.EXTENSION_DAYS_RANGE
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        message = _("延期天数应为 %(low)s 至 %(high)s 个工作日。") % {"low": low, "high": high}
        raise invalid(HotlineError.EXTENSION_DAYS, message, "days")
    why = note(
        reason, field="reason", code=HotlineError.EXTENSION_REASON, empty=_("请写明延期理由。")
    )
    ticket.extension_state, ticket.extension_days, ticket.extension_reason = (
        ExtensionState.REQUESTED,
        days,
        why,
    )
    ticket.save(update_fields=["extension_state", "extension_days", "extension_reason"])
    states.event(
        ticket,
        kind=EventKind.EXTENSION_REQUEST,
        actor=staff.account,
        department=staff.department,
        note=why,
        days=days,
    )
    return ticket


@service
def ticket_extension_decide(*, staff: Staff, ticket_id: int, approve: object) -> Ticket:
    """The hotline office approves (the deadline moves by the days asked) or refuses."""
    ticket = access.ticket_for_desk_or_404(staff, ticket_id, access.OFFICE)
    if ticket.extension_state != ExtensionState.REQUESTED:
        raise conflict(HotlineError.EXTENSION_STATE, _("本工单没有待审批的延期申请。"))
    if not isinstance(approve, bool):
        raise invalid(HotlineError.EXTENSION_DECISION, _("请选择批准或不批准。"), "approve")
    if approve:
        assert ticket.due is not None  # a ticket on a department's clock has its due date
        ticket.due = add_workdays(ticket.due, ticket.extension_days)
        start = today()
        ticket.warn_from = clock.warn_from(min(start, ticket.due), ticket.due)
        ticket.warning = clock.colour(due=ticket.due, warn=ticket.warn_from, today=start)
    ticket.extension_state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    ticket.save()
    states.event(
        ticket,
        kind=EventKind.EXTENSION_DECIDE,
        actor=staff.account,
        approved=approve,
        due=ticket.due.isoformat() if ticket.due else "",
    )
    return ticket


@service
def ticket_reply(*, staff: Staff, ticket_id: int, answer: object) -> Ticket:
    """The department's reply to the requester (办理结果)."""
    ticket = access.ticket_for_handler_or_404(staff, ticket_id)
    text = note(
        answer,
        field="answer",
        code=HotlineError.ANSWER_EMPTY,
        empty=_("请填写答复内容。"),
        limit=ANSWER_MAX,
    )
    states.check(ticket, S.REPLIED)
    ticket.answer = text
    states.transition(ticket, S.REPLIED, actor=staff.account, department=staff.department)
    notify_requester(
        ticket,
        _("您的 12345 工单 %(number)s 已有答复，请查看并评价。") % {"number": ticket.number},
    )
    return ticket

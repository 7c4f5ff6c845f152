"""Who may do what on tickets: the one place that decides it.

- The hotline office's desk (话务员 agents, 派单员 dispatchers, 督办 supervisors) acts on every
  ticket of the city, by role.
- A handling department acts on the tickets it leads (主办), by role and department; a
  co-handling department (协办) sees them. What a department may not see is "not found".
- A citizen acts on their own tickets; an agent answers a callback on the caller's behalf.
- A grid inspector (网格员) files what they find on patrol, on the grid-patrol channel only,
  and sees the findings they filed.

``*_or_404`` fetch (locked, for a service) and authorize in one call; ``can_*`` ask the same
as questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from tongban.core.errors import Forbidden
from tongban.identity.access import require_role
from tongban.identity.choices import StaffRoleName as R

from .choices import TicketChannel
from .errors import HotlineError, forbidden, ticket_not_found
from .models import Ticket

if TYPE_CHECKING:
    from tongban.identity.models import Account, Staff

AGENTS = (R.HOTLINE_AGENT,)  # file calls, answer on the spot, callbacks on a caller's behalf
DISPATCHERS = (R.HOTLINE_DISPATCHER,)  # dispatch, arbitrate returns, close, reopen
SUPERVISORS = (R.HOTLINE_SUPERVISOR,)  # 督办, extensions
DESK = (R.HOTLINE_AGENT, R.HOTLINE_DISPATCHER, R.HOTLINE_SUPERVISOR)  # read every ticket
OFFICE = (R.HOTLINE_DISPATCHER, R.HOTLINE_SUPERVISOR)  # extension decisions
HANDLERS = (R.REVIEWER, R.DEPARTMENT_HEAD)  # a department's own work on its tickets
GRID_INSPECTORS = (R.GRID_INSPECTOR,)  # file grid patrol findings, nothing else


def _asks(check, *args) -> bool:
    try:
        check(*args)
    except Forbidden:
        return False
    return True


def can_hold(staff: Staff, *roles) -> bool:
    return _asks(require_role, staff, *roles)


def _is_admin(staff: Staff) -> bool:
    return R.PLATFORM_ADMIN in staff.role_names()


def can_handle(staff: Staff, ticket: Ticket) -> bool:
    """``staff`` works in the ticket's lead department with a handler's role."""
    return can_hold(staff, *HANDLERS) and (
        ticket.department_id == staff.department_id or _is_admin(staff)
    )


def can_see_as_department(staff: Staff, ticket: Ticket) -> bool:
    if _is_admin(staff):
        return True
    if ticket.department_id is not None and ticket.department_id == staff.department_id:
        return True
    return ticket.co_handlers.filter(pk=staff.department_id).exists()


def require_desk(staff: Staff, roles) -> None:
    require_role(staff, *roles)


def require_filer(staff: Staff, channel: object) -> None:
    """Who may file a ticket on a desk channel: an agent any of them; a grid inspector only
    what they found on patrol (网格巡查)."""
    require_role(staff, *AGENTS, *GRID_INSPECTORS)
    if channel != TicketChannel.GRID and not can_hold(staff, *AGENTS):
        raise forbidden(HotlineError.GRID_CHANNEL_ONLY, _("网格员只能登记网格巡查发现的问题。"))


def _locked(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("department", "category")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise ticket_not_found()
    return ticket


def ticket_for_desk_or_404(staff: Staff, ticket_id: int, roles) -> Ticket:
    """A ticket, locked, for the hotline office: refused unless ``staff`` holds ``roles``."""
    require_role(staff, *roles)
    return _locked(ticket_id)


def ticket_for_handler_or_404(staff: Staff, ticket_id: int) -> Ticket:
    """A ticket, locked, for its lead department's handler. Another department's staff (a
    co-handler included: it does not reply) finds nothing; a co-handler is told so."""
    require_role(staff, *HANDLERS)
    ticket = _locked(ticket_id)
    # can_handle, its roles already checked: staff's roles are read once per verb, and again
    # only for another department's ticket (a platform admin may act on it).
    if ticket.department_id == staff.department_id or _is_admin(staff):
        return ticket
    if ticket.co_handlers.filter(pk=staff.department_id).exists():
        raise forbidden(HotlineError.NOT_LEAD, _("贵部门是本工单的协办部门，由主办部门答复。"))
    raise ticket_not_found()


def ticket_for_requester_or_404(account: Account, ticket_id: int, *, lock: bool = False):
    tickets = Ticket.objects.select_for_update(of=("self",)) if lock else Ticket.objects
    ticket = tickets.filter(pk=ticket_id, requester=account).first()
    if ticket is None:
        raise ticket_not_found()
    return ticket


def ticket_for_callback_or_404(account: Account, staff: Staff | None, ticket_id: int) -> Ticket:
    """The callback (回访) is answered by the requester, or by an agent on their behalf."""
    if staff is not None:
        return ticket_for_desk_or_404(staff, ticket_id, AGENTS)
    ticket = _locked(ticket_id)
    if ticket.requester_id is None or ticket.requester_id != account.pk:
        raise forbidden(
            HotlineError.CALLBACK_NOT_REQUESTER, _("只有诉求人本人可以回复这张工单的回访。")
        )
    return ticket

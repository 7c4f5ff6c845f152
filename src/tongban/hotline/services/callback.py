"""The callback (回访): solved or not, satisfied or not. Solved closes the ticket; not solved
reopens it for the desk to dispatch again. Answered by the requester, or by an agent who
called them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .. import access, states
from ..choices import EventKind
from ..choices import TicketState as S
from ..errors import HotlineError, invalid
from ..models import Ticket
from ._common import service

if TYPE_CHECKING:
    from tongban.identity.models import Account, Staff


@service
def ticket_callback(
    *,
    account: Account,
    ticket_id: int,
    solved: object,
    satisfied: object,
    comment: str = "",
    staff: Staff | None = None,
) -> Ticket:
    ticket = access.ticket_for_callback_or_404(account, staff, ticket_id)
    for field, value in (("solved", solved), ("satisfied", satisfied)):
        if not isinstance(value, bool):
            raise invalid(HotlineError.CALLBACK_ANSWER, _("请选择“是”或“否”。"), field)
    to = S.CLOSED if solved else S.REOPENED
    states.check(ticket, to)
    ticket.solved, ticket.satisfied = bool(solved), bool(satisfied)
    if not solved:
        ticket.reopen_count += 1
    comment = (comment or "").strip()[:500]
    states.event(
        ticket,
        kind=EventKind.CALLBACK,
        actor=account,
        note=comment,
        solved=bool(solved),
        satisfied=bool(satisfied),
        by_agent=staff is not None,
    )
    return states.transition(ticket, to, actor=account, note=comment)

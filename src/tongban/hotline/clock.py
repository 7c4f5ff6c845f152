"""Working-day deadlines of tickets (the core calendar), by kind and urgency."""

from datetime import date

from tongban.core.workdays import add_workdays, workdays_between

from .choices import TicketKind as K
from .choices import Urgency as U

# Working days from dispatch to the department's reply.
DEADLINE_DAYS = {
    K.CONSULT: 2,
    K.HELP: 3,
    K.COMPLAINT: 5,
    K.PRAISE: 5,
    K.REPORT: 10,
    K.SUGGESTION: 15,
}
URGENCY_CAP = {U.NORMAL: None, U.URGENT: 2, U.CRITICAL: 1}
YELLOW_AT = 0.8  # the yellow warning from 80% of the working time used
EXTENSION_DAYS_RANGE = (1, 10)
ESCALATE_AFTER_DAYS = 3  # overdue this many working days: 督办 escalated to department heads


def deadline_days(kind: str, urgency: str) -> int:
    days = DEADLINE_DAYS[K(kind)]
    cap = URGENCY_CAP[U(urgency)]
    return min(days, cap) if cap else days


def due_for(start: date, kind: str, urgency: str) -> date:
    return add_workdays(start, deadline_days(kind, urgency))


def warn_from(start: date, due: date) -> date:
    """The first day on which 80% of the working time from ``start`` to ``due`` is used."""
    total = workdays_between(start, due)
    used = int(total * YELLOW_AT + 0.5)
    return add_workdays(start, used) if total > 0 else due


def colour(*, due: date | None, warn: date | None, today: date) -> str:
    if due is None:
        return ""
    if today > due:
        return "red"
    return "yellow" if warn is not None and today >= warn else ""

"""Working-day arithmetic for case deadlines.

The holiday calendar lives in ``tongban.core.workdays`` (start day never counted); this module
adds the legal constants, the precedence of limits and the status colour."""

from datetime import date

from tongban.core.workdays import add_workdays, is_workday, workdays_between, workdays_left

__all__ = ["add_workdays", "is_workday", "workdays_between", "workdays_left"]

CORRECTION_NOTICE_DAYS = 5  # 行政许可法第三十二条: 当场或者五日内一次告知
DELIVERY_DAYS = 10  # 行政许可法第四十四条
ITEM_EXTENSION_DAYS = 10
JOINT_LEGAL_DAYS, JOINT_EXTENSION_DAYS = 45, 15


def limits(*, promised: int, legal: int) -> tuple[int, int, bool]:
    """Precedence: the legal limit caps the promised one.

    Returns (promised, legal, contradiction)."""
    if promised > legal:
        return legal, legal, True
    return promised, legal, False


def warn_from(start: date, due: date) -> date:
    """The first day on which at most 20% of the working time between ``start`` and ``due`` is
    left; stored beside each due date so that queues colour rows without counting days."""
    total = workdays_between(start, due)
    return add_workdays(start, total - int(total * 0.2)) if total > 0 else due


def colour(*, due: date | None, warn: date | None, today: date) -> str:
    """green / yellow (≤ 20% of the time left) / red (overdue), by date comparison only."""
    if due is None:
        return "green"
    if today > due:
        return "red"
    return "yellow" if warn is not None and today >= warn else "green"


def status_colour(*, start: date, due: date, today: date) -> str:
    return colour(due=due, warn=warn_from(start, due), today=today)

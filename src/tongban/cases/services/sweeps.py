"""Deadline rules the scheduler applies to many cases (``tasks.py``): deemed acceptance and
the record of overdue cases and tasks."""

from django.utils.translation import gettext as _

from .. import states
from ..choices import EventKind, TaskState
from ..models import Case, CaseTask
from ._common import S, _start_clock, _today, pre_review_due, service


@service
def case_deemed_acceptance_apply(*, case_id: int, today=None) -> bool:
    """行政许可法第三十二条: no correction notice within 5 working days of receipt → the case
    counts as accepted from receipt. Returns whether it applied (idempotent)."""
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None or case.state != S.PRE_REVIEW or case.received_at is None:
        return False
    if (today or _today()) <= pre_review_due(case):
        return False
    _start_clock(case, case.received_at)
    case.deemed_accepted = True
    states.transition(
        case, S.ACCEPTED, note=_("收件后五个工作日内未告知补正，依法自收件之日起视为受理")
    )
    return True


def cases_deemed_acceptance_sweep(*, today=None) -> int:
    """Deemed acceptance for every case past its date, each case in its own transaction (the
    sweep is in none: one case's failure, or a long sweep, holds no other case's row)."""
    today = today or _today()
    due = Case.objects.filter(state=S.PRE_REVIEW, pre_review_due__lt=today)
    ids = due.values_list("pk", flat=True)
    return sum(case_deemed_acceptance_apply(case_id=i, today=today) for i in list(ids))


def cases_overdue_record(*, today=None) -> int:
    """Record, once each, cases past their promised date and open tasks past their dwell date
    (for e-supervision). Idempotent; returns how many new records were written. Each record is
    its own transaction, as in the deemed-acceptance sweep."""
    today, written = today or _today(), 0
    late = Case.objects.filter(state__in=(S.ACCEPTED, S.UNDER_REVIEW), promised_due__lt=today)
    for case in late.exclude(events__kind=EventKind.OVERDUE):
        assert case.promised_due is not None, "filtered on promised_due__lt"
        _record(case, kind=EventKind.OVERDUE, due=case.promised_due.isoformat())
        written += 1
    tasks = CaseTask.objects.filter(state=TaskState.OPEN, dwell_due__lt=today).select_related(
        "case"
    )
    for task in tasks:
        if not task.case.events.filter(kind=EventKind.TASK_OVERDUE, details__task=task.pk).exists():
            _record(task.case, kind=EventKind.TASK_OVERDUE, task=task.pk, note=task.title)
            written += 1
    return written


@service
def _record(case: Case, **event) -> None:
    states.record_event(case, **event)

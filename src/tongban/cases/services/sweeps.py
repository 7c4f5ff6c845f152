"""Deadline rules the scheduler applies to many cases (``tasks.py``): deemed acceptance and
the record of overdue cases and tasks."""

from django.db.models import BigIntegerField, Exists, OuterRef, Prefetch
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from .. import states
from ..choices import EventKind, TaskState
from ..models import Case, CaseEvent, CaseTask
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


def deemed_acceptance_due(today):
    """The ids of the cases in pre-review past their date (the pre-review queue's partial
    index, ``case_queue_pre_review``, read whole)."""
    due = Case.objects.filter(state=S.PRE_REVIEW, pre_review_due__lt=today)
    return due.order_by("pk").values_list("pk", flat=True)


def overdue_cases_unrecorded(today):
    """Open cases past their promised date without their overdue record: the late cases by
    ``case_open_promised_due``, each probed for its record in ``case_event_overdue`` (a few
    rows per case, not an anti-join over every event)."""
    late = Case.objects.filter(state__in=(S.ACCEPTED, S.UNDER_REVIEW), promised_due__lt=today)
    recorded = CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=EventKind.OVERDUE)
    # Only what the record needs: a case's sealed answers are opened for every row loaded.
    return late.filter(~Exists(recorded)).only("pk", "promised_due").order_by("promised_due", "pk")


def overdue_tasks_unrecorded(today):
    """Open tasks past their dwell date without their record, in one query (not one per task):
    from the review queue's partial index (``case_task_queue``, the open tasks), each probed
    in ``case_event_overdue``; their cases in a second query by primary key (a join would read
    every case once the late tasks are many). The record names the task by its id under
    "task", compared as a number."""
    recorded_task = Cast(KeyTextTransform("task", "details"), BigIntegerField())
    recorded = CaseEvent.objects.annotate(recorded_task=recorded_task).filter(
        case_id=OuterRef("case_id"), kind=EventKind.TASK_OVERDUE, recorded_task=OuterRef("pk")
    )
    late = CaseTask.objects.filter(state=TaskState.OPEN, dwell_due__lt=today)
    cases = Prefetch("case", queryset=Case.objects.only("pk").order_by())
    return late.filter(~Exists(recorded)).prefetch_related(cases).order_by("dwell_due", "pk")


def cases_deemed_acceptance_sweep(*, today=None) -> int:
    """Deemed acceptance for every case past its date, each case in its own transaction (the
    sweep is in none: one case's failure, or a long sweep, holds no other case's row)."""
    today = today or _today()
    ids = list(deemed_acceptance_due(today))
    return sum(case_deemed_acceptance_apply(case_id=i, today=today) for i in ids)


def cases_overdue_record(*, today=None) -> int:
    """Record, once each, cases past their promised date and open tasks past their dwell date
    (for e-supervision). Idempotent; returns how many new records were written. Each record is
    its own transaction, as in the deemed-acceptance sweep. The reads are index-backed at any
    size (bench/cases_explain.py)."""
    today, written = today or _today(), 0
    for case in overdue_cases_unrecorded(today):
        assert case.promised_due is not None, "filtered on promised_due__lt"
        _record(case, kind=EventKind.OVERDUE, due=case.promised_due.isoformat())
        written += 1
    for task in overdue_tasks_unrecorded(today):
        _record(task.case, kind=EventKind.TASK_OVERDUE, task=task.pk, note=task.title)
        written += 1
    return written


@service
def _record(case: Case, **event) -> None:
    states.record_event(case, **event)

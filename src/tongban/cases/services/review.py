"""Review: fanning a case out into one task per department, deciding the parts, reassigning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record
from tongban.core.errors import Conflict
from tongban.identity import selectors as identity_selectors
from tongban.licences import services as licences_services

from .. import access, states
from ..choices import Decision, EventKind, TaskKind, TaskState
from ..errors import CaseError, invalid, task_not_found
from ..models import Case, CaseTask
from ..states import Step
from ._common import (
    FRONT_DESK,
    S,
    _gaps_closed_guard,
    _open_task_for_staff,
    _task,
    _task_open_guard,
    service,
)

if TYPE_CHECKING:
    from tongban.identity.models import Staff


@service
def case_review_start(*, staff: Staff, case_id: int) -> Case:
    """Accepted → under review: one task per item (a theme fans out to each member department)."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=FRONT_DESK)
    states.check(case, S.UNDER_REVIEW)
    if case.item_version is not None:
        parts = [(case.item_version, case.department)]
    else:
        theme = catalog_selectors.theme_public(case.applied_theme.code)
        members = catalog_selectors.theme_members_published(theme)
        parts = [(catalog_selectors.published_version(m.item), m.item.department) for m in members]
    CaseTask.objects.bulk_create(
        _task(
            case,
            version,
            department,
            days=min(version.promised_limit_days, case.promised_limit_days or 999),
        )
        for version, department in parts
    )
    return states.transition(case, S.UNDER_REVIEW, actor=staff.account, tasks=len(parts))


@service
def task_decide(*, staff: Staff, task_id: int, decision: str, reasons: str = "") -> CaseTask:
    """One department decides its part; when every part is decided, the case is decided
    (approved only if every part is approved: then each part's item that produces a licence
    issues it, in this transaction). Of two reviewers racing, exactly one wins."""
    _decision_guard(decision, reasons)
    case, task = _open_task_for_staff(staff=staff, task_id=task_id, kind=TaskKind.REVIEW)
    _task_decide(staff=staff, case=case, task=task, decision=decision, reasons=reasons)
    return task


@service
def case_decide(*, staff: Staff, case_id: int, decision: str, reasons: str = "") -> Case:
    """A single-item case: decide its one part (the staff member's department's task)."""
    _decision_guard(decision, reasons)
    case, task = access.case_task_for_staff_or_404(
        staff=staff, case_id=case_id, kind=TaskKind.REVIEW
    )
    if task is None:
        states.check(case, S.DECIDED)
        raise task_not_found()
    _task_open_guard(task)
    _task_decide(staff=staff, case=case, task=task, decision=decision, reasons=reasons)
    return case


def _decision_guard(decision: str, reasons: str) -> None:
    if decision not in Decision.values:
        raise invalid(CaseError.DECISION, _("请选择准予或不予许可。"), "decision")
    if decision == Decision.REJECTED and not reasons.strip():
        raise invalid(CaseError.DECISION_REASONS, _("不予许可须写明理由。"), "reasons")


def _task_decide(*, staff: Staff, case: Case, task: CaseTask, decision: str, reasons: str) -> None:
    """``task``, open and one of ``case.tasks`` (fetched with the case, both locked), decided;
    the case with it once every part is decided."""
    if case.state != S.UNDER_REVIEW:
        states.check(case, S.DECIDED)
    _gaps_closed_guard(case)
    task.state, task.decision, task.reasons = TaskState.DONE, decision, reasons.strip()
    task.decided_by, task.decided_at = staff, timezone.now()
    task.save()
    decided = states.event(
        case, kind=EventKind.TASK_DECIDED, actor=staff.account, note=task.title, decision=decision
    )
    audit_record(
        action="cases.task.decide",
        actor=staff.account,
        target=task,
        subject_person_id=case.applicant_id,
        details={"case": case.number, "decision": decision},
    )
    parts = [
        p for p in case.tasks.all() if p.kind == TaskKind.REVIEW and p.state != TaskState.CANCELLED
    ]
    if not all(p.state == TaskState.DONE for p in parts):
        states.record_events([decided])
        return
    approved = all(p.decision == Decision.APPROVED for p in parts)
    case.decision = Decision.APPROVED if approved else Decision.REJECTED
    case.reasons = "\n".join(f"{p.title}：{p.reasons}" for p in parts if p.reasons)
    step = Step(S.DECIDED, actor=staff.account, details={"decision": case.decision})
    states.transitions(case, [step], events=[decided])
    if approved:  # the licences the items produce, in this same transaction
        licences_services.licences_issue_for_case(case=case, actor=staff.account)


@service
def task_reassign(*, staff: Staff, task_id: int, department_code: str) -> CaseTask:
    """The head of the department holding a task hands it to another department: the task's
    dwell clock restarts; the case's business clock does not."""
    case, task = access.task_for_staff_or_404(staff=staff, task_id=task_id, roles=access.HEADS)
    target = identity_selectors.department_by_code(department_code)
    if task.state != TaskState.OPEN:
        raise Conflict(CaseError.TASK_ALREADY_DONE, _("该任务已处理完毕，不能改派。"))
    if target.pk == task.department_id:
        raise invalid(CaseError.TASK_SAME_DEPARTMENT, _("请选择另一个部门。"), "department_code")
    fresh = _task(case, task.item_version, target, days=task.item_version.promised_limit_days)
    frm = task.department_id
    task.department, task.assigned_at = target, timezone.now()
    task.dwell_due, task.dwell_warn = fresh.dwell_due, fresh.dwell_warn
    task.save()
    states.record_event(case, kind=EventKind.TASK_REASSIGNED, actor=staff.account, note=target.name)
    audit_record(
        action="cases.task.reassign",
        actor=staff.account,
        target=task,
        details={"from": frm, "to": target.pk, "case": case.number},
    )
    return task

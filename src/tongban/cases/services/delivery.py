"""After review: approval on commitment (告知承诺) and its verification, extension, delivery
and closing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.errors import Conflict
from tongban.licences import services as licences_services

from .. import access, clock, states
from ..choices import Decision, DeliveryMethod, EventKind, TaskKind, TaskState
from ..errors import CaseError, invalid
from ..models import Case, CaseTask
from ._common import S, _gaps_closed_guard, _open_task_for_staff, _recompute_dues, _task, service

if TYPE_CHECKING:
    from tongban.identity.models import Staff


@service
def case_commitment_approve(*, staff: Staff, case_id: int, verification_days: int = 20) -> CaseTask:
    """告知承诺: approve at once on the applicant's commitment (issuing the licence the item
    produces, in this transaction); verify afterwards."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.REVIEWERS)
    states.check(case, S.UNDER_REVIEW)
    if case.item_version is None or not case.item_version.commitment:
        raise Conflict(CaseError.COMMITMENT_NOT_ALLOWED, _("该事项不适用告知承诺制。"))
    _gaps_closed_guard(case)
    case.commitment = True
    states.transition(case, S.UNDER_REVIEW, actor=staff.account, note=_("告知承诺"))
    task = _task(
        case,
        case.item_version,
        case.department,
        days=verification_days,
        kind=TaskKind.VERIFICATION,
        title=_("承诺核查：%(t)s") % {"t": case.title},
    )
    task.save()
    case.decision = Decision.APPROVED
    states.transition(case, S.DECIDED, actor=staff.account, note=_("告知承诺，当场准予许可"))
    licences_services.licences_issue_for_case(case=case, actor=staff.account)
    return task


@service
def task_verify(*, staff: Staff, task_id: int, passed: bool, note: str = "") -> CaseTask:
    """The follow-up check of a commitment; a failure revokes the approval, on the record, and
    the licences it issued."""
    case, task = _open_task_for_staff(staff=staff, task_id=task_id, kind=TaskKind.VERIFICATION)
    if not passed and not note.strip():
        raise invalid(CaseError.VERIFY_NOTE, _("核查不通过须写明情况。"), "note")
    task.state, task.decision = TaskState.DONE, Decision.APPROVED if passed else Decision.REJECTED
    task.reasons, task.decided_by, task.decided_at = note.strip(), staff, timezone.now()
    task.save()
    audit_record(
        action="cases.task.verify",
        actor=staff.account,
        target=task,
        subject_person_id=case.applicant_id,
        details={"case": case.number, "passed": passed},
    )
    if passed:
        states.record_event(case, kind=EventKind.COMMITMENT_VERIFIED, actor=staff.account)
    else:
        states.record_event(case, kind=EventKind.COMMITMENT_FAILED, actor=staff.account, note=note)
        states.transition(
            case, S.REVOKED, actor=staff.account, note=_("承诺核查不实，撤销许可：") + note
        )
        licences_services.licences_revoke_for_case(
            case=case, actor=staff.account, reason=_("承诺核查不实，撤销许可：") + note
        )
    return task


@service
def case_extend(*, staff: Staff, case_id: int, reason: str) -> Case:
    """+10 working days (+15 for joint handling) on the legal limit, with the head's approval."""
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.HEADS)
    if case.state not in (S.ACCEPTED, S.UNDER_REVIEW):
        raise Conflict(CaseError.EXTEND_STATE, _("只有受理后、决定前的办件可以延期。"))
    if case.extension_days:
        raise Conflict(CaseError.EXTEND_TWICE, _("该办件已延期一次，不能再次延期。"))
    if not reason.strip():
        raise invalid(CaseError.EXTEND_REASON, _("延期须写明理由。"), "reason")
    case.extension_days = clock.JOINT_EXTENSION_DAYS if case.is_theme else clock.ITEM_EXTENSION_DAYS
    case.extension_reason, case.extension_approved_by = reason.strip()[:300], staff
    _recompute_dues(case)
    case.updated_at = timezone.now()
    case.save()
    states.record_event(
        case, kind=EventKind.EXTENDED, actor=staff.account, note=reason, days=case.extension_days
    )
    audit_record(
        action="cases.case.extend",
        actor=staff.account,
        target=case,
        details={"days": case.extension_days},
    )
    return case


@service
def case_deliver(*, staff: Staff, case_id: int, method: str, tracking_number: str = "") -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.DELIVERY_ROLES)
    states.check(case, S.DELIVERED)
    if method not in DeliveryMethod.values:
        raise invalid(CaseError.DELIVERY_METHOD, _("请选择送达方式。"), "method")
    if method == DeliveryMethod.EXPRESS and not tracking_number.strip():
        raise invalid(CaseError.DELIVERY_TRACKING, _("快递送达须填写快递单号。"), "tracking_number")
    case.delivery_method, case.tracking_number = method, tracking_number.strip()[:40]
    return states.transition(case, S.DELIVERED, actor=staff.account, method=method)


@service
def case_close(*, staff: Staff, case_id: int) -> Case:
    case = access.case_for_staff_or_404(staff=staff, case_id=case_id, roles=access.DELIVERY_ROLES)
    return states.transition(case, S.CLOSED, actor=staff.account)

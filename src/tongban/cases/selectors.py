"""Reads of cases, already scoped to who is asking."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tongban.core.audit import audit_record
from tongban.core.errors import Forbidden
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role
from tongban.identity.choices import StaffRoleName as R

from . import clock
from .choices import CaseState, QueueKind, TaskState
from .errors import case_not_found, invalid
from .models import Case, CaseEvent, CaseTask

S = CaseState
QUEUE_ROLES = (R.COUNTER_CLERK, R.REVIEWER, R.DEPARTMENT_HEAD)


def cases_for_applicant(*, account, state: str = "", limit: int = 100) -> list[Case]:
    person = identity_selectors.person_for_account(account)
    if person is None:
        return []
    qs = Case.objects.filter(applicant=person).select_related("department")
    if state:
        qs = qs.filter(state=state)
    return list(qs.order_by("-created_at")[:limit])


def case_detail_for_applicant(*, account, case_id: int) -> Case:
    """The applicant's own case with its timeline, materials, notices and parts; anyone else's
    case is 'not found' (its existence is not revealed)."""
    person = identity_selectors.person_for_account(account)
    case = (
        Case.objects.select_related("department", "item_version", "theme")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
            "materials",
            "correction_notices",
            Prefetch("tasks", queryset=CaseTask.objects.select_related("department")),
        )
        .filter(pk=case_id, applicant=person)
        .first()
        if person is not None
        else None
    )
    if case is None:
        raise case_not_found()
    return case


NEXT_STEP = {
    S.DRAFT: _lazy("填写完整后提交申请"),
    S.SUBMITTED: _lazy("等待网上预审"),
    S.PRE_REVIEW: _lazy("部门预审中"),
    S.CORRECTION_REQUESTED: _lazy("请按一次性告知书补正后重新提交"),
    S.ACCEPTED: _lazy("已受理，等待分送审查"),
    S.UNDER_REVIEW: _lazy("部门审查中"),
    S.DECIDED: _lazy("已作出决定，等待送达"),
    S.DELIVERED: _lazy("结果已送达"),
}


def case_progress(case: Case) -> dict:
    """For the applicant: the next step, who holds the case, working days left on the clock."""
    open_parts = [t.department.name for t in case.tasks.all() if t.state == TaskState.OPEN]
    due = case.promised_due if case.state in (S.ACCEPTED, S.UNDER_REVIEW) else None
    if case.state == S.PRE_REVIEW:
        due = case.pre_review_due
    left = clock.workdays_between(timezone.localdate(), due) if due else None
    return {
        "next_step": str(NEXT_STEP.get(case.state, "")),
        "holders": open_parts or [case.department.name],
        "days_left": left,
    }


def _row(case: Case, *, task: CaseTask | None, due, warn, today) -> dict:
    colour = clock.colour(due=due, warn=warn, today=today)
    return {"case": case, "task": task, "due": due, "colour": colour, "overdue": colour == "red"}


def queue_for_staff(
    *, staff, kind: str, limit: int = 50, overdue_only: bool = False, channel: str = ""
) -> list[dict]:
    """What the staff member's department has to do, overdue first, then by due date; one query
    whatever the length (due and warning dates are stored, colours are date comparisons).

    pre_review: cases in pre-review (due: 5 working days after receipt);
    accept: accepted cases awaiting distribution to review;
    review: open tasks (review or verification) assigned to the department, including parts of
    other departments' theme cases, and nothing else of theirs."""
    require_role(staff, *QUEUE_ROLES)
    if kind not in QueueKind.values:
        raise invalid("case.queue.kind", _("队列类型不正确。"), "kind")
    today, limit = timezone.localdate(), max(1, min(limit, 200))
    if kind == QueueKind.REVIEW:
        tasks = CaseTask.objects.filter(department_id=staff.department_id, state=TaskState.OPEN)
        if overdue_only:
            tasks = tasks.filter(dwell_due__lt=today)
        if channel:
            tasks = tasks.filter(case__channel=channel)
        tasks = tasks.select_related("case", "case__department", "department").order_by(
            "dwell_due", "id"
        )[:limit]
        return [
            _row(t.case, task=t, due=t.dwell_due, warn=t.dwell_warn, today=today) for t in tasks
        ]
    cases = Case.objects.filter(department_id=staff.department_id).select_related("department")
    if channel:
        cases = cases.filter(channel=channel)
    if kind == QueueKind.PRE_REVIEW:
        cases = cases.filter(state=S.PRE_REVIEW).order_by("pre_review_due", "received_at", "id")
        fields = ("pre_review_due", "pre_review_warn")
        if overdue_only:
            cases = cases.filter(pre_review_due__lt=today)
    else:
        cases = cases.filter(state=S.ACCEPTED).order_by("promised_due", "id")
        fields = ("promised_due", "promised_warn")
        if overdue_only:
            cases = cases.filter(promised_due__lt=today)
    return [
        _row(c, task=None, due=getattr(c, fields[0]), warn=getattr(c, fields[1]), today=today)
        for c in cases[:limit]
    ]


def case_for_staff(*, staff, case_id: int) -> Case:
    """A case its department holds, or one with a part assigned to the staff's department."""
    require_role(staff, *QUEUE_ROLES)
    case = (
        Case.objects.select_related("department", "item_version", "theme", "applicant")
        .prefetch_related("events", "materials", "correction_notices", "tasks")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise case_not_found()
    mine = case.department_id == staff.department_id or any(
        t.department_id == staff.department_id for t in case.tasks.all()
    )
    if not mine and R.PLATFORM_ADMIN not in staff.role_names():
        raise Forbidden("staff.department", _("该办件不属于您的部门。"))
    audit_record(
        action="cases.case.staff_read",
        actor=staff.account,
        target=case,
        subject_person_id=case.applicant_id,
        details={"department": staff.department.code, "number": case.number},
    )
    return case


PUBLIC_HIDDEN = (S.DRAFT,)


def case_public_status(*, number: str, name: str) -> dict:
    """Case number + the applicant's name → state and dates only (no personal data). A wrong
    name and an unknown number answer the same."""
    number, name = (number or "").strip(), (name or "").strip()
    if not number or not name:
        raise invalid("case.status.query", _("请输入办件编号和申请人姓名。"), "number")
    case = (
        Case.objects.filter(number=number, applicant__name=name)
        .exclude(state__in=PUBLIC_HIDDEN)
        .only(
            "number",
            "title",
            "state",
            "received_at",
            "accepted_at",
            "decided_at",
            "promised_due",
            "closed_at",
        )
        .first()
    )
    if case is None:
        raise case_not_found()
    day = lambda dt: timezone.localdate(dt).isoformat() if dt else None  # noqa: E731
    return {
        "number": case.number,
        "title": case.title,
        "state": case.state,
        "state_label": str(S(case.state).label),
        "received_on": day(case.received_at),
        "accepted_on": day(case.accepted_at),
        "decided_on": day(case.decided_at),
        "closed_on": day(case.closed_at),
        "promised_due": case.promised_due.isoformat() if case.promised_due else None,
    }

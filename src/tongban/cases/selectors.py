"""Reads of cases, already scoped to who is asking."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tongban.catalog import selectors as catalog_selectors
from tongban.core.audit import audit_record
from tongban.core.errors import Forbidden
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role
from tongban.identity.choices import StaffRoleName as R

from . import clock, states
from .choices import CaseState, QueueKind, TaskState
from .errors import case_not_found, invalid
from .models import Case, CaseEvent, CaseTask
from .uploads import max_bytes as upload_max_bytes

S = CaseState
QUEUE_ROLES = (R.COUNTER_CLERK, R.REVIEWER, R.DEPARTMENT_HEAD)


def cases_for_applicant(*, account, state: str = "", limit: int = 100) -> list[Case]:
    person = identity_selectors.person_for_account(account)
    if person is None:
        return []
    qs = Case.objects.filter(applicant=person).select_related("department")
    qs = qs.prefetch_related(
        Prefetch("tasks", queryset=CaseTask.objects.select_related("department"))
    )
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


def _progress_due(case: Case):
    """The date the applicant is waiting for: pre-review's, else the promised one while open."""
    if case.state == S.PRE_REVIEW:
        return case.pre_review_due
    return case.promised_due if case.state in (S.ACCEPTED, S.UNDER_REVIEW) else None


def _progress(case: Case, days_left: int | None) -> dict:
    open_parts = [t.department.name for t in case.tasks.all() if t.state == TaskState.OPEN]
    return {
        "next_step": str(NEXT_STEP.get(case.state, "")),
        "holders": open_parts or [case.department.name],
        "days_left": days_left,
    }


def case_progress(case: Case) -> dict:
    """For the applicant: the next step, who holds the case, working days left on the clock."""
    due = _progress_due(case)
    return _progress(case, clock.workdays_between(timezone.localdate(), due) if due else None)


def cases_with_progress_for_applicant(*, account, limit: int = 100) -> list[dict]:
    """「我的办件」: each case with its progress, in a fixed number of queries."""
    rows = cases_for_applicant(account=account, limit=limit)
    dues = [d for d in map(_progress_due, rows) if d]
    left = clock.workdays_left(timezone.localdate(), dues)
    return [{"case": c, "progress": _progress(c, left.get(_progress_due(c)))} for c in rows]


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


# --- materials checklist (the applicant's pages and the submit rule) -------------------------


def material_entries(*, item_version=None, theme=None) -> list:
    """Every material the item (or the theme's members) may ask for, with its condition."""
    if item_version is not None:
        return catalog_selectors.material_entries(version=item_version)
    return catalog_selectors.theme_material_entries(theme=theme)


def checklist_rows(*, entries, form_data: dict, uploads=()) -> list[dict]:
    """Each entry with whether it applies to these answers, the files uploaded for it, and
    whether it is still missing (applies, required, and the applicant has to supply it)."""
    rows = []
    for entry in entries:
        files = [m for m in uploads if m.catalog_material_id in entry.ids]
        applies = entry.applies_to(form_data)
        missing = applies and entry.required and entry.uploaded_by_applicant and not files
        rows.append({"entry": entry, "applies": applies, "uploads": files, "missing": missing})
    return rows


def case_checklist(*, case: Case, form_data: dict | None = None) -> list[dict]:
    """The case's checklist for its answers (or for ``form_data`` about to replace them)."""
    entries = material_entries(item_version=case.item_version, theme=case.theme)
    data = case.form_data if form_data is None else form_data
    return checklist_rows(entries=entries, form_data=data, uploads=list(case.materials.all()))


def applicant_actions(case: Case) -> dict[str, bool]:
    """What the applicant may do with the case in its state."""
    return {
        "edit": case.state == S.DRAFT,
        "correct": case.state == S.CORRECTION_REQUESTED,
        "withdraw": states.allowed(case.state, S.WITHDRAWN),
    }


APPLICANT_EVENT_LABELS = {
    "created": _lazy("创建申请"),
    "material_added": _lazy("上传材料"),
    "material_verified": _lazy("材料原件已核验"),
    "task_decided": _lazy("部门作出审查意见"),
    "task_reassigned": _lazy("转由其他部门办理"),
    "gaps_closed": _lazy("容缺材料已补齐"),
    "extended": _lazy("办理期限依法延长"),
    "overdue": _lazy("已超过承诺办结日"),
    "commitment_verified": _lazy("承诺核查通过"),
    "commitment_failed": _lazy("承诺核查不实"),
}


def applicant_timeline(case: Case) -> list[dict]:
    """The timeline as the applicant reads it: state changes and the steps that concern them;
    staff-internal events (proposals between departments, clock warnings) are left out."""
    rows = []
    for event in case.events.all():
        if event.kind == "transition":
            label = _("状态变为“%(s)s”") % {"s": S(event.to_state).label}
        elif event.kind in APPLICANT_EVENT_LABELS:
            label = str(APPLICANT_EVENT_LABELS[event.kind])
        else:
            continue
        rows.append({"at": event.at, "kind": event.kind, "label": label, "note": event.note})
    return rows


def upload_limit_mb() -> int:
    """The largest file an applicant may upload, in MB (for the pages to say so up front)."""
    return upload_max_bytes() // 1048576

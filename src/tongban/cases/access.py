"""Who may do what on cases and appointments: the one place that decides it.

Two kinds of answer, built on ``tongban.identity.access`` (roles, departments):

- ``*_or_404`` fetch what a service changes (locked) and authorize it in one call; what the
  caller may not see is "not found", so its existence is not revealed.
- ``can_*`` predicates say the same as questions. ``selectors.case_actions_for_staff`` (the
  workbench's allowed actions) asks these, and the services raise through the same rules, so
  no rule is written twice (``tests/cases/test_staff_actions.py`` holds the two together).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from tongban.catalog import selectors as catalog_selectors
from tongban.core.errors import Forbidden
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_department, require_role
from tongban.identity.choices import StaffRoleName as R

from .choices import CaseState
from .errors import CaseError, case_not_found, task_not_found
from .models import Case, CaseTask

if TYPE_CHECKING:
    from tongban.identity.models import Account, Staff

# Who acts at each step (a platform admin holds every role: ``require_role``).
FRONT_DESK = (R.COUNTER_CLERK, R.REVIEWER)  # pre-review, acceptance, materials
QUEUE_ROLES = (R.COUNTER_CLERK, R.REVIEWER, R.DEPARTMENT_HEAD)  # queues and the case page
REVIEWERS = (R.REVIEWER,)  # decisions, commitments, verification
HEADS = (R.DEPARTMENT_HEAD,)  # extension, reassignment
DELIVERY_ROLES = (R.REVIEWER, R.COUNTER_CLERK)  # delivery and closing
COUNTER = (R.COUNTER_CLERK,)  # 一窗受理
APPOINTMENT_STAFF = (R.COUNTER_CLERK, R.DEPARTMENT_HEAD)  # a center's appointments


def _asks(check, *args) -> bool:
    """A refusing check (``require_*``) asked as a question."""
    try:
        check(*args)
    except Forbidden:
        return False
    return True


# --- predicates -------------------------------------------------------------------------------


def can_hold(staff: Staff, *roles) -> bool:
    """``identity.access.require_role`` as a question."""
    return _asks(require_role, staff, *roles)


def can_act_across_departments(staff) -> bool:
    """A platform admin acts in every department (and center)."""
    return can_hold(staff, R.PLATFORM_ADMIN)


def can_see_department(staff: Staff, department_id: int | None) -> bool:
    """``identity.access.require_department`` by id: tasks, centers and groups carry only their
    department's id, and loading each department to ask would cost a query per row."""
    return staff.department_id == department_id or can_act_across_departments(staff)


def authorize_case(staff: Staff, case: Case, roles) -> None:
    """Refuse unless ``staff`` holds one of ``roles`` in the department holding ``case``."""
    require_role(staff, *roles)
    require_department(staff, case.department)


def can_handle_case(staff: Staff, case: Case, roles) -> bool:
    return _asks(authorize_case, staff, case, roles)


def can_handle_task(staff: Staff, task: CaseTask, roles) -> bool:
    """The task is the staff department's (any task, for a platform admin), with the role."""
    return can_hold(staff, *roles) and can_see_department(staff, task.department_id)


def is_theme_member(staff: Staff, case: Case) -> bool:
    """The staff's department handles a published member item of the theme ``case`` (the same
    read as the pre-review queue's)."""
    if not case.is_theme:
        return False
    return case.theme_id in catalog_selectors.theme_ids_with_member_department(staff.department_id)


def is_lead_department(staff: Staff, case: Case) -> bool:
    return staff.department_id == case.department_id


def can_propose_correction(staff: Staff, case: Case) -> bool:
    """A member department (not the lead) of a theme case may propose corrections."""
    return (
        can_hold(staff, *FRONT_DESK)
        and is_theme_member(staff, case)
        and not is_lead_department(staff, case)
    )


def can_read_case(staff: Staff, case: Case) -> bool:
    """The department holds the case, holds a part of it (``case.tasks`` as prefetched), or
    handles a member item of a theme case in pre-review (to propose a joint correction)."""
    return (
        can_see_department(staff, case.department_id)
        or any(t.department_id == staff.department_id for t in case.tasks.all())
        or (case.state == CaseState.PRE_REVIEW and is_theme_member(staff, case))
    )


def can_scan_for(staff: Staff, case: Case) -> bool:
    """Papers are scanned in by the center that received the case or the department holding it."""
    return can_hold(staff, *FRONT_DESK) and (
        can_see_department(staff, case.center_id) or can_see_department(staff, case.department_id)
    )


def tasks_seen_by(staff: Staff, tasks):
    """The parts of cases a staff member sees: every part when the department holds the case
    (and for a platform admin), only its own for a member department of a theme case."""
    if can_act_across_departments(staff):
        return tasks
    mine = staff.department_id
    return tasks.filter(Q(department_id=mine) | Q(case__department_id=mine))


# --- fetch and authorize ----------------------------------------------------------------------


def person_of(account):
    """The signed-in applicant's person, or refusal (an account with no person)."""
    person = identity_selectors.person_for_account(account)
    if person is None:
        raise Forbidden(CaseError.PERSON_REQUIRED, _("请以个人账号登录后办理。"))
    return person


def case_for_applicant_or_404(*, account: Account, case_id: int) -> Case:
    """The applicant's own case, locked; anyone else's is 'not found'."""
    person = person_of(account)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("applicant", "item_version", "theme")
        .filter(pk=case_id, applicant=person)
        .first()
    )
    if case is None:
        raise case_not_found()
    return case


def cases_open_to_staff():
    """The cases staff may be shown at all, whatever their department or role (platform admins
    included): a draft is the applicant's alone until it is submitted, so asking for one is
    answered 'not found', as for any case one may not see."""
    return Case.objects.exclude(state=CaseState.DRAFT)


def case_for_staff_or_404(
    *, staff: Staff, case_id: int, roles=FRONT_DESK, lock: bool = True
) -> Case:
    """A case (not a draft) of the staff member's department, for one of ``roles``; locked
    unless ``lock`` is false. A missing role is refused before anything is read."""
    require_role(staff, *roles)
    cases = cases_open_to_staff()
    if lock:
        cases = cases.select_for_update(of=("self",))
    case = (
        cases.select_related("applicant", "item_version", "theme", "department")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise case_not_found()
    authorize_case(staff, case, roles)
    return case


def _locked_with_tasks(cases):
    """``cases`` locked, each with its tasks (``case.tasks``, all of them) locked after it: the
    case first, then its tasks (always in this order)."""
    tasks = Prefetch("tasks", queryset=CaseTask.objects.select_for_update())
    return cases.select_for_update(of=("self",)).prefetch_related(tasks)


def task_for_staff_or_404(
    *, staff: Staff, task_id: int, roles=REVIEWERS, kind: str | None = None
) -> tuple[Case, CaseTask]:
    """A task of the staff member's department (of ``kind``, if given) and its case, both
    locked (``_locked_with_tasks``: the task is one of ``case.tasks``). Another department's
    task is 'not found'."""
    require_role(staff, *roles)
    tasks = CaseTask.objects.filter(pk=task_id)
    if kind is not None:
        tasks = tasks.filter(kind=kind)
    row = tasks.values("case_id", "department_id").first()
    if row is None or not can_see_department(staff, row["department_id"]):
        raise task_not_found()
    cases = Case.objects.select_related("applicant", "item_version", "theme")
    case = _locked_with_tasks(cases.filter(pk=row["case_id"])).get()
    return case, next(t for t in case.tasks.all() if t.pk == task_id)


def case_task_for_staff_or_404(
    *, staff: Staff, case_id: int, kind: str, roles=REVIEWERS
) -> tuple[Case, CaseTask | None]:
    """A case (not a draft) locked with its tasks (``_locked_with_tasks``) and, of its tasks of
    ``kind``, the staff member's department's (the first by state, then id). When the
    department holds none, the task is None and the case must be the department's, for one of
    ``roles`` (as ``case_for_staff_or_404``); a missing role is refused before anything is
    read."""
    require_role(staff, *roles)
    cases = cases_open_to_staff().select_related("applicant", "item_version", "theme", "department")
    case = _locked_with_tasks(cases.filter(pk=case_id)).first()
    if case is None:
        raise case_not_found()
    mine = [
        t for t in case.tasks.all() if t.kind == kind and t.department_id == staff.department_id
    ]
    if not mine:
        authorize_case(staff, case, roles)
        return case, None
    return case, min(mine, key=lambda t: (t.state, t.pk))

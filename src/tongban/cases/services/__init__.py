"""The verbs that change cases, one module per lifecycle step. Keyword-only, one transaction
each, audit-logged; every state change goes through ``states.transition`` (timeline event,
audit entry, message to the applicant). Who may act is asked of ``cases.access``.

Callers import the package (``from tongban.cases import services``); the modules are how the
code is kept, not an interface."""

from ._common import pre_review_due
from .application import (
    case_application_save,
    case_correct,
    case_correction_save,
    case_create_draft,
    case_material_add,
    case_submit,
    case_update_draft,
    case_withdraw,
)
from .counter import case_counter_create, case_counter_intake, case_material_scan
from .delivery import case_close, case_commitment_approve, case_deliver, case_extend, task_verify
from .pre_review import (
    APPLICANT_CORRECTION_DAYS,
    CORRECTION_DAYS_RANGE,
    GAPS_DAYS_RANGE,
    case_accept_with_gaps,
    case_correction_propose,
    case_gaps_close,
    case_material_verify,
    case_pre_review_accept,
    case_refuse,
    case_request_correction,
)
from .review import case_decide, case_review_start, task_decide, task_reassign
from .sweeps import (
    case_deemed_acceptance_apply,
    cases_deemed_acceptance_sweep,
    cases_overdue_record,
)

__all__ = [
    "APPLICANT_CORRECTION_DAYS",
    "CORRECTION_DAYS_RANGE",
    "GAPS_DAYS_RANGE",
    "case_accept_with_gaps",
    "case_application_save",
    "case_close",
    "case_commitment_approve",
    "case_correct",
    "case_correction_propose",
    "case_correction_save",
    "case_counter_create",
    "case_counter_intake",
    "case_create_draft",
    "case_decide",
    "case_deemed_acceptance_apply",
    "case_deliver",
    "case_extend",
    "case_gaps_close",
    "case_material_add",
    "case_material_scan",
    "case_material_verify",
    "case_pre_review_accept",
    "case_refuse",
    "case_request_correction",
    "case_review_start",
    "case_submit",
    "case_update_draft",
    "case_withdraw",
    "cases_deemed_acceptance_sweep",
    "cases_overdue_record",
    "pre_review_due",
    "task_decide",
    "task_reassign",
    "task_verify",
]

"""Coded domain errors of cases (stable ``code``, Chinese ``message``, field names)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict, InvalidInput, NotFound


class CaseError(StrEnum):
    """Every code the cases context raises (appointments' start ``appointment.``). The values
    are what clients and tests see and never change; raise sites name the member."""

    COMMITMENT_NOT_ALLOWED = "case.commitment_not_allowed"
    CORRECTION_DAYS = "case.correction.days"
    CORRECTION_EMPTY = "case.correction.empty"
    CORRECTION_ITEM = "case.correction.item"
    CORRECTION_LEAD = "case.correction.lead"
    CORRECTION_NOT_FIRST_TIME = "case.correction.not_first_time"
    CORRECTION_EXPIRED = "case.correction_expired"
    CORRECTION_NOTICE_LATE = "case.correction_notice_late"
    COUNTER_MOBILE_MISMATCH = "case.counter.mobile_mismatch"
    COUNTER_NAME_REQUIRED = "case.counter.name_required"
    COUNTER_OUT_OF_SCOPE = "case.counter.out_of_scope"
    DECISION = "case.decision"
    DECISION_REASONS = "case.decision.reasons"
    DELIVERY_METHOD = "case.delivery.method"
    DELIVERY_TRACKING = "case.delivery.tracking"
    ENTITY_NOT_ALLOWED = "case.entity_not_allowed"
    EXTEND_REASON = "case.extend.reason"
    EXTEND_STATE = "case.extend_state"
    EXTEND_TWICE = "case.extend_twice"
    FORM_APPLICANT_MISMATCH = "case.form.applicant_mismatch"
    FORM_DATA = "case.form_data"
    FORM_INVALID = "case.form_invalid"
    FORM_TOO_LARGE = "case.form_too_large"
    GAPS_DAYS = "case.gaps.days"
    GAPS_EMPTY = "case.gaps.empty"
    GAPS_NONE = "case.gaps_none"
    GAPS_NOT_ALLOWED = "case.gaps_not_allowed"
    GAPS_OPEN = "case.gaps_open"
    MATERIAL_NAME = "case.material.name"
    MATERIAL_NOT_FOUND = "case.material.not_found"
    MATERIAL_TRUST = "case.material.trust"
    MATERIAL_UNKNOWN = "case.material.unknown"
    MATERIALS_CLOSED = "case.materials_closed"
    MATERIALS_MISSING = "case.materials_missing"
    NOT_DRAFT = "case.not_draft"
    NOT_FOUND = "case.not_found"
    NOT_ONLINE = "case.not_online"
    PERSON_REQUIRED = "case.person_required"
    QUEUE_KIND = "case.queue.kind"
    REFUSE_LEGAL_BASIS = "case.refuse.legal_basis"
    REFUSE_REASONS = "case.refuse.reasons"
    STATUS_QUERY = "case.status.query"
    TARGET_REQUIRED = "case.target_required"
    TASK_ALREADY_DONE = "case.task.already_done"
    TASK_CANCELLED = "case.task.cancelled"
    TASK_NOT_FOUND = "case.task.not_found"
    TASK_SAME_DEPARTMENT = "case.task.same_department"
    THEME_EMPTY = "case.theme_empty"
    TRANSITION_NOT_ALLOWED = "case.transition_not_allowed"
    UPLOAD_TOO_LARGE = "case.upload.too_large"
    UPLOAD_TYPE = "case.upload.type"
    VERIFY_NOTE = "case.verify.note"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    APPOINTMENT_CHECKED_IN = "appointment.checked_in"
    APPOINTMENT_DUPLICATE = "appointment.duplicate"
    APPOINTMENT_GROUP_EXISTS = "appointment.group.exists"
    APPOINTMENT_GROUP_ITEMS = "appointment.group.items"
    APPOINTMENT_GROUP_NAME = "appointment.group.name"
    APPOINTMENT_GROUP_NOT_FOUND = "appointment.group.not_found"
    APPOINTMENT_GROUP_QUEUE_LETTER = "appointment.group.queue_letter"
    APPOINTMENT_ITEM = "appointment.item"
    APPOINTMENT_NOT_BOOKED = "appointment.not_booked"
    APPOINTMENT_NOT_FOUND = "appointment.not_found"
    APPOINTMENT_NOT_TODAY = "appointment.not_today"
    APPOINTMENT_OTHER_GROUP = "appointment.other_group"
    APPOINTMENT_SAME_SLOT = "appointment.same_slot"
    APPOINTMENT_SLOT_NOT_FOUND = "appointment.slot.not_found"
    APPOINTMENT_SLOT_FULL = "appointment.slot_full"
    APPOINTMENT_SLOT_PAST = "appointment.slot_past"
    APPOINTMENT_SLOTS_CAPACITY = "appointment.slots.capacity"
    APPOINTMENT_SLOTS_ORDER = "appointment.slots.order"
    APPOINTMENT_SLOTS_OVERLAP = "appointment.slots.overlap"
    APPOINTMENT_SLOTS_PAST = "appointment.slots.past"
    APPOINTMENT_SLOTS_RANGE = "appointment.slots.range"
    APPOINTMENT_SLOTS_TIME = "appointment.slots.time"
    APPOINTMENT_SLOTS_TIMES = "appointment.slots.times"
    APPOINTMENT_SLOTS_TOO_LONG = "appointment.slots.too_long"
    APPOINTMENT_STARTED = "appointment.started"
    APPOINTMENT_WRONG_CENTER = "appointment.wrong_center"


def invalid(code: str, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message} if field else None)


def case_not_found() -> NotFound:
    return NotFound(CaseError.NOT_FOUND, _("办件不存在，或您无权查看。"))


def task_not_found() -> NotFound:
    return NotFound(CaseError.TASK_NOT_FOUND, _("审查任务不存在，或不属于您的部门。"))


def conflict(code: str, message: str) -> Conflict:
    return Conflict(code, message)


def appointment_not_found() -> NotFound:
    return NotFound(CaseError.APPOINTMENT_NOT_FOUND, _("预约不存在，或不是您的预约。"))

"""Coded domain errors of cases (stable ``code``, Chinese ``message``, field names)."""

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict, InvalidInput, NotFound


def invalid(code: str, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message} if field else None)


def case_not_found() -> NotFound:
    return NotFound("case.not_found", _("办件不存在，或您无权查看。"))


def task_not_found() -> NotFound:
    return NotFound("case.task.not_found", _("审查任务不存在，或不属于您的部门。"))


def conflict(code: str, message: str) -> Conflict:
    return Conflict(code, message)


def appointment_not_found() -> NotFound:
    return NotFound("appointment.not_found", _("预约不存在，或不是您的预约。"))

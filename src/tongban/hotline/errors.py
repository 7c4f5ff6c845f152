"""Coded domain errors of the hotline (stable ``code``, Chinese ``message``, field names)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound


class HotlineError(StrEnum):
    """Every code the hotline raises. The values are what clients and tests see and never
    change; raise sites name the member."""

    ANONYMOUS_KIND = "hotline.anonymous.kind"
    ANSWER_EMPTY = "hotline.answer.empty"
    ARBITRATION_DECISION = "hotline.arbitration.decision"
    ARBITRATION_SAME_DEPARTMENT = "hotline.arbitration.same_department"
    ATTACHMENT_COUNT = "hotline.attachment.count"
    ATTACHMENT_TOO_LARGE = "hotline.attachment.too_large"
    ATTACHMENT_TYPE = "hotline.attachment.type"
    CALLBACK_ANSWER = "hotline.callback.answer"
    CALLBACK_NOT_REQUESTER = "hotline.callback.not_requester"
    CATEGORY_UNKNOWN = "hotline.category.unknown"
    CHANNEL = "hotline.channel"
    CO_HANDLERS = "hotline.co_handlers"
    CONTACT_INVALID = "hotline.contact.invalid"
    DEPARTMENT_UNKNOWN = "hotline.department.unknown"
    GRID_CHANNEL_ONLY = "hotline.grid.channel_only"
    EXTENSION_DAYS = "hotline.extension.days"
    EXTENSION_DECISION = "hotline.extension.decision"
    EXTENSION_REASON = "hotline.extension.reason"
    EXTENSION_STATE = "hotline.extension.state"
    KIND = "hotline.kind"
    LOCATION_NOT_FOUND = "hotline.location.not_found"
    LOCATION_OUTSIDE_CITY = "hotline.location.outside_city"
    LOCATION_REQUIRED = "hotline.location.required"
    NO_RESPONSIBILITY = "hotline.no_responsibility"
    NOT_FOUND = "hotline.not_found"
    OPEN311_API_KEY = "hotline.open311.api_key"
    OPEN311_ATTRIBUTE = "hotline.open311.attribute"
    OPEN311_STATUS = "hotline.open311.status"
    NOT_LEAD = "hotline.not_lead"
    NOTE_EMPTY = "hotline.note.empty"
    REASON_EMPTY = "hotline.reason.empty"
    SEED_COUNT = "hotline.seed.count"
    RETURN_REASON = "hotline.return.reason"
    SUPERVISION_MAX = "hotline.supervision.max"
    TEXT_EMPTY = "hotline.text.empty"
    TEXT_TOO_LONG = "hotline.text.too_long"
    TRANSITION_NOT_ALLOWED = "hotline.transition_not_allowed"
    URGENCY = "hotline.urgency"


def invalid(code: str, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message} if field else None)


def ticket_not_found() -> NotFound:
    return NotFound(HotlineError.NOT_FOUND, _("工单不存在，或不由您的部门承办。"))


def conflict(code: str, message: str) -> Conflict:
    return Conflict(code, message)


def forbidden(code: str, message: str) -> Forbidden:
    return Forbidden(code, message)


def bad_request(code: str, message: str, field: str | None = None) -> BadRequest:
    return BadRequest(code, message, fields={field: message} if field else None)

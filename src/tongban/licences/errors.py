"""Coded domain errors of licences (stable ``code``, Chinese ``message``, field names)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import Gone, NotFound


class LicenceError(StrEnum):
    """Every code the licences context raises. The values are what clients and tests see and
    never change; raise sites name the member."""

    DATA_INVALID = "licence.data.invalid"
    DATA_TYPE = "licence.data.type"
    DATES = "licence.dates"
    DEPARTMENT_NOT_ISSUER = "licence.department_not_issuer"
    HOLDER_KIND = "licence.holder.kind"
    HOLDER_NOT_FOUND = "licence.holder.not_found"
    HOLDER_CODE = "licence.holder.code"
    IDEMPOTENCY_KEY = "licence.idempotency_key"
    IDENTIFIER_CHECK = "licence.identifier.check"
    IDENTIFIER_FORMAT = "licence.identifier.format"
    IDENTIFIER_MISMATCH = "licence.identifier.mismatch"
    IDENTIFIER_TAKEN = "licence.identifier.taken"
    IMPORT_DUPLICATE_ROW = "licence.import.duplicate_row"
    IMPORT_EMPTY = "licence.import.empty"
    IMPORT_FILE = "licence.import.file"
    IMPORT_REJECTED = "licence.import.rejected"
    LEGAL_BASIS = "licence.legal_basis"
    NOT_FOUND = "licence.not_found"
    REASON = "licence.reason"
    SHARE_EXPIRED = "licence.share.expired"
    SHARE_EXPIRY = "licence.share.expiry"
    SHARE_FIELD_NOT_COVERED = "licence.share.field_not_covered"
    SHARE_FIELDS = "licence.share.fields"
    SHARE_LICENCE_STATUS = "licence.share.licence_status"
    SHARE_NOT_FOUND = "licence.share.not_found"
    SHARE_REVOKED = "licence.share.revoked"
    STATUS = "licence.status"
    TYPE_CODE = "licence.type.code"
    TYPE_DEPARTMENTS = "licence.type.departments"
    TYPE_ITEM = "licence.type.item"
    TYPE_RENEWAL_ITEM = "licence.type.renewal_item"
    TYPE_NAME = "licence.type.name"
    TYPE_NOT_FOUND = "licence.type.not_found"
    TYPE_SCHEMA = "licence.type.schema"
    TYPE_VALIDITY = "licence.type.validity"


def licence_not_found() -> NotFound:
    return NotFound(LicenceError.NOT_FOUND, _("电子证照不存在，或您无权查看。"))


def type_not_found(field: str = "type_code") -> NotFound:
    message = _("证照目录中没有该证照类型。")
    return NotFound(LicenceError.TYPE_NOT_FOUND, message, fields={field: message})


def share_not_found() -> NotFound:
    return NotFound(LicenceError.SHARE_NOT_FOUND, _("授权链接不存在，请向持证人确认链接是否完整。"))


def share_revoked() -> Gone:
    return Gone(LicenceError.SHARE_REVOKED, _("持证人已撤回该授权，链接已失效。"))


def share_expired() -> Gone:
    return Gone(LicenceError.SHARE_EXPIRED, _("该授权已过期，如需查看请联系持证人重新授权。"))

"""Coded domain errors of licences (stable ``code``, Chinese ``message``, field names)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import NotFound


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
    STATUS = "licence.status"
    TYPE_CODE = "licence.type.code"
    TYPE_DEPARTMENTS = "licence.type.departments"
    TYPE_ITEM = "licence.type.item"
    TYPE_NAME = "licence.type.name"
    TYPE_NOT_FOUND = "licence.type.not_found"
    TYPE_SCHEMA = "licence.type.schema"
    TYPE_VALIDITY = "licence.type.validity"


def licence_not_found() -> NotFound:
    return NotFound(LicenceError.NOT_FOUND, _("电子证照不存在，或您无权查看。"))


def type_not_found(field: str = "type_code") -> NotFound:
    message = _("证照目录中没有该证照类型。")
    return NotFound(LicenceError.TYPE_NOT_FOUND, message, fields={field: message})

"""Coded domain errors of the catalog (stable ``code``, Chinese ``message``, field names).

Every code the catalog raises is a member of ``CatalogError``, except the per-field family of
``clean_content`` (``catalog.<field>.<problem>``, e.g. ``catalog.audience.unknown`` or
``catalog.materials[0].count.not_integer``), whose codes are made by ``field_code`` from a
``FieldProblem``. The string values are the public API's codes and never change.
"""

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class CatalogError(StrEnum):
    # items, versions and themes
    ITEM_NOT_FOUND = "catalog.item.not_found"
    THEME_NOT_FOUND = "catalog.theme.not_found"
    DEPARTMENT_UNKNOWN = "catalog.department.unknown"
    IMPLEMENTATION_CODE_DUPLICATE = "catalog.implementation_code.duplicate"
    VERSION_STATUS = "catalog.version.status"
    VERSION_FROZEN = "catalog.version.frozen"
    REASON_REQUIRED = "catalog.reason.required"
    REVIEW_NOTE_REQUIRED = "catalog.review_note.required"
    THEME_MEMBERS = "catalog.theme.members"
    THEME_UNPUBLISHED = "catalog.theme.unpublished"
    FORBIDDEN = "catalog.forbidden"
    # codes and limits (validators)
    BASIC_CODE_FORMAT = "catalog.basic_code.format"
    IMPLEMENTATION_CODE_LENGTH = "catalog.implementation_code.length"
    IMPLEMENTATION_CODE_USCC = "catalog.implementation_code.uscc"
    IMPLEMENTATION_CODE_FORMAT = "catalog.implementation_code.format"
    IMPLEMENTATION_CODE_BASIC_CODE = "catalog.implementation_code.basic_code"
    IMPLEMENTATION_CODE_DEPARTMENT = "catalog.implementation_code.department"
    LIMIT_LEGAL = "catalog.limit.legal"
    LIMIT_PROMISED = "catalog.limit.promised"
    LIMIT_PROMISED_EXCEEDS_LEGAL = "catalog.limit.promised_exceeds_legal"
    ONLINE_DEPTH_UNKNOWN = "catalog.online_depth.unknown"
    ONLINE_DEPTH_FULLY_ONLINE_VISITS = "catalog.online_depth.fully_online_visits"
    VISITS_NEGATIVE = "catalog.visits.negative"
    # a guide's content
    NAME_REQUIRED = "catalog.name.required"
    LEGAL_BASIS_LAW = "catalog.legal_basis.law"
    PROCESS_STEPS_NAME = "catalog.process_steps.name"
    FEES_AMOUNT = "catalog.fees.amount"
    FEES_BASIS = "catalog.fees.basis"
    # materials
    MATERIAL_TYPE = "catalog.material.type"
    MATERIAL_NAME = "catalog.material.name"
    MATERIAL_COUNT = "catalog.material.count"
    MATERIAL_CONDITION = "catalog.material.condition"
    MATERIAL_SOURCE = "catalog.material.source"
    MATERIAL_LICENCE_TYPE_FORMAT = "catalog.material.licence_type_format"
    MATERIAL_LICENCE_TYPE_UNKNOWN = "catalog.material.licence_type_unknown"
    MATERIAL_DATA_RESOURCE = "catalog.material.data_resource"
    MATERIAL_APPLIES_IF_SHAPE = "catalog.material.applies_if.shape"
    MATERIAL_APPLIES_IF_FIELD = "catalog.material.applies_if.field"
    MATERIAL_APPLIES_IF_VALUE = "catalog.material.applies_if.value"
    # application forms
    FORM_SCHEMA_TYPE = "catalog.form_schema.type"
    FORM_SCHEMA_INVALID = "catalog.form_schema.invalid"
    FORM_SCHEMA_OBJECT = "catalog.form_schema.object"
    FORM_SCHEMA_ORDER = "catalog.form_schema.order"
    FORM_SCHEMA_REQUIRED = "catalog.form_schema.required"
    FORM_SCHEMA_FORMAT_TYPE = "catalog.form_schema.format_type"
    FORM_SCHEMA_SENSITIVE = "catalog.form_schema.sensitive"
    FORM_SCHEMA_BIND = "catalog.form_schema.bind"
    FORM_SCHEMA_SOURCE = "catalog.form_schema.source"
    FORM_UI_WITHOUT_SCHEMA = "catalog.form_ui.without_schema"
    FORM_UI_UNKNOWN_FIELD = "catalog.form_ui.unknown_field"
    FORM_UI_WIDGET = "catalog.form_ui.widget"
    FORM_INVALID = "catalog.form.invalid"
    # import
    IMPORT_REJECTED = "catalog.import.rejected"
    IMPORT_DUPLICATE_ROW = "catalog.import.duplicate_row"
    IMPORT_OPEN_VERSION = "catalog.import.open_version"
    # search
    SEARCH_TOO_LONG = "catalog.search.too_long"
    SEARCH_NO_TERMS = "catalog.search.no_terms"


class FieldProblem(StrEnum):
    """What is wrong with one field of a guide's content, the last part of its code."""

    UNKNOWN = "unknown"  # not one of the choices
    NOT_INTEGER = "not_integer"
    JSON = "json"  # text that should be JSON and is not
    TYPE = "type"  # not a list
    TOO_LONG = "too_long"
    FORMAT = "format"  # a phone number


def field_code(field: str, problem: FieldProblem) -> str:
    """``catalog.<field>.<problem>``: the code of a problem with one named field."""
    return f"catalog.{field}.{problem}"


def invalid(code: str, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message} if field else None)


def item_not_found() -> NotFound:
    return NotFound(CatalogError.ITEM_NOT_FOUND, _("事项不存在或尚未发布。"))


def theme_not_found() -> NotFound:
    return NotFound(CatalogError.THEME_NOT_FOUND, _("主题服务不存在。"))


def department_unknown(code: str) -> InvalidInput:
    message = _("部门“%(code)s”不存在。") % {"code": code}
    return InvalidInput(CatalogError.DEPARTMENT_UNKNOWN, message, fields={"department": message})


def implementation_code_taken(code: str) -> Conflict:
    message = _("实施编码“%(code)s”已被其他事项使用。") % {"code": code}
    return Conflict(
        CatalogError.IMPLEMENTATION_CODE_DUPLICATE, message, fields={"implementation_code": message}
    )


def wrong_status(expected: str | Promise, actual: str | Promise) -> Conflict:
    return Conflict(
        CatalogError.VERSION_STATUS,
        _("当前版本状态为“%(actual)s”，此操作要求“%(expected)s”。")
        % {"actual": actual, "expected": expected},
    )


def published_is_frozen() -> Conflict:
    return Conflict(CatalogError.VERSION_FROZEN, _("已发布的版本不可修改，请起草新版本。"))


def reason_required() -> InvalidInput:
    return invalid(CatalogError.REASON_REQUIRED, _("请填写变更原因。"), "reason")


def not_allowed(message: str) -> Forbidden:
    return Forbidden(CatalogError.FORBIDDEN, message)

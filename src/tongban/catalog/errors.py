"""Coded domain errors of the catalog (stable ``code``, Chinese ``message``, field names)."""

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound


def invalid(code: str, message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message} if field else None)


def item_not_found() -> NotFound:
    return NotFound("catalog.item.not_found", _("事项不存在或尚未发布。"))


def theme_not_found() -> NotFound:
    return NotFound("catalog.theme.not_found", _("主题服务不存在。"))


def department_unknown(code: str) -> InvalidInput:
    message = _("部门“%(code)s”不存在。") % {"code": code}
    return InvalidInput("catalog.department.unknown", message, fields={"department": message})


def implementation_code_taken(code: str) -> Conflict:
    message = _("实施编码“%(code)s”已被其他事项使用。") % {"code": code}
    return Conflict(
        "catalog.implementation_code.duplicate", message, fields={"implementation_code": message}
    )


def wrong_status(expected: str, actual: str) -> Conflict:
    return Conflict(
        "catalog.version.status",
        _("当前版本状态为“%(actual)s”，此操作要求“%(expected)s”。")
        % {"actual": actual, "expected": expected},
    )


def published_is_frozen() -> Conflict:
    return Conflict("catalog.version.frozen", _("已发布的版本不可修改，请起草新版本。"))


def reason_required() -> InvalidInput:
    return invalid("catalog.reason.required", _("请填写变更原因。"), "reason")


def not_allowed(message: str) -> Forbidden:
    return Forbidden("catalog.forbidden", message)

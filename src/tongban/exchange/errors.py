"""Coded domain errors of the data exchange (stable ``code``, Chinese ``message``, fields)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound


class ExchangeError(StrEnum):
    """Every code the exchange raises; raise sites name the member."""

    TOKEN_INVALID = "exchange.token_invalid"
    CLIENT_UNKNOWN = "exchange.client_unknown"
    RESOURCE_NOT_FOUND = "exchange.resource_not_found"
    RESOURCE_INVALID = "exchange.resource_invalid"
    RESOURCE_NOT_SHARED = "exchange.resource_not_shared"
    FIELDS_INVALID = "exchange.fields_invalid"
    NO_GRANT = "exchange.no_grant"
    GRANT_EXPIRED = "exchange.grant_expired"
    GRANT_REVOKED = "exchange.grant_revoked"
    GRANT_NOT_FOUND = "exchange.grant_not_found"
    GRANT_STATE = "exchange.grant_state"
    GRANT_INVALID = "exchange.grant_invalid"
    FIELD_NOT_GRANTED = "exchange.field_not_granted"
    PURPOSE_MISSING = "exchange.purpose_missing"
    KEY_UNKNOWN = "exchange.key_unknown"
    RATE_LIMITED = "exchange.rate_limited"
    RECEIPT_NOT_FOUND = "exchange.receipt_not_found"
    SUBSCRIPTION_INVALID = "exchange.subscription_invalid"
    CLIENT_INVALID = "exchange.client_invalid"


def invalid(code: ExchangeError, field: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message})


def token_invalid() -> NotAuthenticated:
    return NotAuthenticated(
        ExchangeError.TOKEN_INVALID, _("访问令牌缺失、无效或已过期，请重新以客户端凭证获取。")
    )


def resource_not_found(field: str = "resource") -> NotFound:
    message = _("信息资源目录中没有该资源。")
    return NotFound(ExchangeError.RESOURCE_NOT_FOUND, message, fields={field: message})


def grant_not_found() -> NotFound:
    return NotFound(ExchangeError.GRANT_NOT_FOUND, _("共享申请不存在，或您无权查看。"))


def receipt_not_found() -> NotFound:
    return NotFound(ExchangeError.RECEIPT_NOT_FOUND, _("回执不存在，或不属于本接入系统。"))


def no_grant(resource: str) -> Forbidden:
    message = _("本部门没有“%(resource)s”的有效共享授权。") % {"resource": resource}
    return Forbidden(ExchangeError.NO_GRANT, message, fields={"resource": message})

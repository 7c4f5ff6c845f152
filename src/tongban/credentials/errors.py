"""Coded domain errors of credentials (stable ``code``, Chinese ``message``, field names)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge


class CredentialError(StrEnum):
    """Every code the credentials context raises; raise sites name the member."""

    CLAIMS_NOT_JSON = "credential.claims.not_json"
    CLAIMS_RESERVED = "credential.claims.reserved"
    DISCLOSABLE_UNKNOWN = "credential.disclosable.unknown"
    VCT = "credential.vct"
    VALIDITY = "credential.validity"
    TOO_LARGE = "credential.too_large"
    STATUS_LIST_NOT_FOUND = "credential.status_list.not_found"
    STATUS_INDEX = "credential.status_index"
    STATUS_FINAL = "credential.status.final"
    ISSUER_NOT_FOUND = "credential.issuer.not_found"


def invalid(code: CredentialError, message: str, field: str) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message})


def status_list_not_found() -> NotFound:
    return NotFound(CredentialError.STATUS_LIST_NOT_FOUND, _("状态列表不存在。"))


def issuer_not_found() -> NotFound:
    return NotFound(CredentialError.ISSUER_NOT_FOUND, _("签发机构不存在，或尚未签发电子凭证。"))


def status_final() -> Conflict:
    return Conflict(CredentialError.STATUS_FINAL, _("电子凭证已被撤销，状态不能再变更。"))


def too_large(limit: int) -> PayloadTooLarge:
    message = _("凭证过长（最多 %(n)d 个字符）。") % {"n": limit}
    return PayloadTooLarge(CredentialError.TOO_LARGE, message, fields={"credential": message})

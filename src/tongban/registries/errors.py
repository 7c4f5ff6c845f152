"""Coded domain errors of the base registries (stable ``code``, Chinese ``message``, fields)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from tongban.core.errors import InvalidInput, NotFound


class RegistryError(StrEnum):
    """Every code the registries context raises; raise sites name the member."""

    DATASET_UNKNOWN = "registry.dataset_unknown"
    KEY_MALFORMED = "registry.key_malformed"
    NOT_FOUND = "registry.not_found"
    NAME_INVALID = "registry.name_invalid"
    GENDER_MISMATCH = "registry.gender_mismatch"
    BIRTH_DATE_MISMATCH = "registry.birth_date_mismatch"
    CHOICE_INVALID = "registry.choice_invalid"
    TEXT_INVALID = "registry.text_invalid"
    PLACE_NOT_FOUND = "registry.place_not_found"
    PLACE_KIND = "registry.place_kind"
    PERSON_NOT_FOUND = "registry.person_not_found"
    CAPITAL_INVALID = "registry.capital_invalid"
    DATE_INVALID = "registry.date_invalid"
    PROVIDER_UNKNOWN = "registry.provider_unknown"
    PROVIDER_MISMATCH = "registry.provider_mismatch"
    STATUS_FINAL = "registry.status_final"
    STATUS_UNCHANGED = "registry.status_unchanged"
    POINT_INVALID = "registry.point_invalid"
    QUERY_INVALID = "registry.query_invalid"


def invalid(code: RegistryError, field: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message})


def key_malformed(message: str) -> InvalidInput:
    return invalid(RegistryError.KEY_MALFORMED, "key", message)


def dataset_unknown(dataset: object) -> InvalidInput:
    message = _("没有名为“%(dataset)s”的基础库，应为 population、legal_entities 或 places。") % {
        "dataset": str(dataset)[:40]
    }
    return invalid(RegistryError.DATASET_UNKNOWN, "dataset", message)


def record_not_found(field: str = "key") -> NotFound:
    message = _("基础库中没有这条记录。")
    return NotFound(RegistryError.NOT_FOUND, message, fields={field: message})

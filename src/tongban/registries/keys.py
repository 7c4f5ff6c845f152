"""The keys of the registries' records: their checks and their keyed hashes."""

import re

from django.utils.translation import gettext as _

from tongban.core.crypto import lookup_hash
from tongban.identity.validators import IdentifierError, validate_id_number, validate_uscc

from .choices import Dataset
from .errors import dataset_unknown, key_malformed

MAX_KEY_LENGTH = 64
PLACE_CODE = re.compile(r"(?:\d{6}|\d{9}|\d{12}|G\d{12}|A\d{17})")


def dataset_of(dataset: object) -> Dataset:
    if isinstance(dataset, str) and dataset in Dataset.values:
        return Dataset(dataset)
    raise dataset_unknown(dataset)


def key_hash(dataset: Dataset | str, key: str) -> str:
    """The keyed hash of a record's key (a normalized ID number, USCC or place code); the
    population registry's ``id_number_hash`` is this hash."""
    return lookup_hash(key, purpose=f"registries.{Dataset(dataset).value}.key")


def clean_key(dataset: Dataset, key: object) -> str:
    """The key normalized, or ``registry.key_malformed`` (field ``key``)."""
    if not isinstance(key, str) or not key.strip():
        raise key_malformed(_("请提供查询键。"))
    if len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise key_malformed(_("查询键过长或含有不可见字符。"))
    try:
        if dataset == Dataset.POPULATION:
            return validate_id_number(key)
        if dataset == Dataset.LEGAL_ENTITIES:
            return validate_uscc(key)
    except IdentifierError as exc:
        raise key_malformed(exc.message) from None
    code = key.strip().upper()
    if not PLACE_CODE.fullmatch(code):
        raise key_malformed(
            _(
                "地点编码应为 6 位区划代码、9 位街镇代码、12 位居村委会代码、"
                "G 加 12 位的网格编码或 A 加 17 位的标准地址编码。"
            )
        )
    return code

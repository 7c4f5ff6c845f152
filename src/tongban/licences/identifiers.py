"""Licence identifiers (证照标识, GB/T 36904) and licence type codes (GB/T 36902).

A licence type code is the defining authority's unified social credit code (18) and a
three-digit sequence: ``11100000000013338W032``. A licence's identifier is an OID under the
national arc for e-licences, then the type code, the issuer's code (a USCC, or a six-digit
administrative division code), the serial, a three-digit version and one check character::

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

The check character is ISO 7064 MOD 37,36 (the hybrid system over ``0-9A-Z``) of type code,
issuer code, serial and version written one after another without the dots. Serials and issuer
codes vary in length, so an identifier is read by its fixed prefix and its dots.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tongban.core.errors import InvalidInput
from tongban.identity.validators import IdentifierError, validate_uscc

from .errors import LicenceError

OID_PREFIX = "1.2.156.3005.2."
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TYPE_CODE = re.compile(r"^[0-9A-Z]{18}[0-9]{3}$")
ISSUER_CODE = re.compile(r"^(?:[0-9A-Z]{18}|[0-9]{6})$")
SERIAL = re.compile(r"^[0-9A-Z]{1,40}$")
VERSION = re.compile(r"^[0-9]{3}$")


def check_char(body: str) -> str:
    """The ISO 7064 MOD 37,36 check character of ``body`` (characters of ``0-9A-Z``).

    The hybrid system keeps a running product ``p`` (starting at 36): for each character,
    ``s = (p + value) mod 36`` (36 when that is 0), then ``p = 2s mod 37``; the check character
    is the one whose value makes the final ``(p + value) mod 36`` equal 1. Written out here
    rather than taken from python-stdnum, which is a test dependency only."""
    modulus = len(ALPHABET)
    p = modulus
    for char in body:
        s = (p + ALPHABET.index(char)) % modulus or modulus
        p = (2 * s) % (modulus + 1)
    return ALPHABET[(modulus + 1 - p) % modulus]


@dataclass(frozen=True)
class LicenceIdentifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int

    @property
    def check(self) -> str:
        return check_char(f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}")

    def __str__(self) -> str:
        parts = (self.type_code, self.issuer_code, self.serial, f"{self.version:03d}", self.check)
        return OID_PREFIX + ".".join(parts)


def _refused(code: str, message: str, field: str) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message})


def validate_type_code(value: str, *, field: str = "code") -> str:
    """A licence type code, upper-cased: 18-character USCC (checked) + three digits."""
    code = "".join(str(value).split()).upper()
    message = _("证照类型编码应为定义机构统一社会信用代码 18 位 + 3 位顺序号，实为“%(v)s”。")
    if not TYPE_CODE.match(code):
        raise _refused(LicenceError.TYPE_CODE, message % {"v": value}, field)
    try:
        validate_uscc(code[:18])
    except IdentifierError as exc:
        raise _refused(LicenceError.TYPE_CODE, exc.message, field) from None
    return code


def parse_identifier(value: str, *, field: str = "identifier") -> LicenceIdentifier:
    """Read an identifier; refuse a wrong shape (``licence.identifier.format``) or check
    character (``licence.identifier.check``), each naming ``field``."""
    text = "".join(str(value).split()).upper()
    shape = _(
        "证照标识格式不正确，应为 1.2.156.3005.2.类型编码.颁发机构代码.流水号.版本号.校验位。"
    )
    if not text.startswith(OID_PREFIX):
        raise _refused(LicenceError.IDENTIFIER_FORMAT, shape, field)
    parts = text[len(OID_PREFIX) :].split(".")
    if len(parts) != 5:
        raise _refused(LicenceError.IDENTIFIER_FORMAT, shape, field)
    type_code, issuer, serial, version, check = parts
    if not (
        TYPE_CODE.match(type_code)
        and ISSUER_CODE.match(issuer)
        and SERIAL.match(serial)
        and VERSION.match(version)
        and len(check) == 1
    ):
        raise _refused(LicenceError.IDENTIFIER_FORMAT, shape, field)
    parsed = LicenceIdentifier(type_code, issuer, serial, int(version))
    if parsed.check != check:
        message = _("证照标识校验位应为“%(c)s”，实为“%(v)s”。") % {"c": parsed.check, "v": check}
        raise _refused(LicenceError.IDENTIFIER_CHECK, message, field)
    return parsed

"""Validation, normalization and masking of Chinese identifiers.

Every failure raises :class:`IdentifierError`, a ``ValueError`` with a stable machine ``code``
(e.g. ``"id_number.checksum"``) and a specific ``message`` that can be shown to the person who
typed the value: Simplified Chinese, put through Django's ``gettext`` so that the English site
says it in English. Form and model layers translate it into whatever error type they need.

Resident ID number (公民身份号码, GB 11643-1999)
----------------------------------------------
18 characters: a 6-digit address code, an 8-digit birth date (YYYYMMDD), a 3-digit sequence
number (odd for men, even for women) and a check character computed with ISO 7064 MOD 11-2
(``0``-``9`` or ``X``).

We check the first two digits against the province-level codes of GB/T 2260 plus 71 (台湾),
81 (香港) and 82 (澳门), and 83, the prefix of the numbers on residence permits for Taiwan
residents (台湾居民居住证). We deliberately do **not** check the full 6-digit address code against
a GB/T 2260 list. Address codes are created and abolished over time, and a person keeps the
number they were issued even after their county is abolished. The code also shows where the
person's household was registered when the number was assigned, which need not be where or when
they were born. For example, 310115 (上海市浦东新区) dates from the early 1990s, and many people
born before then hold numbers that start with it. python-stdnum 2.2 (``stdnum.cn.ric``) requires
the address code to have existed in the person's birth year. So it rejects valid numbers such as
``310115198501010012``. That is why we do not use it.

Unified social credit code (统一社会信用代码, USCC, GB 32100-2015)
------------------------------------------------------------------
18 characters from the 31-character alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S,
V, Z):

* position 1: registration department (登记管理部门码), e.g. 9 for 工商/市场监管;
* position 2: institution category (机构类别码), whose allowed values depend on position 1;
* positions 3-8: administrative region code of the registering authority (6 digits);
* positions 9-17: organization code (主体标识码, GB 11714);
* position 18: check character, ISO 7064-style MOD 31 (GB/T 17710).

python-stdnum 2.2 (``stdnum.cn.uscc``) requires positions 1-8 to be digits. So it rejects valid
codes from departments whose code is a letter, such as A (中央军委改革和编制办公室, military
institutions), N (农业, rural collective economic organizations) and Y (其他). These are real codes
that people will enter, so we wrote our own validator.

The department/category table is GB 32100-2015 as published. We cross-checked it against several
independent public transcriptions, which agree. Religion (7) allows categories 1, 2 and 9 only,
not 3. The table also includes allocations made after 2015 that appear in later public code
lists:

* 3-6 商事调解组织;
* 5-4 村民委员会 and 5-5 居民委员会;
* 8-2 非法人工会组织;
* 9-9 其他;
* G 公安 (G1 境外非政府组织代表机构, G9);
* J 住房城乡建设 (J1 业主大会, J9);
* Q 侨联 (Q1-Q3, Q9).

We accept these later allocations because wrongly rejecting a real organization's code is worse
than accepting an unused category: the check character still catches typos. If an
authoritative list turns up, review ``_USCC_LATER_CATEGORIES``.

Mobile numbers
--------------
Mainland mobile numbers: 11 digits matching ``1[3-9]`` followed by 9 digits. A ``+86``,
``0086`` or ``86`` country prefix, spaces and hyphens are removed.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from .errors import IdentityError

__all__ = [
    "IdentifierError",
    "id_number_birth_date",
    "id_number_check_char",
    "id_number_gender",
    "mask_id_number",
    "mask_mobile",
    "normalize_id_number",
    "normalize_uscc",
    "uscc_check_char",
    "validate_id_number",
    "validate_mobile",
    "validate_uscc",
]


class IdentifierError(ValueError):
    """An identifier failed validation.

    ``code`` is stable and meant for programs (``"id_number.checksum"``); ``message`` is a
    specific explanation in Simplified Chinese meant for people. ``str(error) == message``.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"IdentifierError({self.code!r}, {self.message!r})"


# --------------------------------------------------------------------------- normalization

_DIGITS = frozenset("0123456789")

# Full-width ASCII variants (U+FF01..U+FF5E) -> ASCII; the ideographic space becomes a space.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20

# Invisible characters that come along with copy-and-paste.
_INVISIBLE = {cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)}

_TRANSLATION = {**_FULL_WIDTH, **_INVISIBLE}


def _clean(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    return "".join(value.translate(_TRANSLATION).split())


def _quote(char: str) -> str:
    """Quote a character for a message, making unprintable ones visible."""
    return f"'{char}'" if char.isprintable() else f"U+{ord(char):04X}"


# --------------------------------------------------------------------- resident ID number

_ID_LENGTH = 18
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
_ID_CHECK_CHARS = "0123456789X"
_ID_EARLIEST_BIRTH_DATE = datetime.date(1890, 1, 1)

# GB/T 2260 province-level codes, plus 71 台湾, 81 香港, 82 澳门 and 83 (台湾居民居住证).
_PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
    "83": "台湾居民居住证",
}


def normalize_id_number(value: str) -> str:
    """Remove all whitespace (including full-width and internal spaces), convert full-width
    digits and ``Ｘ`` to ASCII, and upper-case a trailing ``x``. Does not validate."""
    number = _clean(value, "id_number")
    if number.endswith("x"):
        number = number[:-1] + "X"
    return number


def _id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[(12 - total % 11) % 11]


def id_number_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``) for 17 digits."""
    if not isinstance(first17, str):
        raise TypeError(f"first17 must be a str, not {type(first17).__name__}")
    if len(first17) != 17:
        raise IdentifierError(
            IdentityError.ID_NUMBER_LENGTH,
            _("计算校验位需要公民身份号码的前 17 位，实为 %(length)s 位")
            % {"length": len(first17)},
        )
    for position, char in enumerate(first17, start=1):
        if char not in _DIGITS:
            raise IdentifierError(
                IdentityError.ID_NUMBER_FORMAT,
                _("公民身份号码第 %(position)s 位应为数字，实为 %(char)s")
                % {"position": position, "char": _quote(char)},
            )
    return _id_check_char(first17)


def validate_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """Validate a resident ID number and return it normalized.

    ``today`` (default: the local date) bounds the birth date from above. Raises
    :class:`IdentifierError` with one of the codes ``id_number.length``, ``id_number.format``,
    ``id_number.region``, ``id_number.birth_date`` or ``id_number.checksum``.
    """
    number = normalize_id_number(value)

    if len(number) != _ID_LENGTH:
        message = _("公民身份号码应为 18 位，实为 %(length)s 位") % {"length": len(number)}
        if len(number) == 15 and set(number) <= _DIGITS:
            message += _("（15 位的第一代居民身份证号码已停止使用，请填写 18 位号码）")
        raise IdentifierError(IdentityError.ID_NUMBER_LENGTH, message)

    for position, char in enumerate(number[:17], start=1):
        if char not in _DIGITS:
            raise IdentifierError(
                IdentityError.ID_NUMBER_FORMAT,
                _("公民身份号码第 %(position)s 位应为数字，实为 %(char)s")
                % {"position": position, "char": _quote(char)},
            )
    last = number[17]
    if last not in _ID_CHECK_CHARS:
        raise IdentifierError(
            IdentityError.ID_NUMBER_FORMAT,
            _("公民身份号码第 18 位（校验位）应为数字或 X，实为 %(char)s") % {"char": _quote(last)},
        )

    if number[:2] not in _PROVINCES:
        raise IdentifierError(
            IdentityError.ID_NUMBER_REGION,
            _("公民身份号码前两位 %(code)s 不是有效的省级行政区划代码") % {"code": number[:2]},
        )

    birth = number[6:14]
    try:
        birth_date = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        raise IdentifierError(
            IdentityError.ID_NUMBER_BIRTH_DATE,
            _("公民身份号码第 7-14 位的出生日期 %(birth)s 不是有效的日期") % {"birth": birth},
        ) from None
    if birth_date < _ID_EARLIEST_BIRTH_DATE:
        raise IdentifierError(
            IdentityError.ID_NUMBER_BIRTH_DATE,
            _("公民身份号码中的出生日期 %(date)s 早于 1890-01-01")
            % {"date": birth_date.isoformat()},
        )
    if today is None:
        today = datetime.date.today()
    if birth_date > today:
        raise IdentifierError(
            IdentityError.ID_NUMBER_BIRTH_DATE,
            _("公民身份号码中的出生日期 %(date)s 晚于今天（%(today)s）")
            % {"date": birth_date.isoformat(), "today": today.isoformat()},
        )

    expected = _id_check_char(number[:17])
    if last != expected:
        raise IdentifierError(
            IdentityError.ID_NUMBER_CHECKSUM,
            _("公民身份号码校验位错误：应为 %(expected)s，实为 %(actual)s")
            % {"expected": expected, "actual": last},
        )
    return number


def id_number_birth_date(id_number: str) -> datetime.date:
    """The birth date encoded in a resident ID number (validated first)."""
    number = validate_id_number(id_number)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_number_gender(id_number: str) -> str:
    """``"M"`` if the 17th digit is odd, ``"F"`` if even (validated first)."""
    number = validate_id_number(id_number)
    return "M" if int(number[16]) % 2 else "F"


def mask_id_number(id_number: str) -> str:
    """``"3101**********123X"``: first 4 and last 4 characters kept, 10 stars in between.

    Never raises on bad data (it is used for display). Anything that is not 18 characters
    long after normalization is masked completely.
    """
    number = normalize_id_number(id_number)
    if len(number) != _ID_LENGTH:
        return "*" * len(number)
    return number[:4] + "*" * 10 + number[-4:]


# ------------------------------------------------------------------------------------ USCC

_USCC_LENGTH = 18
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...

# GB 32100-2015 as published: department -> (name, allowed category codes).
_USCC_DEPARTMENTS: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "123459"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商/市场监管", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}

# Allocations made after 2015 (see the module docstring). Not from the standard's text.
_USCC_LATER_CATEGORIES: dict[str, tuple[str, str]] = {
    "3": ("司法行政", "6"),
    "5": ("民政", "45"),
    "8": ("工会", "2"),
    "9": ("工商/市场监管", "9"),
    "G": ("公安", "19"),
    "J": ("住房城乡建设", "19"),
    "Q": ("侨联", "1239"),
}


def _merge_categories() -> dict[str, tuple[str, str]]:
    merged = dict(_USCC_DEPARTMENTS)
    for department, (name, extra) in _USCC_LATER_CATEGORIES.items():
        current = merged.get(department, (name, ""))[1]
        merged[department] = (name, "".join(sorted(set(current + extra), key=_USCC_VALUES.get)))
    return merged


_USCC_CATEGORIES = _merge_categories()


def normalize_uscc(value: str) -> str:
    """Remove all whitespace, convert full-width characters to ASCII and upper-case.
    Does not validate."""
    return _clean(value, "uscc").upper()


def _uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _uscc_charset_error(position: int, char: str) -> IdentifierError:
    hint = _("（统一社会信用代码不使用 I、O、S、V、Z）") if char in "IOSVZ" else ""
    return IdentifierError(
        IdentityError.USCC_CHARSET,
        _("统一社会信用代码第 %(position)s 位含无效字符 %(char)s")
        % {"position": position, "char": _quote(char)}
        + hint,
    )


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a USCC."""
    if not isinstance(first17, str):
        raise TypeError(f"first17 must be a str, not {type(first17).__name__}")
    if len(first17) != 17:
        raise IdentifierError(
            IdentityError.USCC_LENGTH,
            _("计算校验位需要统一社会信用代码的前 17 位，实为 %(length)s 位")
            % {"length": len(first17)},
        )
    for position, char in enumerate(first17, start=1):
        if char not in _USCC_VALUES:
            raise _uscc_charset_error(position, char)
    return _uscc_check_char(first17)


def validate_uscc(value: str) -> str:
    """Validate a unified social credit code and return it normalized.

    Raises :class:`IdentifierError` with one of the codes ``uscc.length``, ``uscc.charset``,
    ``uscc.department``, ``uscc.category``, ``uscc.region`` or ``uscc.checksum``.
    """
    code = normalize_uscc(value)

    if len(code) != _USCC_LENGTH:
        raise IdentifierError(
            IdentityError.USCC_LENGTH,
            _("统一社会信用代码应为 18 位，实为 %(length)s 位") % {"length": len(code)},
        )

    for position, char in enumerate(code, start=1):
        if char not in _USCC_VALUES:
            raise _uscc_charset_error(position, char)

    department, category = code[0], code[1]
    if department not in _USCC_CATEGORIES:
        raise IdentifierError(
            IdentityError.USCC_DEPARTMENT,
            _("统一社会信用代码第 1 位登记管理部门代码 %(department)s 无效")
            % {"department": department},
        )
    name, allowed = _USCC_CATEGORIES[department]
    if category not in allowed:
        if len(allowed) == 1:
            expected = allowed
        else:
            expected = _("%(choices)s 之一") % {"choices": _("、").join(allowed)}
        raise IdentifierError(
            IdentityError.USCC_CATEGORY,
            _(
                "统一社会信用代码第 2 位机构类别代码 %(category)s 对登记管理部门 %(department)s"
                "（%(name)s）无效，应为 %(expected)s"
            )
            % {"category": category, "department": department, "name": name, "expected": expected},
        )

    region = code[2:8]
    if not set(region) <= _DIGITS:
        raise IdentifierError(
            IdentityError.USCC_REGION,
            _("统一社会信用代码第 3-8 位应为 6 位数字的登记管理机关行政区划码，实为 %(region)s")
            % {"region": region},
        )

    expected = _uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            IdentityError.USCC_CHECKSUM,
            _("统一社会信用代码校验位错误：应为 %(expected)s，实为 %(actual)s")
            % {"expected": expected, "actual": code[17]},
        )
    return code


# ---------------------------------------------------------------------------------- mobile

_MOBILE_PREFIXES = ("+86", "0086")


def _normalize_mobile(value: str) -> str:
    number = _clean(value, "mobile").replace("-", "")
    for prefix in _MOBILE_PREFIXES:
        if number.startswith(prefix):
            return number[len(prefix) :]
    if len(number) == 13 and number.startswith("86"):
        return number[2:]
    return number


def validate_mobile(value: str) -> str:
    """Validate a mainland mobile number and return its 11 digits.

    Spaces, hyphens, full-width digits and a ``+86``/``0086``/``86`` prefix are removed first.
    Every failure has the code ``mobile.format``.
    """
    number = _normalize_mobile(value)
    for position, char in enumerate(number, start=1):
        if char not in _DIGITS:
            raise IdentifierError(
                IdentityError.MOBILE_FORMAT,
                _("手机号码第 %(position)s 位应为数字，实为 %(char)s")
                % {"position": position, "char": _quote(char)},
            )
    if len(number) != 11:
        raise IdentifierError(
            IdentityError.MOBILE_FORMAT,
            _("手机号码应为 11 位数字，实为 %(length)s 位") % {"length": len(number)},
        )
    if number[0] != "1":
        raise IdentifierError(
            IdentityError.MOBILE_FORMAT,
            _("手机号码应以 1 开头，实为 %(digit)s") % {"digit": number[0]},
        )
    if number[1] not in "3456789":
        raise IdentifierError(
            IdentityError.MOBILE_FORMAT,
            _("手机号码第 2 位应为 3-9，实为 %(digit)s") % {"digit": number[1]},
        )
    return number


def mask_mobile(mobile: str) -> str:
    """``"138****5678"``: first 3 and last 4 digits kept.

    Never raises on bad data (it is used for display). Anything that is not a valid mainland
    mobile number is masked completely.
    """
    try:
        number = validate_mobile(mobile)
    except IdentifierError:
        return "*" * len(_clean(mobile, "mobile"))
    return number[:3] + "****" + number[-4:]

"""Tests for tongban.identity.validators: pure Python, no database."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent, InvalidFormat

from tongban.identity.validators import (
    IdentifierError,
    id_number_birth_date,
    id_number_check_char,
    id_number_gender,
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_uscc,
    uscc_check_char,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

TODAY = datetime.date(2025, 6, 30)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ID_CHECK_CHARS = "0123456789X"
PROVINCES = [
    *("11", "12", "13", "14", "15", "21", "22", "23"),
    *("31", "32", "33", "34", "35", "36", "37"),
    *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"),
    *("61", "62", "63", "64", "65", "71", "81", "82", "83"),
]
# GB 32100-2015 department -> category codes (as published).
USCC_STANDARD_CATEGORIES = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}

# Valid codes whose department code is a letter; check characters computed with the standard's
# algorithm (and cross-checked against stdnum.cn.uscc.calc_check_digit below).
USCC_N = "N2310115MA1K3ABCD5"  # 农业 / 村级集体经济组织
USCC_A = "A1110000MA01ABCD1L"  # 中央军委改革和编制办公室 / 军队事业单位
USCC_Y = "Y1310115MA1H7K2C88"  # 其他
LETTER_DEPARTMENT_USCCS = [USCC_N, USCC_A, USCC_Y]

# 310115 is 上海市浦东新区, which stdnum 2.2's data dates from 1992. Its holders include people
# born well before then.
PUDONG_1985 = "310115198501010012"
PUDONG_1991 = "310115199101010018"
PUDONG_1992 = "310115199201010015"


def raises_code(code, func, *args, **kwargs):
    with pytest.raises(IdentifierError) as info:
        func(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


# ------------------------------------------------------------------------ IdentifierError


def test_identifier_error_is_value_error_with_code_and_message():
    error = IdentifierError("id_number.checksum", "公民身份号码校验位错误：应为 X，实为 3")
    assert isinstance(error, ValueError)
    assert error.code == "id_number.checksum"
    assert error.message == "公民身份号码校验位错误：应为 X，实为 3"
    assert str(error) == error.message
    assert "id_number.checksum" in repr(error)


# ---------------------------------------------------------------------- resident ID number


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        "110105194912310011",
        PUDONG_1985,
        "830000199001010012",  # 台湾居民居住证
        "810000199001010027",  # 港澳居民居住证 (香港)
    ],
)
def test_valid_id_numbers(number):
    assert validate_id_number(number, today=TODAY) == number


def test_valid_id_number_with_default_today():
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105\u300019491231\u3000002x", "11010519491231002X"),
        ("\ufeff11010519491231002X\u200b", "11010519491231002X"),
    ],
)
def test_id_number_normalization(raw, expected):
    assert normalize_id_number(raw) == expected
    assert validate_id_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("number", "code", "fragment"),
    [
        ("1101051949123100", "id_number.length", "应为 18 位，实为 16 位"),
        ("110105491231002", "id_number.length", "15 位的第一代居民身份证号码已停止使用"),
        ("11010519491231002X1", "id_number.length", "实为 19 位"),
        ("", "id_number.length", "实为 0 位"),
        ("1101051949123100A3", "id_number.format", "第 17 位应为数字，实为 'A'"),
        ("11010519491231002Y", "id_number.format", "第 18 位（校验位）应为数字或 X，实为 'Y'"),
        ("99010519491231002X", "id_number.region", "前两位 99 不是有效的省级行政区划代码"),
        ("910000199001010020", "id_number.region", "前两位 91"),
        ("11010519490230002X", "id_number.birth_date", "出生日期 19490230 不是有效的日期"),
        ("110105194913310023", "id_number.birth_date", "19491331"),
        ("110105188912310010", "id_number.birth_date", "1889-12-31 早于 1890-01-01"),
        ("110105299901010014", "id_number.birth_date", "2999-01-01 晚于今天"),
        ("110105194912310023", "id_number.checksum", "校验位错误：应为 X，实为 3"),
        ("110105194912310012", "id_number.checksum", "应为 1，实为 2"),
    ],
)
def test_id_number_errors(number, code, fragment):
    error = raises_code(code, validate_id_number, number, today=TODAY)
    assert fragment in error.message


def test_id_number_birth_date_is_bounded_by_today():
    number = "110105202507010012"  # born 2025-07-01
    assert number[17] == id_number_check_char(number[:17])
    error = raises_code("id_number.birth_date", validate_id_number, number, today=TODAY)
    assert "晚于今天（2025-06-30）" in error.message
    assert validate_id_number(number, today=datetime.date(2025, 7, 1)) == number


def test_id_number_rejects_non_ascii_digits():
    # str.isdigit() would accept these; the validator must not.
    number = "11010519491231002X".replace("1", "\u0661", 1)  # ARABIC-INDIC DIGIT ONE
    raises_code("id_number.format", validate_id_number, number, today=TODAY)


def test_id_number_rejects_non_str():
    with pytest.raises(TypeError):
        validate_id_number(11010519491231002)


def test_id_number_check_char():
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("11010519491231001") == "1"
    raises_code("id_number.length", id_number_check_char, "1101051949123100")
    error = raises_code("id_number.format", id_number_check_char, "1101051949123100A")
    assert "第 17 位" in error.message


def test_id_number_birth_date_and_gender():
    assert id_number_birth_date("11010519491231002X") == datetime.date(1949, 12, 31)
    assert id_number_birth_date("１１０１０５１９４９１２３１００２ｘ") == datetime.date(
        1949, 12, 31
    )
    assert id_number_gender("11010519491231002X") == "F"  # 17th digit 2
    assert id_number_gender("110105194912310011") == "M"  # 17th digit 1
    raises_code("id_number.checksum", id_number_gender, "110105194912310023")
    raises_code("id_number.birth_date", id_number_birth_date, "11010519490230002X")


_birth_dates = st.dates(min_value=datetime.date(1890, 1, 1), max_value=TODAY)


@st.composite
def id_prefixes(draw, area=None):
    """17-digit prefixes with a valid province and a valid birth date."""
    if area is None:
        area = draw(st.sampled_from(PROVINCES)) + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    birth = draw(_birth_dates).strftime("%Y%m%d")
    sequence = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return area + birth + sequence


@given(id_prefixes(), st.sampled_from(ID_CHECK_CHARS))
def test_id_number_check_char_property(prefix, other):
    check = id_number_check_char(prefix)
    assert validate_id_number(prefix + check, today=TODAY) == prefix + check
    if other != check:
        error = raises_code("id_number.checksum", validate_id_number, prefix + other, today=TODAY)
        assert f"应为 {check}，实为 {other}" in error.message


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_id_number_check_char_agrees_with_stdnum(prefix):
    # stdnum's calc_check_digit expects the full number and ignores its last character.
    assert id_number_check_char(prefix) == ric.calc_check_digit(prefix + "0")


@given(id_prefixes(area="110105"), st.sampled_from(ID_CHECK_CHARS))
def test_id_number_agrees_with_stdnum_for_a_stable_area_code(prefix, check):
    # 110105 (北京市朝阳区) has no start/end year in stdnum's data, so its area-code
    # dating does not come into play and both validators must agree.
    number = prefix + check
    try:
        validate_id_number(number, today=TODAY)
    except IdentifierError:
        ours = False
    else:
        ours = True
    assert ours == ric.is_valid(number)


@pytest.mark.parametrize("number", [PUDONG_1985, PUDONG_1991])
def test_stdnum_wrongly_rejects_id_numbers_from_areas_created_after_birth(number):
    assert validate_id_number(number, today=TODAY) == number
    assert not ric.is_valid(number)
    with pytest.raises(InvalidComponent):
        ric.validate(number)


def test_stdnum_accepts_the_same_area_code_for_later_births():
    # The only difference is the birth year: stdnum dates 310115 from 1992.
    assert ric.is_valid(PUDONG_1992)
    assert validate_id_number(PUDONG_1992, today=TODAY) == PUDONG_1992


# ------------------------------------------------------------------------------------ USCC


@pytest.mark.parametrize(
    "code",
    [
        "91520000214434146R",
        "91310115591693856A",
        *LETTER_DEPARTMENT_USCCS,
        "54330102MA2B3C4D5E",  # 民政 / 村民委员会 (post-2015 allocation)
        "G1110000MA01ABCD1E",  # 公安 / 境外非政府组织代表机构 (post-2015 allocation)
    ],
)
def test_valid_usccs(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91520000214434146r", "91520000214434146R"),
        (" 9152 0000 2144 3414 6R ", "91520000214434146R"),
        ("９１５２００００２１４４３４１４６Ｒ", "91520000214434146R"),
        ("ｎ２３１０１１５ｍａ１ｋ３ａｂｃｄ５", USCC_N),
    ],
)
def test_uscc_normalization(raw, expected):
    assert normalize_uscc(raw) == expected
    assert validate_uscc(raw) == expected


@pytest.mark.parametrize(
    ("code", "error_code", "fragment"),
    [
        ("9152000021443414", "uscc.length", "应为 18 位，实为 16 位"),
        ("91520000214434146RR", "uscc.length", "实为 19 位"),
        ("915200I0214434146R", "uscc.charset", "第 7 位含无效字符 'I'"),
        ("91520000214434146S", "uscc.charset", "第 18 位含无效字符 'S'"),
        ("915200002144341O6R", "uscc.charset", "不使用 I、O、S、V、Z"),
        ("9152000021443414#R", "uscc.charset", "第 17 位含无效字符 '#'"),
        ("B1520000214434146R", "uscc.department", "第 1 位登记管理部门代码 B 无效"),
        (
            "94520000214434146R",
            "uscc.category",
            "机构类别代码 4 对登记管理部门 9（工商/市场监管）无效，应为 1、2、3、9 之一",
        ),
        ("Y2310115MA1H7K2C88", "uscc.category", "（其他）无效，应为 1"),
        ("73310115MA1H7K2C8R", "uscc.category", "机构类别代码 3 对登记管理部门 7（宗教）"),
        ("9152A000214434146R", "uscc.region", "第 3-8 位应为 6 位数字"),
        ("91520000214434146Q", "uscc.checksum", "校验位错误：应为 R，实为 Q"),
        ("91310115591693856B", "uscc.checksum", "应为 A，实为 B"),
    ],
)
def test_uscc_errors(code, error_code, fragment):
    error = raises_code(error_code, validate_uscc, code)
    assert fragment in error.message


def test_uscc_check_char():
    assert uscc_check_char("91520000214434146") == "R"
    assert uscc_check_char("N2310115MA1K3ABCD") == "5"
    raises_code("uscc.length", uscc_check_char, "9152000021443414")
    raises_code("uscc.charset", uscc_check_char, "9152000021443414I")


@st.composite
def uscc_prefixes(draw, departments=None):
    if departments is None:
        departments = list(USCC_STANDARD_CATEGORIES)
    department = draw(st.sampled_from(departments))
    category = draw(st.sampled_from(USCC_STANDARD_CATEGORIES[department]))
    region = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    organization = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    return department + category + region + organization


@given(uscc_prefixes(), st.sampled_from(USCC_ALPHABET))
def test_uscc_check_char_property(prefix, other):
    check = uscc_check_char(prefix)
    assert validate_uscc(prefix + check) == prefix + check
    if other != check:
        error = raises_code("uscc.checksum", validate_uscc, prefix + other)
        assert f"应为 {check}，实为 {other}" in error.message


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_agrees_with_stdnum(prefix):
    assert uscc_check_char(prefix) == uscc.calc_check_digit(prefix)


@given(uscc_prefixes(departments=["9"]), st.sampled_from(USCC_ALPHABET))
def test_uscc_agrees_with_stdnum_for_department_9(prefix, check):
    code = prefix + check
    try:
        validate_uscc(code)
    except IdentifierError:
        ours = False
    else:
        ours = True
    assert ours == uscc.is_valid(code)


@given(uscc_prefixes(departments=["A", "N", "Y"]))
def test_stdnum_wrongly_rejects_letter_departments_property(prefix):
    code = prefix + uscc_check_char(prefix)
    assert validate_uscc(code) == code
    assert not uscc.is_valid(code)


@pytest.mark.parametrize("code", LETTER_DEPARTMENT_USCCS)
def test_stdnum_wrongly_rejects_letter_departments(code):
    assert validate_uscc(code) == code
    with pytest.raises(InvalidFormat):
        uscc.validate(code)
    # The check character itself is right by stdnum's own algorithm.
    assert uscc.calc_check_digit(code[:17]) == code[17]


# ---------------------------------------------------------------------------------- mobile


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 138 0013 8000 ",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086-138-0013-8000",
        "8613800138000",
        "１３８００１３８０００",
    ],
)
def test_valid_mobiles(raw):
    assert validate_mobile(raw) == "13800138000"


@pytest.mark.parametrize("second", "3456789")
def test_mobile_second_digit_3_to_9(second):
    number = f"1{second}800138000"
    assert validate_mobile(number) == number


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("12800138000", "第 2 位应为 3-9，实为 2"),
        ("23800138000", "应以 1 开头，实为 2"),
        ("1380013800", "应为 11 位数字，实为 10 位"),
        ("138001380000", "实为 12 位"),
        ("1380013800a", "第 11 位应为数字，实为 'a'"),
        ("+1 138 0013 8000", "第 1 位应为数字，实为 '+'"),
        ("", "实为 0 位"),
    ],
)
def test_mobile_errors(raw, fragment):
    error = raises_code("mobile.format", validate_mobile, raw)
    assert fragment in error.message


# --------------------------------------------------------------------------------- masking


def test_mask_id_number():
    assert mask_id_number(PUDONG_1985) == "3101**********0012"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("１１０１０５１９４９１２３１００２ｘ") == "1101**********002X"
    masked = mask_id_number("11010519491231002X")
    assert len(masked) == 18
    assert masked.count("*") == 10


def test_mask_id_number_never_leaks_malformed_values():
    assert mask_id_number("110105491231002") == "*" * 15
    assert mask_id_number("") == ""


def test_mask_mobile():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138 1234 5678") == "138****5678"


def test_mask_mobile_never_leaks_malformed_values():
    assert mask_mobile("1234567") == "*******"
    assert mask_mobile("12812345678") == "*" * 11

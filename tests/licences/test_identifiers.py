"""GB/T 36904 identifiers: the check character and reading one by its prefix and dots."""

import pytest
from stdnum.iso7064 import mod_37_36

from tongban.core.errors import InvalidInput
from tongban.licences.errors import LicenceError
from tongban.licences.identifiers import LicenceIdentifier, check_char, parse_identifier

VECTORS = [
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
]


@pytest.mark.parametrize("text", VECTORS)
def test_published_identifiers_validate(text):
    parsed = parse_identifier(text)
    assert str(parsed) == text


def test_parts_are_read_by_prefix_and_dots():
    assert parse_identifier(VECTORS[2]) == LicenceIdentifier(
        "11100000MB03271699022", "340100", "000000016", 1
    )
    assert parse_identifier(VECTORS[0]) == LicenceIdentifier(
        "11100000000013338W009", "11330105002500287C", "2025052201", 2
    )


@pytest.mark.parametrize(
    "body",
    [
        "11100000000013338W00911330105002500287C2025052201002",
        "11100000MB03271699022340100000000016001",
        "0",
        "ZZZZZZZZ",
        "11100000000013127D005310115202600000 1".replace(" ", ""),
    ],
)
def test_check_char_agrees_with_python_stdnum(body):
    assert check_char(body) == mod_37_36.calc_check_digit(body)
    assert mod_37_36.is_valid(body + check_char(body))


def test_a_wrong_check_character_is_refused_naming_the_right_one():
    with pytest.raises(InvalidInput) as caught:
        parse_identifier(VECTORS[0][:-1] + "1")
    assert caught.value.code == LicenceError.IDENTIFIER_CHECK
    assert caught.value.fields == {"identifier": "证照标识校验位应为“0”，实为“1”。"}


@pytest.mark.parametrize(
    "text",
    [
        "1.2.156.3005.1.11100000000013338W009.11330105002500287C.2025052201.002.0",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.2.0",
        "1.2.156.3005.2.1110000000001333W009.11330105002500287C.2025052201.002.0",
        "1.2.156.3005.2.11100000000013338W009.1133010.2025052201.002.0",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002",
    ],
)
def test_a_wrong_shape_is_refused(text):
    with pytest.raises(InvalidInput) as caught:
        parse_identifier(text)
    assert caught.value.code == LicenceError.IDENTIFIER_FORMAT
    assert list(caught.value.fields) == ["identifier"]

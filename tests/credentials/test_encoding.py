"""The encodings, against the drafts' own examples: SD-JWT disclosures and digests, the status
list's bit layout and its compressed form, and what a holder's presentation keeps."""

import base64
import json

import pytest

from tongban.credentials import sdjwt, statuslist

# draft-ietf-oauth-selective-disclosure-jwt, "Disclosures for Object Properties"
SPEC_DISCLOSURE = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
SPEC_DIGEST = "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


def test_a_disclosure_digest_is_the_drafts():
    assert sdjwt.digest(SPEC_DISCLOSURE) == SPEC_DIGEST
    assert sdjwt.decode_disclosure(SPEC_DISCLOSURE) == ("family_name", "Möbius")


def test_a_disclosure_we_write_is_salt_name_value():
    text = sdjwt.disclosure("holder_name", "上海示例餐饮有限公司")
    salt, name, value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert (name, value) == ("holder_name", "上海示例餐饮有限公司")
    assert len(base64.urlsafe_b64decode(salt + "==")) == 16
    assert "=" not in text


@pytest.mark.parametrize(
    "text",
    ["YQ=", "YQ==", "Y", "YR", "Y+", "Y/", "Y Q", "YQ\n", "ÿQ"],
    ids=["padded", "padded2", "one-char", "unused-bits", "plus", "slash", "space", "nl", "latin"],
)
def test_base64url_is_strict(text):
    with pytest.raises(ValueError):
        sdjwt.b64decode(text)


def test_base64url_round_trip():
    assert sdjwt.b64decode("YQ") == b"a"
    assert sdjwt.b64encode(b"\xfb\xff") == "-_8"


def test_two_bit_statuses_are_laid_out_as_the_draft_says():
    # draft-ietf-oauth-status-list, the example with bits = 2
    data = bytearray(3)
    for index, value in enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]):
        statuslist.put(data, index, 2, value)
    assert data == bytes([0xC9, 0x44, 0xF9])
    assert statuslist.encode(bytes(data)) == "eNo76fITAAPfAgc"
    assert statuslist.decode("eNo76fITAAPfAgc") == bytes([0xC9, 0x44, 0xF9])
    assert [statuslist.get(data, i, 2) for i in range(12)] == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


def test_one_bit_statuses_decode_as_the_drafts_example():
    assert statuslist.decode("eNrbuRgAAhcBXQ") == bytes([0xB9, 0xA3])


def test_setting_an_entry_leaves_its_neighbours():
    data = bytearray([0xFF])
    statuslist.put(data, 1, 2, 0)
    assert data == bytes([0b11110011])
    statuslist.put(data, 1, 2, 2)
    assert data == bytes([0b11111011])


def test_an_empty_list_rounds_up_to_whole_bytes():
    assert statuslist.empty(5, 2) == bytes(2)
    assert statuslist.empty(131072, 2) == bytes(32768)


def test_present_keeps_only_the_chosen_disclosures():
    a, b = sdjwt.disclosure("a", 1), sdjwt.disclosure("b", [2])
    compact = f"h.p.s~{a}~{b}~"
    assert sdjwt.present(compact, {"b"}) == f"h.p.s~{b}~"
    assert sdjwt.present(compact, set()) == "h.p.s~"
    assert sdjwt.present(compact, {"a", "b", "c"}) == compact


@pytest.mark.parametrize("text", ["h.p.s", "~", "h.p.s~kb.jwt.sig", ""])
def test_split_refuses_what_is_not_an_sd_jwt_without_key_binding(text):
    with pytest.raises(ValueError):
        sdjwt.split(text)

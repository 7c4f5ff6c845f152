"""Verification's every answer, online and offline, and that no changed character anywhere in
a real credential is ever taken for a valid one."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tongban.credentials import keys, sdjwt, services
from tongban.credentials.choices import CredentialStatus, SigningAlgorithm
from tongban.credentials.verify import verify

from .conftest import CLAIMS, VCT, foreign, issue

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
REFUSED = {"signature_invalid", "malformed"}


def _keyset(code="scjgj") -> dict:
    return json.loads(Client().get(f"/.well-known/jwt-vc-issuer/issuers/{code}").content)


def _revoke(issued, status=CredentialStatus.INVALID):
    services.credential_status_set(
        status_list_id=issued.status_list_id, status_index=issued.status_index, status=status
    )


def test_a_valid_credential_shows_its_issuer_type_key_and_claims(issued):
    checked = verify(issued.compact)
    assert checked.result == "valid"
    assert (checked.issuer, checked.vct, checked.kid) == (
        "http://127.0.0.1:8000/issuers/scjgj",
        VCT,
        issued.kid,
    )
    assert checked.disclosed == CLAIMS
    assert checked.status_checked


def test_a_presentation_shows_only_what_it_discloses(issued):
    checked = verify(sdjwt.present(issued.compact, {"address"}))
    assert checked.result == "valid"
    assert checked.disclosed == {
        "licence_number": "JY13101150000001",
        "address": "上海市浦东新区示例路1号",
    }


@pytest.mark.parametrize(
    ("days", "at", "result"),
    [
        ((0, 30), 31, "expired"),
        ((0, 30), 30, "expired"),  # exp is the first moment it no longer holds
        ((0, 30), 29, "valid"),
        ((10, 30), 5, "not_yet_valid"),
        ((10, None), 10 * 365, "valid"),
    ],
)
def test_validity_in_time(department, days, at, result):
    now = timezone.now().replace(microsecond=0)
    issued = issue(department, days=days, now=now)
    assert verify(issued.compact, now=now + timedelta(days=at)).result == result


@pytest.mark.parametrize(
    ("status", "result"),
    [(CredentialStatus.INVALID, "revoked"), (CredentialStatus.SUSPENDED, "suspended")],
)
def test_status_online_counts_at_once_in_this_process(issued, status, result):
    assert verify(issued.compact).result == "valid"
    _revoke(issued, status)
    assert verify(issued.compact).result == result


def test_revoked_outranks_expired(department):
    now = timezone.now()
    issued = issue(department, days=(0, 1), now=now)
    _revoke(issued)
    assert verify(issued.compact, now=now + timedelta(days=2)).result == "revoked"


def test_offline_with_the_metadata_alone_checks_no_status(issued):
    _revoke(issued)
    checked = verify(issued.compact, keyset=_keyset())
    assert (checked.result, checked.status_checked) == ("valid", False)


def test_offline_with_a_saved_status_list_reads_it(issued):
    keyset = {**_keyset(), "status_lists": {}}
    uri = f"http://127.0.0.1:8000/issuers/scjgj/status-lists/{issued.status_list_id}"
    keyset["status_lists"][uri] = Client().get(uri.removeprefix("http://127.0.0.1:8000")).text
    assert verify(issued.compact, keyset=keyset).result == "valid"
    _revoke(issued)
    keyset["status_lists"][uri] = Client().get(uri.removeprefix("http://127.0.0.1:8000")).text
    checked = verify(issued.compact, keyset=keyset)
    assert (checked.result, checked.status_checked) == ("revoked", True)
    later = timezone.now() + timedelta(days=2)  # the saved list expired: not trusted
    assert verify(issued.compact, keyset=keyset, now=later).status_checked is False


def test_offline_with_a_bare_jwks(issued):
    jwks = Client().get("/issuers/scjgj/jwks").json()
    assert verify(issued.compact, keyset=jwks).result == "valid"


def test_offline_with_another_issuers_keys_is_unknown_issuer(issued):
    issue(factories.department(code="other"))
    assert verify(issued.compact, keyset=_keyset("other")).result == "unknown_issuer"
    assert verify(issued.compact, keyset={"keys": []}).result == "unknown_issuer"
    empty = {"issuer": "http://127.0.0.1:8000/issuers/scjgj", "jwks": {"keys": []}}
    assert verify(issued.compact, keyset=empty).result == "signature_invalid"


def test_another_issuers_name_on_our_key_is_signature_invalid(issued):
    issue(factories.department(code="other"))
    jwt, _ = sdjwt.split(issued.compact)
    payload = json.loads(sdjwt.b64decode(jwt.split(".")[1]))
    payload["iss"] = "http://127.0.0.1:8000/issuers/other"
    header = sdjwt.b64decode(jwt.split(".")[0]).decode()
    relabelled = ".".join(
        [jwt.split(".")[0], sdjwt.b64encode(sdjwt.dumps(payload)), jwt.split(".")[2]]
    )
    assert json.loads(header)["kid"] == issued.kid
    assert verify(relabelled + "~").result == "signature_invalid"


@pytest.mark.parametrize("keyset", [[], {"jwks": 1}, {"issuer": "x"}])
def test_offline_with_no_key_set_is_an_error(issued, keyset):
    with pytest.raises(ValueError):
        verify(issued.compact, keyset=keyset)


@pytest.mark.parametrize(
    "iss",
    [
        "https://zwfw.elsewhere.example/issuers/scjgj",  # another platform
        "http://127.0.0.1:8000/issuers/nobody",  # no such department
        "http://127.0.0.1:8000/elsewhere",
    ],
)
def test_an_issuer_we_do_not_know_is_unknown_issuer(issued, iss):
    assert verify(foreign(issued, iss)).result == "unknown_issuer"


def test_our_issuers_name_on_a_key_it_does_not_hold_is_signature_invalid(issued):
    forged = foreign(issued, "http://127.0.0.1:8000/issuers/scjgj")
    assert verify(forged).result == "signature_invalid"
    assert verify(forged, keyset=_keyset()).result == "signature_invalid"


def test_our_kid_with_another_key_is_signature_invalid(issued):
    _, _, pem = keys.key_generate(SigningAlgorithm.ED25519)
    jwt, _ = sdjwt.split(issued.compact)
    header = {"alg": "Ed25519", "typ": "dc+sd-jwt", "kid": issued.kid}
    forged = keys.sign(
        header=header, payload=sdjwt.b64decode(jwt.split(".")[1]), pem=pem, alg="Ed25519"
    )
    assert verify(forged + "~").result == "signature_invalid"


def test_a_disclosure_not_signed_is_signature_invalid(issued):
    jwt, disclosures = sdjwt.split(issued.compact)
    added = sdjwt.disclosure("holder_name", "别的公司")
    assert verify("~".join([jwt, added, ""])).result == "signature_invalid"
    assert verify("~".join([jwt, *disclosures, disclosures[0], ""])).result == "signature_invalid"


@pytest.mark.parametrize(
    "text",
    ["", "~", "a.b.c~", "not a credential", "eyJ9.eyJ9.AA~", "x" * (64 * 1024 + 1)],
)
def test_what_is_not_a_credential_is_malformed(db, text):
    assert verify(text).result == "malformed"


def _flips(compact: str):
    """Each position with, as its replacement, its base64url neighbour (the value's lowest
    bit flipped: the change a lax decoder could miss in a last character) and a character
    of another kind."""
    for position, char in enumerate(compact):
        if char in B64:
            neighbour = B64[B64.index(char) ^ 1]
            yield position, neighbour
            yield position, "~" if char != "~" else "."
        else:
            yield position, "A"


def test_every_changed_character_of_a_real_credential_is_refused(issued):
    compact, keyset = issued.compact, _keyset()
    assert verify(compact).result == verify(compact, keyset=keyset).result == "valid"
    seen = 0
    for position, replacement in _flips(compact):
        tampered = compact[:position] + replacement + compact[position + 1 :]
        assert verify(tampered).result in REFUSED, (position, replacement)
        assert verify(tampered, keyset=keyset).result in REFUSED, (position, replacement)
        seen += 1
    assert seen >= 2 * len(compact) - compact.count("~") - compact.count(".")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_character_anywhere_is_refused(issued, data):
    compact = sdjwt.present(issued.compact, {"holder_name"})
    position = data.draw(st.integers(0, len(compact) - 1))
    replacement = data.draw(st.characters(codec="utf-8").filter(lambda c: c != compact[position]))
    tampered = compact[:position] + replacement + compact[position + 1 :]
    assert verify(tampered).result in REFUSED

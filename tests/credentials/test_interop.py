"""What we issue, verified by code that is not ours: the IETF's reference SD-JWT verifier
(``sd-jwt``, on jwcrypto) with keys it fetches from our published issuer metadata only; and,
after a revocation, our published status list token decoded by hand."""

import base64
import json
import zlib
from urllib.parse import urlsplit

import pytest
from django.test import Client
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.verifier import SDJWTVerifier

from tests import factories
from tongban.credentials import sdjwt, services
from tongban.credentials.choices import CredentialStatus

from .conftest import CLAIMS, VCT, issue

client = Client()


def _metadata_path(iss: str) -> str:
    """SD-JWT VC: the well-known segment goes between the host and the issuer's path."""
    return "/.well-known/jwt-vc-issuer" + urlsplit(iss).path


def _issuer_key(iss: str, header: dict) -> JWK:
    """The reference verifier's callback: the issuer's key by ``kid``, from its metadata."""
    response = client.get(_metadata_path(iss))
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == iss
    (jwk,) = [k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"]]
    return JWK(**jwk)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_reference_verifier_accepts_every_disclosure(issued):
    payload = SDJWTVerifier(issued.compact, _issuer_key).get_verified_payload()
    assert {k: payload[k] for k in CLAIMS} == CLAIMS
    assert payload["vct"] == VCT
    assert payload["iss"] == "http://127.0.0.1:8000/issuers/scjgj"


def test_the_reference_verifier_sees_only_what_the_holder_discloses(issued):
    shown = sdjwt.present(issued.compact, {"holder_name"})
    payload = SDJWTVerifier(shown, _issuer_key).get_verified_payload()
    assert payload["holder_name"] == "上海示例餐饮有限公司"
    assert payload["licence_number"] == "JY13101150000001"  # not selectively disclosable
    for hidden in ("holder_uscc", "address", "scope"):
        assert hidden not in payload
    assert "_sd" not in payload


def test_the_reference_verifier_accepts_an_es256_credential(department, settings):
    settings.TONGBAN_CREDENTIAL_ALG = "ES256"
    compact = sdjwt.present(issue(department).compact, set())
    payload = SDJWTVerifier(compact, _issuer_key).get_verified_payload()
    assert payload["licence_number"] == "JY13101150000001"
    assert "holder_name" not in payload


def test_the_reference_verifier_refuses_another_departments_key(issued):
    other = issue(factories.department(code="other"))

    def wrong_key(iss, header):
        return _issuer_key("http://127.0.0.1:8000/issuers/other", {"kid": other.kid})

    with pytest.raises(Exception, match="Verification failed"):
        SDJWTVerifier(issued.compact, wrong_key)


@pytest.mark.parametrize(
    ("status", "bits"), [(CredentialStatus.INVALID, 0b01), (CredentialStatus.SUSPENDED, 0b10)]
)
def test_the_published_status_list_shows_the_change(department, status, bits):
    first, second = issue(department), issue(department)
    services.credential_status_set(
        status_list_id=second.status_list_id, status_index=second.status_index, status=status
    )
    reference = json.loads(_b64(second.compact.split(".")[1]))["status"]["status_list"]
    response = client.get(urlsplit(reference["uri"]).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/statuslist+jwt"
    assert response["Cache-Control"] == "public, max-age=300"
    token = response.content.decode()

    signed = JWS()
    signed.deserialize(token)
    signed.verify(_issuer_key("http://127.0.0.1:8000/issuers/scjgj", signed.jose_header))
    assert signed.jose_header["typ"] == "statuslist+jwt"
    claims = json.loads(signed.payload)
    assert claims["sub"] == reference["uri"]
    assert claims["ttl"] == 300
    assert claims["exp"] - claims["iat"] == 24 * 3600
    assert claims["status_list"]["bits"] == 2
    data = zlib.decompress(_b64(claims["status_list"]["lst"]))
    assert len(data) == 2**17 // 4
    # entries 0 and 1 are the two lowest pairs of bits of byte 0
    assert (first.status_index, second.status_index) == (0, 1)
    assert data[0] == bits << 2
    assert not any(data[1:])

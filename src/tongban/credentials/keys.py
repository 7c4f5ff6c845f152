"""Department signing keys: made, sealed, published as JWKs, used to sign and to verify.

Signing goes through joserfc (``jws.serialize_compact``). Verification checks the signature
with ``cryptography`` directly over the compact JWS's signing input: ``verify`` parses the
header itself (it must, to find the key) and the check is then one call, which keeps an
in-process verification within twice the cost of the bare Ed25519 check (bench/
credentials_verify.py); joserfc's own deserializer would parse the header again and cost
about 1.6 times the bare check on its own.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey

from .choices import SigningAlgorithm

_ALGORITHMS = [a.value for a in SigningAlgorithm]


def key_generate(alg: SigningAlgorithm) -> tuple[str, dict, str]:
    """A new key pair: (kid, public JWK, private key as PKCS#8 PEM). The kid is the key's
    RFC 7638 thumbprint, so the same key always has the same kid."""
    key: OKPKey | ECKey
    if alg == SigningAlgorithm.ED25519:
        key = OKPKey.generate_key("Ed25519")
    else:
        key = ECKey.generate_key("P-256")
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "alg": alg.value, "use": "sig"}
    pem = key.as_pem(private=True).decode()
    return kid, public, pem


@lru_cache(maxsize=256)
def _signing_key(pem: str, alg: str) -> OKPKey | ECKey:
    cls = OKPKey if alg == SigningAlgorithm.ED25519 else ECKey
    return cls.import_key(pem)


def sign(*, header: dict, payload: bytes, pem: str, alg: str) -> str:
    """A compact JWS of ``payload`` (``alg`` and ``kid`` are the caller's, in ``header``)."""
    return jws.serialize_compact(header, payload, _signing_key(pem, alg), algorithms=_ALGORITHMS)


PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


def public_key(jwk: dict) -> PublicKey:
    """The ``cryptography`` key of a published JWK (Ed25519 OKP or P-256 EC); ValueError for
    any other key."""
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        key = OKPKey.import_key(jwk).public_key
    elif jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        key = ECKey.import_key(jwk).public_key
    else:
        raise ValueError("not an Ed25519 or P-256 public key")
    return key


def signature_valid(key: PublicKey, alg: str, signing_input: bytes, signature: bytes) -> bool:
    """The JWS check of ``signature`` over ``signing_input`` for ``alg`` and ``key``, which
    must agree (an Ed25519 key never checks an ES256 signature)."""
    try:
        if alg == SigningAlgorithm.ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signing_input)
            return True
        if alg == SigningAlgorithm.ES256 and isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False

"""Signed receipts of exchange calls: compact JWS (Ed25519) by the platform's receipt key.

The key (``ReceiptKey``) is made on the first receipt; its private half, PKCS#8 PEM, is sealed
at rest by ``core.crypto`` and read only here. The public keys are published as a JWKS
(``GET /api/v1/exchange/jwks``); ``receipt_verify`` checks a receipt offline against such a
saved key set (``tongban exchange verify-receipt``), with nothing from the database.

A receipt's payload: ``jti`` (the receipt id), ``iat``, ``iss``, the consumer department and
client, the resource and its provider, the keyed hash of the key asked for, the fields given,
the purpose, the result and ``answer_sha256``, the SHA-256 of the answer's canonical JSON (so
an answer kept beside its receipt is bound to it)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.db import IntegrityError, transaction
from joserfc import jws
from joserfc.jwk import OKPKey

from . import cached
from .models import ExchangeCall, ReceiptKey

ALG = "Ed25519"
TYP = "exchange-receipt+jwt"
ISSUER = "tongban-exchange"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def answer_digest(fields: dict) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def claims(call: ExchangeCall, answer: Any) -> dict[str, Any]:
    """A receipt's payload for a call row (as its audit entry records it) and its answer."""
    recorded = call.audit_details()
    return {
        "iss": ISSUER,
        "jti": str(call.receipt_id),
        "iat": int(call.at.timestamp()),
        "consumer": recorded["consumer"],
        "client_id": recorded["client_id"],
        "operation": call.operation,
        "resource": recorded["resource"],
        "provider": call.resource.provider.code if call.resource is not None else "",
        "key_hash": call.key_hash,
        "fields": list(call.fields),
        "purpose": call.purpose,
        "result": recorded["result"],
        "answer_sha256": answer_digest(answer),
    }


def _active_key() -> ReceiptKey:
    key = ReceiptKey.objects.filter(active=True).first()
    if key is not None:
        return key
    made = OKPKey.generate_key("Ed25519")
    kid = made.thumbprint()
    public = {**made.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"}
    try:
        with transaction.atomic():
            return ReceiptKey.objects.create(
                kid=kid, public_jwk=public, private_key=made.as_pem(private=True).decode()
            )
    except IntegrityError:  # another process made it first
        return ReceiptKey.objects.get(active=True)


def _signer_load() -> tuple[str, OKPKey]:
    key = _active_key()
    return key.kid, OKPKey.import_key(key.private_key)


def sign(claims: dict) -> str:
    """The compact JWS of ``claims`` by the active key (kept per process with its private half
    imported: ``cached``)."""
    signer = cached.kept(("receipt-key",), _signer_load)
    assert signer is not None
    kid, private = signer
    header = {"alg": ALG, "kid": kid, "typ": TYP}
    return jws.serialize_compact(header, canonical(claims), private, algorithms=[ALG])


def jwks() -> dict:
    """The published key set: every receipt key, retired ones included."""
    _active_key()
    return {"keys": [key.public_jwk for key in ReceiptKey.objects.order_by("created_at", "id")]}


@dataclass(frozen=True)
class ReceiptCheck:
    valid: bool
    reason: str
    claims: dict | None = None


def _b64(part: str) -> bytes:
    if not part or any(c not in _B64URL for c in part):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _canonical_b64(raw: bytes, part: str) -> bool:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == part


def receipt_verify(text: str, *, keyset: dict) -> ReceiptCheck:
    """Check a receipt against a saved key set: ``valid`` only when it is a compact JWS whose
    header names an Ed25519 key of the set and whose signature over its exact bytes holds.
    Any changed character gives ``signature_invalid`` or ``malformed``."""
    parts = text.strip().split(".")
    if len(parts) != 3:
        return ReceiptCheck(False, "malformed")
    try:
        raw = [_b64(p) for p in parts]
        if not all(_canonical_b64(r, p) for r, p in zip(raw, parts, strict=True)):
            return ReceiptCheck(False, "malformed")
        header = json.loads(raw[0])
        claims = json.loads(raw[1])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return ReceiptCheck(False, "malformed")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return ReceiptCheck(False, "malformed")
    if header.get("alg") != ALG or header.get("typ") != TYP:
        return ReceiptCheck(False, "malformed")
    keys = keyset.get("keys") if isinstance(keyset, dict) else None
    jwk = next(
        (k for k in keys or [] if isinstance(k, dict) and k.get("kid") == header.get("kid")),
        None,
    )
    if jwk is None or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return ReceiptCheck(False, "unknown_key")
    try:
        public = ed25519.Ed25519PublicKey.from_public_bytes(_b64(jwk.get("x", "")))
        public.verify(raw[2], f"{parts[0]}.{parts[1]}".encode())
    except (ValueError, InvalidSignature):
        return ReceiptCheck(False, "signature_invalid")
    return ReceiptCheck(True, "valid", claims)

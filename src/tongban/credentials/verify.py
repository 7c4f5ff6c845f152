"""Verifying a presented SD-JWT VC: online against our own keys and status lists, or offline
against a key set saved from our endpoints.

Every step refuses rather than guesses: the compact form must split into a signed JWT and
disclosures ending in ``~`` (no key binding JWT), each part strict base64url (a changed
character never decodes to the same bytes), the header typed ``dc+sd-jwt`` with an algorithm
of ours and a kid, the signature good for that kid's key of the issuer named in ``iss``, every
disclosure's digest in the signed ``_sd`` (once), and its name not a claim already there.
Only then are times and status read: revoked or suspended before expired or not yet valid.

An offline key set is the issuer metadata (``{"issuer", "jwks"}``, as served at
``/.well-known/jwt-vc-issuer/...`` or written by ``tongban credentials keyset``, which adds
``status_lists``: the current status list token by URI) or a bare JWKS (``{"keys": [...]}``,
which binds no issuer name). Without a status list token for the credential's list, the
status is not checked, and ``status_checked`` says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import identifiers, keys, online, sdjwt, statuslist
from .choices import CredentialStatus, SigningAlgorithm
from .choices import VerificationResult as R

# A credential of ours is a few kilobytes; anything longer is refused before it is parsed.
MAX_CREDENTIAL_LENGTH = 64 * 1024
CREDENTIAL_TYP = "dc+sd-jwt"
STATUS_LIST_TYP = "statuslist+jwt"
_ALGORITHMS = frozenset(a.value for a in SigningAlgorithm)
# Claims that are the credential's envelope, not what it says of its subject.
_ENVELOPE = frozenset({"iss", "iat", "nbf", "exp", "vct", "status", "cnf", "_sd", "_sd_alg"})


@dataclass(frozen=True)
class Verification:
    """``result`` and, once the signature held, the issuer, type, key and the claims shown
    (plain ones and those disclosed). ``status_checked`` is False when offline without the
    credential's status list token."""

    result: R
    disclosed: dict[str, Any] = field(default_factory=dict)
    issuer: str = ""
    vct: str = ""
    kid: str = ""
    status_checked: bool = False

    @property
    def valid(self) -> bool:
        return self.result == R.VALID


class _Refused(Exception):
    def __init__(self, result: R):
        self.result = result


# (iss, kid) → (alg, key); refuses with UNKNOWN_ISSUER for an issuer it does not know, and
# with SIGNATURE_INVALID when the issuer is known but the kid is not its key (or the kid is
# another issuer's): a changed character in the header or the payload is never "unknown".
KeyLookup = Callable[[str, str], tuple[str, keys.PublicKey]]


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode())
    except (ValueError, RecursionError):
        raise _Refused(R.MALFORMED) from None
    if not isinstance(value, dict):
        raise _Refused(R.MALFORMED)
    return value


def _b64(text: str) -> bytes:
    try:
        return sdjwt.b64decode(text)
    except ValueError:
        raise _Refused(R.MALFORMED) from None


def _signed_jwt(jwt: str, typ: str, find_key: KeyLookup) -> tuple[dict, dict]:
    """(header, payload) of a compact JWS whose signature ``find_key(iss, kid)``'s key holds."""
    parts = jwt.split(".")
    if len(parts) != 3:
        raise _Refused(R.MALFORMED)
    header, payload = _json_object(_b64(parts[0])), _json_object(_b64(parts[1]))
    signature = _b64(parts[2])
    alg, kid, iss = header.get("alg"), header.get("kid"), payload.get("iss")
    if header.get("typ") != typ or alg not in _ALGORITHMS or "crit" in header:
        raise _Refused(R.MALFORMED)
    if not isinstance(kid, str) or not isinstance(iss, str):
        raise _Refused(R.MALFORMED)
    key_alg, key = find_key(iss, kid)
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    if key_alg != alg or not keys.signature_valid(key, alg, signing_input, signature):
        raise _Refused(R.SIGNATURE_INVALID)
    return header, payload


def _disclosed(payload: dict, disclosures: list[str]) -> dict[str, Any]:
    """The payload's own claims with the disclosures' added, each disclosure checked against
    the signed digests."""
    digests = payload.get("_sd", [])
    if payload.get("_sd_alg") != sdjwt.SD_ALG or not isinstance(digests, list):
        raise _Refused(R.MALFORMED)
    claims = {k: v for k, v in payload.items() if k not in _ENVELOPE}
    signed, seen = set(digests), set()
    for disclosure in disclosures:
        digest = sdjwt.digest(disclosure) if disclosure.isascii() else None
        if digest not in signed or digest in seen:
            raise _Refused(R.SIGNATURE_INVALID)
        seen.add(digest)
        try:
            name, value = sdjwt.decode_disclosure(disclosure)
        except (ValueError, RecursionError):
            raise _Refused(R.MALFORMED) from None
        if name in claims or name in _ENVELOPE or name == "...":
            raise _Refused(R.MALFORMED)
        claims[name] = value
    return claims


def _when(payload: dict, claim: str) -> int | None:
    value = payload.get(claim)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused(R.MALFORMED)
    return value


def _status_reference(payload: dict) -> tuple[int, str]:
    reference = payload.get("status")
    entry = reference.get("status_list") if isinstance(reference, dict) else None
    if not isinstance(entry, dict):
        raise _Refused(R.MALFORMED)
    idx, uri = entry.get("idx"), entry.get("uri")
    if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0 or not isinstance(uri, str):
        raise _Refused(R.MALFORMED)
    return idx, uri


def _status_result(bits: int, data: bytes, idx: int) -> R | None:
    if idx * bits >= len(data) * 8:
        raise _Refused(R.MALFORMED)
    value = statuslist.get(data, idx, bits)
    if value == CredentialStatus.VALID:
        return None
    return R.SUSPENDED if value == CredentialStatus.SUSPENDED else R.REVOKED


def _online_key(iss: str, kid: str) -> tuple[str, keys.PublicKey]:
    code = identifiers.issuer_code(iss)
    found = online.public_key(kid)
    if found is None:
        known = code is not None and online.issuer_known(code)
        raise _Refused(R.SIGNATURE_INVALID if known else R.UNKNOWN_ISSUER)
    holder, alg, key = found
    if holder != code:
        raise _Refused(R.SIGNATURE_INVALID)
    return alg, key


def _online_status(iss: str, idx: int, uri: str, now: int) -> tuple[bool, R | None]:
    code = identifiers.issuer_code(iss)
    list_id = identifiers.status_list_id(uri, code) if code else None
    found = online.status_bits(list_id, code) if code and list_id else None
    if found is None:
        raise _Refused(R.MALFORMED)
    return True, _status_result(*found, idx)


class _Offline:
    """An issuer key set saved from our endpoints (see the module's docstring)."""

    def __init__(self, keyset: dict):
        if not isinstance(keyset, dict):
            raise ValueError("a key set is a JSON object")
        self.issuer = keyset.get("issuer")
        jwks = keyset.get("jwks", keyset)
        entries = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(entries, list):
            raise ValueError("a key set holds jwks.keys or keys")
        self.keys: dict[str, tuple[str, keys.PublicKey]] = {}
        for jwk in entries:
            if isinstance(jwk, dict) and jwk.get("alg") in _ALGORITHMS and "kid" in jwk:
                try:
                    self.keys[jwk["kid"]] = (jwk["alg"], keys.public_key(jwk))
                except ValueError:  # not a key of ours (another kind, or broken): not used
                    continue
        tokens = keyset.get("status_lists", {})
        self.tokens = tokens if isinstance(tokens, dict) else {}

    def key(self, iss: str, kid: str) -> tuple[str, keys.PublicKey]:
        found = self.keys.get(kid)
        named = self.issuer is None or iss == self.issuer
        if found is None:
            known = self.issuer is not None and named
            raise _Refused(R.SIGNATURE_INVALID if known else R.UNKNOWN_ISSUER)
        if not named:
            raise _Refused(R.SIGNATURE_INVALID)
        return found

    def status(self, iss: str, idx: int, uri: str, now: int) -> tuple[bool, R | None]:
        token = self.tokens.get(uri)
        if not isinstance(token, str):
            return False, None
        try:
            _, payload = _signed_jwt(token, STATUS_LIST_TYP, self.key)
            status_list = payload["status_list"]
            bits, data = status_list["bits"], statuslist.decode(status_list["lst"])
            expires = _when(payload, "exp")
        except (_Refused, KeyError, TypeError, ValueError):
            return False, None
        if payload.get("iss") != iss or payload.get("sub") != uri or bits not in (1, 2, 4, 8):
            return False, None
        if expires is not None and expires <= now:
            return False, None
        return True, _status_result(bits, data, idx)


def verify(text: str, *, keyset: dict | None = None, now: datetime | None = None) -> Verification:
    """Verify a presented credential (see the module's docstring). Online (no ``keyset``) the
    issuer's keys and status come from our database; offline from ``keyset``, a saved issuer
    key set (ValueError if it is not one)."""
    offline = _Offline(keyset) if keyset is not None else None
    find_key = offline.key if offline is not None else _online_key
    find_status = offline.status if offline is not None else _online_status
    moment = int(now.timestamp() if now is not None else time.time())
    if not isinstance(text, str) or len(text) > MAX_CREDENTIAL_LENGTH:
        return Verification(R.MALFORMED)
    try:
        jwt, disclosures = sdjwt.split(text.strip())
    except ValueError:
        return Verification(R.MALFORMED)
    try:
        header, payload = _signed_jwt(jwt, CREDENTIAL_TYP, find_key)
        vct = payload.get("vct")
        if not isinstance(vct, str):
            raise _Refused(R.MALFORMED)
        claims = _disclosed(payload, disclosures)
        not_before, expires = _when(payload, "nbf"), _when(payload, "exp")
        checked, refusal = find_status(payload["iss"], *_status_reference(payload), moment)
    except _Refused as refused:
        return Verification(refused.result)
    if refusal is None and expires is not None and expires <= moment:
        refusal = R.EXPIRED
    if refusal is None and not_before is not None and not_before > moment:
        refusal = R.NOT_YET_VALID
    return Verification(
        refusal or R.VALID,
        disclosed=claims,
        issuer=payload["iss"],
        vct=vct,
        kid=header["kid"],
        status_checked=checked,
    )

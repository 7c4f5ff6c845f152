"""A small SD-JWT encoder and parser (IETF SD-JWT, draft-ietf-oauth-selective-disclosure-jwt),
as SD-JWT VC uses it: the issuer-signed JWT, then one disclosure per selectively disclosable
top-level claim, each followed by ``~``; no key binding JWT.

A disclosure is ``base64url(JSON [salt, name, value])`` with a 128-bit random salt; the JWT's
``_sd`` lists the base64url SHA-256 of each disclosure as it is written (``_sd_alg``
``sha-256``), sorted so the order says nothing of the claims'. A holder presents a subset of
the disclosures (``present``); the verifier hashes those it gets and accepts only digests the
signed ``_sd`` holds. Written here rather than taken from the ``sd-jwt`` reference library so
that our tests can verify what we issue with that library, an implementation that is not ours.
Only flat claims are disclosable (no nested objects or array elements), and no decoy digests
are added.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Collection, Mapping
from typing import Any

SD_ALG = "sha-256"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# By length mod 4: the low bits of the last character that carry no data (must be 0); a
# length of 1 mod 4 is no encoding at all.
_UNUSED_BITS = {0: 0, 1: None, 2: 0b1111, 3: 0b11}


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64url without padding: a text that is not the one encoding of its bytes (a
    stray character, unused low bits set in the last one) is a ValueError, so a changed
    character never decodes to the same bytes."""
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    unused = _UNUSED_BITS[len(text) % 4]
    if unused is None or (text and _ALPHABET.index(text[-1]) & unused):
        raise ValueError("not canonical base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def disclosure(name: str, value: Any) -> str:
    return b64encode(dumps([b64encode(secrets.token_bytes(16)), name, value]))


def digest(disclosure: str) -> str:
    return b64encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def encode(
    *, payload: Mapping[str, Any], disclosable: Mapping[str, Any], sign: Callable[[bytes], str]
) -> str:
    """The compact SD-JWT: ``payload`` as plain claims, ``disclosable`` behind disclosures,
    signed by ``sign`` (the JWT's payload bytes → a compact JWS), every disclosure included."""
    disclosures = [disclosure(name, value) for name, value in disclosable.items()]
    body = {**payload, "_sd": sorted(digest(d) for d in disclosures), "_sd_alg": SD_ALG}
    return "~".join([sign(dumps(body)), *disclosures, ""])


def split(text: str) -> tuple[str, list[str]]:
    """The issuer-signed JWT and the disclosures of a compact SD-JWT; ValueError if it is not
    one (or carries a key binding JWT, which we do not issue)."""
    parts = text.split("~")
    if len(parts) < 2 or parts[-1] != "" or not parts[0]:
        raise ValueError("not an SD-JWT without key binding")
    return parts[0], parts[1:-1]


def decode_disclosure(text: str) -> tuple[str, Any]:
    """(name, value) of an object-property disclosure; ValueError for anything else."""
    decoded = json.loads(b64decode(text))
    if not (
        isinstance(decoded, list)
        and len(decoded) == 3
        and isinstance(decoded[0], str)
        and isinstance(decoded[1], str)
    ):
        raise ValueError("not an object property disclosure")
    return decoded[1], decoded[2]


def present(compact: str, disclose: Collection[str]) -> str:
    """What a holder shows a verifier: the same signed JWT with only the disclosures of the
    claims named in ``disclose`` (names it does not hold are ignored). ValueError if
    ``compact`` is not an SD-JWT."""
    jwt, disclosures = split(compact)
    kept = [d for d in disclosures if decode_disclosure(d)[0] in disclose]
    return "~".join([jwt, *kept, ""])

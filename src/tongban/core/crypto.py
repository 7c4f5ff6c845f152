"""Encryption of personal data at rest, and keyed hashes to find it again.

Values are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from ``TONGBAN_FIELD_KEY``;
the field's name is bound in as associated data, so a ciphertext copied into another column
does not decrypt. Exact lookups (log in by ID number, find a person) use HMAC-SHA256 under a
second derived key: the database holds neither the value nor an unkeyed hash that a table of
all 10^17 ID numbers could reverse.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

_VERSION = "v1"


@cache
def _derived_key(master: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master.encode())


def _aead() -> AESGCM:
    return AESGCM(_derived_key(settings.TONGBAN_FIELD_KEY, b"tongban field encryption v1"))


def encrypt(plaintext: str, *, purpose: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead().encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, purpose: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError(f"unknown field encryption version {version!r}")
    raw = base64.urlsafe_b64decode(body)
    return _aead().decrypt(raw[:12], raw[12:], purpose.encode()).decode()


def encrypter(*, purpose: str):
    """``encrypt`` for many values of one purpose (a bulk load): one cipher object for all
    instead of one per value. Same format, nonce per value."""
    aead, associated = _aead(), purpose.encode()

    def seal(plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, plaintext.encode(), associated)
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    return seal


def lookup_hasher(*, purpose: str):
    """``lookup_hash`` for many values of one purpose: the keyed HMAC prepared once and copied
    per value."""
    key = _derived_key(settings.TONGBAN_FIELD_KEY, b"tongban lookup hash v1")
    base = hmac.new(key, f"{purpose}\x00".encode(), hashlib.sha256)

    def digest(value: str) -> str:
        h = base.copy()
        h.update(value.encode())
        return h.hexdigest()

    return digest


def lookup_hash(value: str, *, purpose: str) -> str:
    key = _derived_key(settings.TONGBAN_FIELD_KEY, b"tongban lookup hash v1")
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored sealed; Python code sees the plain value.

    It cannot be filtered on: pair it with a ``lookup_hash`` column for exact matches.
    """

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.purpose = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value, purpose=self.purpose)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value, purpose=self.purpose)

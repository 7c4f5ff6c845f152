"""What online verification reads from the database, kept per process.

Public keys never change under their kid, so a key once read is kept (a miss is read again
each time, so a key made on another node is found at once). Status bits change: a process
trusts the bits it read for ``TONGBAN_CREDENTIAL_STATUS_TTL`` seconds, and a status set in the
process clears them at once (``credential_status_set``). So verifying a credential costs no
query while warm, which bench/credentials_verify.py measures.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from . import keys
from .models import SigningKey, StatusList

_lock = threading.Lock()
_keys: dict[str, tuple[str, str, keys.PublicKey]] = {}
_status: dict[int, tuple[float, str, int, bytes]] = {}


def public_key(kid: str) -> tuple[str, str, keys.PublicKey] | None:
    """(department code, alg, key) of the key ``kid`` (in use or retired), else None. Kids are
    RFC 7638 thumbprints: one names one key, whoever holds it."""
    found = _keys.get(kid)
    if found is not None:
        return found
    row = (
        SigningKey.objects.filter(kid=kid)
        .values_list("department__code", "alg", "public_jwk")
        .first()
    )
    if row is None:
        return None
    found = (row[0], row[1], keys.public_key(row[2]))
    with _lock:
        _keys[kid] = found
    return found


def issuer_known(code: str) -> bool:
    """Department ``code`` has a key: it issues credentials."""
    return SigningKey.objects.filter(department__code=code).exists()


def status_bits(list_id: int, code: str) -> tuple[int, bytes] | None:
    """(bits, data) of department ``code``'s status list ``list_id``, else None."""
    cached = _status.get(list_id)
    now = time.monotonic()
    if (
        cached is not None
        and cached[1] == code
        and now - cached[0] < settings.TONGBAN_CREDENTIAL_STATUS_TTL
    ):
        return cached[2], cached[3]
    row = (
        StatusList.objects.filter(pk=list_id, department__code=code)
        .values_list("bits", "data")
        .first()
    )
    if row is None:
        return None
    bits, data = row[0], bytes(row[1])
    with _lock:
        _status[list_id] = (now, code, bits, data)
    return bits, data


def status_cache_clear(list_id: int) -> None:
    with _lock:
        _status.pop(list_id, None)


def cache_clear() -> None:
    """Forget everything read (tests, whose databases are rolled back under a live process)."""
    with _lock:
        _keys.clear()
        _status.clear()

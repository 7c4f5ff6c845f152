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
_keys: dict[tuple[str, str], tuple[str, keys.PublicKey]] = {}
_status: dict[int, tuple[float, str, int, bytes]] = {}


def public_key(code: str, kid: str) -> tuple[str, keys.PublicKey] | None:
    """(alg, key) of department ``code``'s key ``kid`` (in use or retired), else None."""
    found = _keys.get((code, kid))
    if found is not None:
        return found
    row = (
        SigningKey.objects.filter(department__code=code, kid=kid)
        .values_list("alg", "public_jwk")
        .first()
    )
    if row is None:
        return None
    found = (row[0], keys.public_key(row[1]))
    with _lock:
        _keys[(code, kid)] = found
    return found


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

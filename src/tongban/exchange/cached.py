"""What an exchange call reads that rarely changes, kept per process for a moment.

A query's checks — the bearer token's client, the resource by code with its fields, the live
grant of (department, resource), the receipt signing key — would be five or more statements per
call; each process keeps what it read for ``TONGBAN_EXCHANGE_CACHE_TTL`` seconds (2 by
default), as the catalog keeps its search version (``catalog.search.cache``) and online
verification its status bits (``credentials.online``). Only what was found is kept (a miss is
read again each time, so a grant approved on another node is found at once).

What this costs, written down so nobody is surprised:

- **A revoked grant or client, a deleted token or a changed resource is seen by another
  process within the TTL**, not at once. The process that made the change forgets everything
  at once (``forget``, called by the services and on a token's deletion), and again when the
  change commits.
- **Expiry has no lag**: a kept token's ``expires`` and a kept grant's ``expires_at`` are
  compared with the clock on every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import transaction

T = TypeVar("T")

_lock = threading.Lock()
# key → (time.monotonic() when read, value)
_entries: dict[tuple, tuple[float, object]] = {}
_clock = time.monotonic


def kept(key: tuple, load: Callable[[], T | None]) -> T | None:
    """The value under ``key`` if read less than the TTL ago, else ``load()`` (kept unless
    None)."""
    now = _clock()
    held = _entries.get(key)
    if held is not None and now - held[0] < settings.TONGBAN_EXCHANGE_CACHE_TTL:
        return held[1]  # type: ignore[return-value]
    value = load()
    with _lock:
        if value is None:
            _entries.pop(key, None)
        else:
            _entries[key] = (now, value)
    return value


def drop(key: tuple) -> None:
    with _lock:
        _entries.pop(key, None)


def cache_clear() -> None:
    """Forget everything read (tests, whose databases are rolled back under a live process)."""
    with _lock:
        _entries.clear()


def forget() -> None:
    """A grant, client, token, resource or receipt key changed in this process: forget now, and
    again when the change commits (a read in between may have kept the old row)."""
    cache_clear()
    transaction.on_commit(cache_clear, robust=True)

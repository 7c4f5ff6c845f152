"""A fixed-window request limit per client, shared by every process and node.

Rates are written ``"<count>/<unit>"`` with unit ``s``, ``m``, ``h`` or ``d`` (``"30/m"``).
The users are the public status query (``TONGBAN_STATUS_QUERY_RATE``, page and API) and the SMS
code throttles per client address and for the whole platform (``TONGBAN_OTP_IP_RATE``,
``TONGBAN_OTP_GLOBAL_RATE``). One counter per client and scope is incremented atomically where
every node sees it:

- without Redis, a ``RateCounter`` row in the database, counted by one upsert statement that
  resets the count when a new window begins (Django's database cache would take ten statements
  for the same: an ``add`` and a locked read-modify-write ``incr``, each in a transaction — which
  made a public status query eleven statements instead of one);
- with ``REDIS_URL``, Django's cache in Redis (one ``INCR``), per window key with an expiry; while
  Redis cannot be reached (django-redis then answers ``None``, settings.cache) the database
  counter above counts instead, so a limit still holds and nobody gets a 500.

A limit that needs sharing only when a cache server is configured (the exchange's per-grant
rate, issue 12) asks ``local_without_redis``: without ``REDIS_URL`` it counts in this process's
memory (no statement at all), so N processes allow up to N times the rate.

Expired rows are deleted by the hourly throttle purge (``identity_throttle_purge``). Login
lock-outs are not here: they count rows of ``identity.LoginFailure``, which every node shares."""

import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import TooManyRequests
from .models import RateCounter

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TABLE = RateCounter._meta.db_table
# ``excluded`` is the row the INSERT proposed; SQLite (3.35+) and PostgreSQL both read this.
_COUNT = f"""
INSERT INTO {_TABLE} (key, slot, count, expires_at) VALUES (%s, %s, 1, %s)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {_TABLE}.slot = excluded.slot THEN {_TABLE}.count + 1 ELSE 1 END,
    slot = excluded.slot,
    expires_at = excluded.expires_at
RETURNING count
"""  # noqa: S608 (the table name is ours, the values are parameters)


# key → (window slot, count) of the counters kept in this process (``local_without_redis``)
_local: dict[str, tuple[int, int]] = {}
_local_lock = threading.Lock()


def _counted_locally(key: str, slot: int) -> int:
    with _local_lock:
        held = _local.get(key)
        count = held[1] + 1 if held is not None and held[0] == slot else 1
        _local[key] = (slot, count)
    return count


def local_clear() -> None:
    """Forget this process's counters (tests, whose grants' ids come round again)."""
    with _local_lock:
        _local.clear()


def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, window in seconds) from ``"30/m"``; raises ValueError on anything else."""
    count, _slash, unit = (rate or "").strip().partition("/")
    if not count.isdigit() or unit not in UNITS:
        raise ValueError(f"rate must look like '30/m', not {rate!r}")
    return int(count), UNITS[unit]


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _counted(key: str, slot: int, window: int, *, local_without_redis: bool = False) -> int:
    """One more request under ``key`` in window ``slot``; how many that window has had."""
    if settings.REDIS_URL:
        counted = _counted_in_cache(f"ratelimit:{key}:{slot}", window)
        if counted is not None:
            return counted
    elif local_without_redis:
        return _counted_locally(key, slot)
    expires = timezone.now() + timedelta(seconds=window)
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, [key, slot, connection.ops.adapt_datetimefield_value(expires)])
        return cursor.fetchone()[0]


def _counted_in_cache(windowed: str, window: int) -> int | None:
    """The count in Redis, or None when Redis did not answer: one ``INCR`` (which makes the
    window's key at 1), and the key's expiry set by the window's first request only."""
    counted = cache.incr(windowed, ignore_key_check=True)  # django-redis: a plain INCR
    if counted == 1:
        cache.expire(windowed, timeout=window + 1)
    return counted


def counters_purge(*, now: datetime) -> int:
    """Delete the database counters whose window has ended; how many went."""
    deleted, _by_model = RateCounter.objects.filter(expires_at__lt=now).delete()
    return deleted


def rate_limit(
    *,
    scope: str,
    client: str,
    rate: str,
    code: str = "rate_limited",
    message: str | None = None,
    local_without_redis: bool = False,
) -> None:
    """Count one request of ``client`` in ``scope``; past the rate, refuse with 429 under
    ``code``, saying ``message`` (with ``%(n)d``: the seconds until the window ends)."""
    limit, window = parse_rate(rate)
    used = _counted(
        f"{scope}:{client}"[:200],
        int(time.time() // window),
        window,
        local_without_redis=local_without_redis,
    )
    if used > limit:
        text = message or _("查询过于频繁，请 %(n)d 秒后再试。")
        raise TooManyRequests(code, text % {"n": window - int(time.time()) % window})

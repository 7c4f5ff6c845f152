"""A fixed-window request limit per client, kept in Django's cache.

Rates are written ``"<count>/<unit>"`` with unit ``s``, ``m``, ``h`` or ``d`` (``"30/m"``).
The cache is shared by every process and node (settings.cache): a table in the database by
default, Redis when ``REDIS_URL`` is set; either way one counter per client, scope and window,
incremented atomically (``INCR`` in Redis, a row lock in the database: ``core.cache``), so a
limit holds however many web nodes the requests are spread over. The users are the public
status query (``TONGBAN_STATUS_QUERY_RATE``, page and API) and the SMS code throttles per
client address and for the whole platform (``TONGBAN_OTP_IP_RATE``, ``TONGBAN_OTP_GLOBAL_RATE``).
Login lock-outs are not here: they count rows of ``identity.LoginFailure`` in the database,
which every node already shares."""

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import TooManyRequests

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, window in seconds) from ``"30/m"``; raises ValueError on anything else."""
    count, _slash, unit = (rate or "").strip().partition("/")
    if not count.isdigit() or unit not in UNITS:
        raise ValueError(f"rate must look like '30/m', not {rate!r}")
    return int(count), UNITS[unit]


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit(
    *,
    scope: str,
    client: str,
    rate: str,
    code: str = "rate_limited",
    message: str | None = None,
) -> None:
    """Count one request of ``client`` in ``scope``; past the rate, refuse with 429 under
    ``code``, saying ``message`` (with ``%(n)d``: the seconds until the window ends)."""
    limit, window = parse_rate(rate)
    slot = int(time.time() // window)
    key = f"ratelimit:{scope}:{client}:{slot}"
    cache.add(key, 0, timeout=window + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        used = 1
    if used > limit:
        text = message or _("查询过于频繁，请 %(n)d 秒后再试。")
        raise TooManyRequests(code, text % {"n": window - int(time.time()) % window})

"""Django's cache, shared by every process that uses the same database or Redis.

Rate limits (``core.ratelimit``: status queries, SMS codes per address and in all) and the
catalog's search version (``catalog.search.cache``) count and read here, so the cache must be
one for all web and worker nodes, never a per-process one. Without ``REDIS_URL`` it is a table
in the database (``tongban_cache``, created by every ``migrate``); with ``REDIS_URL`` it is that
Redis (django-redis), which takes the load off the database.
"""

import os

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tongban",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "tongban.core.cache.DatabaseCache",
            "LOCATION": "tongban_cache",
            # Culling past MAX_ENTRIES would drop live rate-limit counters: keep it far above
            # the keys one window holds (one per client address and scope).
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

"""Django's cache, shared by every process that uses the same database or Redis.

The catalog's search version (``catalog.search.cache``) is read here, and with ``REDIS_URL``
the rate limits count here too (``core.ratelimit``; without Redis they count in a table of their
own), so the cache must be one for all web and worker nodes, never a per-process one. Without
``REDIS_URL`` it is a table in the database (``tongban_cache``, created by every ``migrate``);
with ``REDIS_URL`` it is that Redis (django-redis), which takes the load off the database.

Redis going away must not turn pages into 500s: django-redis is told to ignore (and log) its
connection errors, so a read misses and a write is dropped; the search then reads its version
from the database and a rate limit counts in the database instead (``core.ratelimit``).
"""

import os

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tongban",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tongban_cache",
        }
    }

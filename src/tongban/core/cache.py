"""The database cache that every process shares when no Redis is configured (settings.cache).

Django's ``DatabaseCache.incr`` reads, adds and writes back without a lock, so two nodes
counting the same rate-limit key at once could both write 6 after 5, and it writes with the
default timeout, so an hourly window's counter would vanish after five minutes. Here ``incr``
holds the row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already lets
one writer in) and changes only the value, keeping the expiry ``add`` gave it.
"""

import base64
import pickle

from django.core.cache.backends import db
from django.core.management import call_command
from django.db import connections, router, transaction


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table = connection.ops.quote_name(self._table)
        cache_key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=alias):
            if connection.features.has_select_for_update:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
                        [cache_key],
                    )
            value = self.get(key, self._missing_key, version=version)
            if value is self._missing_key:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET value = %s WHERE cache_key = %s",  # noqa: S608
                    [pickled, cache_key],
                )
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)


def cache_table_create(*, using: str, **_signal) -> None:
    """After every ``migrate`` (the CLI's, an operator's, pytest-django's test database, a
    test's flush): create the cache table if the configured cache is a database one and the
    table is missing. A ``post_migrate`` receiver rather than a migration, because whether the
    table is needed depends on ``REDIS_URL``, not on the schema's history."""
    call_command("createcachetable", database=using, verbosity=0)

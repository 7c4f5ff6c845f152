"""The cache table every process shares when no Redis is configured (settings.cache)."""

from django.core.management import call_command


def cache_table_create(*, using: str, **_signal) -> None:
    """After every ``migrate`` (the CLI's, an operator's, pytest-django's test database, a
    test's flush): create the cache table if the configured cache is a database one and the
    table is missing. A ``post_migrate`` receiver rather than a migration, because whether the
    table is needed depends on ``REDIS_URL``, not on the schema's history."""
    call_command("createcachetable", database=using, verbosity=0)

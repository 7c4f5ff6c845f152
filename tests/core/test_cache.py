"""The default cache is a database table every process shares (settings.cache, core.cache)."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone


def _expires_after(key: str, moment) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM tongban_cache WHERE cache_key = %s AND expires > %s",
            [cache.make_key(key), connection.ops.adapt_datetimefield_value(moment)],
        )
        return cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_the_cache_table_is_made_by_migrate():
    assert "tongban_cache" in connection.introspection.table_names()


@pytest.mark.django_db
def test_incr_keeps_the_expiry_add_gave():
    assert cache.add("window", 0, timeout=3600)
    assert cache.incr("window") == 1
    assert cache.incr("window", 4) == 5
    assert cache.decr("window") == 4
    assert cache.get("window") == 4
    assert _expires_after("window", timezone.now() + timedelta(minutes=59))
    assert not _expires_after("window", timezone.now() + timedelta(minutes=61))


@pytest.mark.django_db
def test_incr_of_a_missing_or_expired_key_raises():
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")
    cache.set("gone", 3, timeout=-1)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("gone")


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_all_counted():
    cache.add("racing", 0, timeout=60)
    start = threading.Barrier(4)
    errors = []

    def count() -> None:
        try:
            start.wait()
            for _ in range(25):
                cache.incr("racing")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get("racing") == 100

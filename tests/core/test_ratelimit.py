"""Rate limits count in one row per scope and client (core.ratelimit), by one statement, and
every concurrent request is counted."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongban.core import ratelimit
from tongban.core.errors import TooManyRequests
from tongban.core.models import RateCounter


@pytest.mark.django_db
def test_the_third_request_of_two_a_minute_is_refused_and_says_when_to_retry(monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6000.0 + 15)  # 15 s into a minute
    for _ in range(2):
        ratelimit.rate_limit(scope="status", client="10.0.0.1", rate="2/m")
    with pytest.raises(TooManyRequests) as caught:
        ratelimit.rate_limit(scope="status", client="10.0.0.1", rate="2/m")
    assert (caught.value.code, caught.value.message) == (
        "rate_limited",
        "查询过于频繁，请 45 秒后再试。",
    )
    ratelimit.rate_limit(scope="status", client="10.0.0.2", rate="2/m")  # another client
    ratelimit.rate_limit(scope="otp", client="10.0.0.1", rate="2/m")  # another scope
    counter = RateCounter.objects.get(key="status:10.0.0.1")
    assert (counter.slot, counter.count) == (100, 3)


@pytest.mark.django_db
def test_a_new_window_starts_the_count_again(monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6059.0)
    for _ in range(2):
        ratelimit.rate_limit(scope="status", client="c", rate="2/m")
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6060.0)
    ratelimit.rate_limit(scope="status", client="c", rate="2/m")
    counter = RateCounter.objects.get(key="status:c")
    assert (counter.slot, counter.count) == (101, 1)


@pytest.mark.django_db
def test_a_request_is_counted_by_one_statement():
    ratelimit.rate_limit(scope="status", client="c", rate="5/m")
    with CaptureQueriesContext(connection) as queries:
        ratelimit.rate_limit(scope="status", client="c", rate="5/m")
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_the_purge_deletes_only_ended_windows():
    ratelimit.rate_limit(scope="status", client="old", rate="5/m")
    ratelimit.rate_limit(scope="status", client="new", rate="5/h")
    assert ratelimit.counters_purge(now=timezone.now() + timedelta(minutes=2)) == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["status:new"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_all_counted():
    start = threading.Barrier(4)
    errors = []

    def count() -> None:
        try:
            start.wait()
            for _ in range(25):
                ratelimit.rate_limit(scope="racing", client="c", rate="1000/h")
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
    assert RateCounter.objects.get(key="racing:c").count == 100


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "KEY_PREFIX": "tongban",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
    }
}


@pytest.mark.django_db
def test_while_redis_is_unreachable_the_limit_counts_in_the_database(settings, monkeypatch):
    settings.REDIS_URL, settings.CACHES = "redis://127.0.0.1:1/0", DEAD_REDIS
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6000.0)
    for _ in range(2):
        ratelimit.rate_limit(scope="status", client="10.0.0.9", rate="2/m")
    with pytest.raises(TooManyRequests):
        ratelimit.rate_limit(scope="status", client="10.0.0.9", rate="2/m")
    assert RateCounter.objects.get(key="status:10.0.0.9").count == 3


@pytest.mark.django_db
def test_while_redis_is_unreachable_pages_and_search_still_answer(client, settings):
    settings.REDIS_URL, settings.CACHES = "redis://127.0.0.1:1/0", DEAD_REDIS
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/catalog/search", {"q": "居住证"}).status_code == 200


def test_with_redis_url_the_cache_ignores_and_logs_redis_errors(monkeypatch):
    import importlib

    from tongban.settings import cache as cache_settings

    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    try:
        configured = importlib.reload(cache_settings)
        assert configured.CACHES["default"]["OPTIONS"] == {"IGNORE_EXCEPTIONS": True}
        assert configured.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS is True
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(cache_settings)

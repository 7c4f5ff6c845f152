"""Shared fixtures: factories over the real services, and a real Chromium for e2e journeys.

Browser and PostgreSQL tests never skip under CI=true: a missing browser or database fails the run.
"""

import os
import shutil
import subprocess
import sys

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's guard against
# database calls from async code would otherwise refuse the test's own ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _chromium_executable() -> str | None:
    """Debian's chromium (as CI installs it), else a browser Playwright itself installed."""
    explicit = os.environ.get("TONGBAN_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _playwright_managed_browser_ready(playwright) -> bool:
    path = playwright.chromium.executable_path
    if os.path.exists(path):
        return True
    if IN_CI:
        return False
    # A fresh developer machine: let Playwright fetch its own Chromium once.
    done = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"],
        capture_output=True,
        timeout=600,
        check=False,
    )
    return done.returncode == 0 and os.path.exists(path)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = _chromium_executable()
        if executable is None and not _playwright_managed_browser_ready(playwright):
            message = "no Chromium: install Debian's chromium or run `playwright install chromium`"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages in fresh browser contexts: each another person, with their own cookies."""
    contexts = []

    def _new_page():
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def outbox_enabled(settings):
    settings.TONGBAN_DEMO_OUTBOX = True


@pytest.fixture
def make(db):
    from tests import factories

    return factories


@pytest.fixture(autouse=True)
def _fresh_search_index():
    """Each test's database starts over, so the catalog's per-process search index must too."""
    from tongban.catalog import search

    search.reset_index()
    yield
    search.reset_index()


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Likewise the per-process working-day calendar (``core.workdays``): a test's rolled-back
    holidays must not outlive it within the calendar's TTL."""
    from tongban.core import workdays

    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture(autouse=True)
def _fresh_credential_cache():
    """And the keys and status bits online verification keeps per process
    (``credentials.online``): a licence revoked in a rolled-back test must not stay revoked for
    the next test's licence that takes the same status-list row and index."""
    from tongban.credentials import online

    online.cache_clear()
    yield
    online.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_exchange_cache():
    """And what exchange calls keep per process (``exchange.cached``: tokens, resources, live
    grants, the receipt key) and the per-grant rate counters kept in memory without Redis
    (``core.ratelimit``): ids come round again in the next test's database."""
    from tongban.core import ratelimit
    from tongban.exchange import cached

    cached.cache_clear()
    ratelimit.local_clear()
    yield
    cached.cache_clear()
    ratelimit.local_clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in another language leaves it active on the thread; put Chinese back."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


_DB_FIXTURES = ("transactional_db", "live_server", "db")


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Rate limits count in Django's cache; every test starts with none used.

    The cache is a database table by default (settings.cache), so only a test that may use the
    database can use the cache, and its database is set up before the cache is emptied. A test
    in a rolled-back transaction would not need it; flushed (transactional) tests do."""
    from django.core.cache import cache

    wanted = [name for name in _DB_FIXTURES if name in request.fixturenames]
    if wanted or request.node.get_closest_marker("django_db"):
        request.getfixturevalue(wanted[0] if wanted else "_django_db_helper")
        cache.clear()
    yield


_run_began: dict = {}


def pytest_configure(config):
    """The city's date when the run began, read before any test module is collected: modules
    compute dates such as TOMORROW when they are collected, so a run that crosses midnight
    must keep that day (``clock_at_noon``)."""
    from django.utils import timezone

    _run_began["day"] = timezone.localdate()


@pytest.fixture
def clock_at_noon(monkeypatch):
    """Noon of the day the run began, with time still passing: for tests that need a slot
    later today (or check-in on the day) and must not depend on when the suite runs, e.g. near
    midnight, or across it."""
    from django.utils import timezone

    real_now = timezone.now
    _session_day = _run_began["day"]
    noon = timezone.localtime().replace(
        year=_session_day.year,
        month=_session_day.month,
        day=_session_day.day,
        hour=12,
        minute=0,
        second=0,
        microsecond=0,
    )
    offset = noon - timezone.localtime()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)

"""This process's search index, kept in step with the database.

Built in each process from the published versions, at start-up in a background thread when
``TONGBAN_SEARCH_WARM`` is set (``tongban serve`` and ``tongban demo`` set it), otherwise on
first use; it is kept in step by
``CatalogState.search_version``: every publish bumps it and stamps the item with the new
value; a process whose index is older reloads just the items stamped after its version. So
several gunicorn workers agree without a search server, and a publish is searchable at once.
Themes are few and are reloaded whenever the version moves.

A search does not ask the database for the version. Each process keeps the version it last
read for ``TONGBAN_SEARCH_VERSION_TTL`` seconds (2 by default), then reads it from the shared
cache (settings.cache), falling back to the database row. A publish, once committed, writes
its new version to the shared cache, so every node sees it within the TTL; the process that
published forgets its copy at once and reads the database on its next search (its own
transaction's bump is visible there before the commit, and a rolled-back bump never is).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .index import Index, Result, build_index, doc_from_row

log = logging.getLogger(__name__)

_index: Index | None = None
# Held while the index is read or updated: a threaded server must not search a dict that
# another thread is updating. Gunicorn sync workers (one request at a time) never contend.
_lock = threading.RLock()


def _build_current(version: int) -> Index:
    from .. import selectors

    return build_index(selectors.search_rows(), version, selectors.search_themes())


VERSION_KEY = "catalog:search_version"
# How long the shared cache holds the version: long, since every publish overwrites it; the
# expiry only bounds how long a wrong value (an operator's restore) could outlive a check.
_VERSION_KEY_TIMEOUT = 3600
# (version, time.monotonic() when read), or None: read the database next.
_known: tuple[int, float] | None = None
_clock = time.monotonic


def search_version() -> int:
    """The catalog's search version as this process last saw it, at most
    ``TONGBAN_SEARCH_VERSION_TTL`` seconds old; then the shared cache's, else the database's."""
    from .. import selectors

    global _known
    known = _known
    if known is not None and _clock() - known[1] < settings.TONGBAN_SEARCH_VERSION_TTL:
        return known[0]
    version = cache.get(VERSION_KEY) if known is not None else None
    if version is None:
        version = selectors.search_version()
        cache.add(VERSION_KEY, version, timeout=_VERSION_KEY_TIMEOUT)
    _known = (version, _clock())
    return version


def version_bumped(version: int) -> None:
    """The catalog's search version became ``version`` in the current transaction: this
    process reads the database on its next search, and other nodes read the new version from
    the shared cache once the transaction commits (before that it would name rows they cannot
    see yet)."""
    global _known
    _known = None
    transaction.on_commit(
        lambda: cache.set(VERSION_KEY, version, timeout=_VERSION_KEY_TIMEOUT), robust=True
    )


def current_index() -> Index:
    """This process's index, caught up with the catalog's search version (see
    ``search_version``: within the TTL a warm search makes no query at all)."""
    from .. import selectors

    global _index
    version = search_version()
    index = _index
    if index is not None and index.version == version:
        return index
    with _lock:
        index = _index
        if index is not None and version < index.version:
            # The shared cache is behind this index only when two publishes' writes crossed;
            # the database says whether the catalog really went back (a restore, a test).
            version = selectors.search_version()
            if version == index.version:
                cache.set(VERSION_KEY, version, timeout=_VERSION_KEY_TIMEOUT)
                return index
        if index is None or version < index.version:
            _index = _build_current(version)
        elif index.version != version:
            changed = selectors.search_rows(changed_after=index.version)
            if changed is None:  # too many changes: rebuild
                _index = _build_current(version)
            else:
                for doc_id, row in changed:
                    if row is None:
                        index.remove(doc_id)
                    else:
                        index.add(doc_from_row(row))
                index.set_themes(selectors.search_themes())
                index.version = version
        return _index


def warm_in_background() -> threading.Thread:
    """Build this process's index in a daemon thread at start-up, so that the first search
    does not wait for it (seconds: jieba's dictionary, pypinyin, every published item). A
    search arriving meanwhile waits on the lock for the same build instead of starting another."""

    def build() -> None:
        from django.db import connection

        try:
            with _lock:
                current_index()
        except Exception:
            log.exception("search index warm-up failed; the first search will build it")
        finally:
            connection.close()

    thread = threading.Thread(target=build, name="search-index-warm", daemon=True)
    thread.start()
    return thread


def reset_index() -> None:
    from .. import selectors

    global _index, _known
    with _lock:
        _index = None
        _known = None
        selectors.published_forget()


def search(q: str, **filters) -> Result:
    with _lock:
        return current_index().search(q, **filters)

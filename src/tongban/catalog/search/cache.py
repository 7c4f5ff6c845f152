"""This process's search index, kept in step with the database.

Built in each process from the published versions, at start-up in a background thread when
``TONGBAN_SEARCH_WARM`` is set (``tongban serve`` and ``tongban demo`` set it), otherwise on
first use; it is kept in step by
``CatalogState.search_version``: every publish bumps it and stamps the item with the new
value; a process whose index is older reloads just the items stamped after its version. So
several gunicorn workers agree without a search server, and a publish is searchable at once.
Themes are few and are reloaded whenever the version moves.
"""

from __future__ import annotations

import logging
import threading

from .index import Index, Result, build_index, doc_from_row

log = logging.getLogger(__name__)

_index: Index | None = None
# Held while the index is read or updated: a threaded server must not search a dict that
# another thread is updating. Gunicorn sync workers (one request at a time) never contend.
_lock = threading.RLock()


def _build_current(version: int) -> Index:
    from .. import selectors

    return build_index(selectors.search_rows(), version, selectors.search_themes())


def current_index() -> Index:
    """This process's index, caught up with the database's search version."""
    from .. import selectors

    global _index
    version = selectors.search_version()
    index = _index
    if index is not None and index.version == version:
        return index
    with _lock:
        index = _index
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
    global _index
    with _lock:
        _index = None


def search(q: str, **filters) -> Result:
    with _lock:
        return current_index().search(q, **filters)

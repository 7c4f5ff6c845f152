"""A hot read's SQL compiled once per connection, not on every call.

Django compiles a queryset to SQL each time it runs it: for a one-row read joined to two
tables that is most of the read's cost in Python (bench/exchange_query.py measured it on the
exchange's record read). ``first_row`` compiles a ``values_list`` queryset the first time this
connection runs it under ``name``, keeps its SQL and compiler on the connection, and from then
on sends the SQL with the call's parameters and converts the row with the kept compiler (so a
sealed field is decrypted and a date is a date, as the queryset would give them). On
PostgreSQL the SQL is also prepared on the session (``PREPARE``, outside any transaction), so
the server does not plan the join again on every call: half the read's time, measured.

The queryset must be built the same way every time, with its parameters in the order
``params`` gives them (a placeholder value when it is compiled: only its position counts)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet

_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> tuple[str, int]:
    """``%s`` placeholders as PostgreSQL's ``$1``, ``$2`` …, and how many there are."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group(0) == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


def first_row(
    name: str, model: type[Model], build: Callable[[], QuerySet], params: Sequence[object]
) -> tuple | None:
    """The first row of ``build()`` (a ``values_list`` queryset of ``model``, sliced ``[:1]``)
    with ``params`` in place of the values it was built with; None when there is none."""
    using = router.db_for_read(model)
    connection = connections[using]
    kept: dict[str, tuple[str, object]] = connection.__dict__.setdefault("tongban_compiled", {})
    entry = kept.get(name)
    if entry is None:
        compiler = build().query.get_compiler(using=using)
        sql, _params = compiler.as_sql()
        entry = kept[name] = (sql, compiler)
    sql, compiler = entry
    with connection.cursor() as cursor:
        prepared = _prepared(connection, name, sql) if connection.vendor == "postgresql" else None
        cursor.execute(prepared or sql, list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    rows = compiler.results_iter(results=[[row]], tuple_expected=True)  # type: ignore[attr-defined]
    return next(iter(rows))


def _prepared(connection, name: str, sql: str) -> str | None:
    """``EXECUTE`` of ``sql`` prepared on this PostgreSQL session (once per session: a new
    connection prepares it again), so the server neither parses nor plans it again. It is
    prepared only outside a transaction (a ``PREPARE`` in one that rolls back is undone):
    inside one, before that, None — send the SQL itself."""
    session = connection.connection
    held = connection.__dict__.get("tongban_prepared")
    if held is None or held[0] is not session:
        held = connection.__dict__["tongban_prepared"] = (session, {})
    statements: dict[str, str] = held[1]
    execute = statements.get(name)
    if execute is None and connection.in_atomic_block:
        return None
    if execute is None:
        ident = "tongban_" + re.sub(r"[^a-z0-9_]", "_", name.lower())
        numbered, count = _numbered(sql)
        with connection.cursor() as cursor:
            cursor.execute(f"PREPARE {ident} AS {numbered}")  # no parameters: sent as it is
        placeholders = ", ".join(["%s"] * count)
        execute = statements[name] = (
            f"EXECUTE {ident}({placeholders})" if count else (f"EXECUTE {ident}")
        )
    return execute

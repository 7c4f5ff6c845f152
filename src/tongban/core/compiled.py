"""A hot read's SQL compiled once per connection, not on every call.

Django compiles a queryset to SQL each time it runs it: for a one-row read joined to two
tables that is most of the read's cost in Python (bench/exchange_query.py measured it on the
exchange's record read). ``first_row`` compiles a ``values_list`` queryset the first time this
connection runs it under ``name``, keeps its SQL and compiler on the connection, and from then
on sends the SQL with the call's parameters and converts the row with the kept compiler (so a
sealed field is decrypted and a date is a date, as the queryset would give them).

The queryset must be built the same way every time, with its parameters in the order
``params`` gives them (a placeholder value when it is compiled: only its position counts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet


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
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    rows = compiler.results_iter(results=[[row]], tuple_expected=True)  # type: ignore[attr-defined]
    return next(iter(rows))

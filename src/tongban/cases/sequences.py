"""Gap-free counters by key (case numbers, queue numbers): one row per key, incremented by one
statement (an upsert) under that row's lock, so concurrent callers never get the same number.

Gap-free holds because the increment is part of the caller's transaction: a caller that rolls
back gives the number back, and the row stays locked until the caller commits, so the next
caller waits and takes the number after the last committed one. The row is therefore held from
the increment to the commit: callers take a number as late as they can. A case gets its number
when it is submitted (``cases.services._common._numbered``), in the last statements of the
submit transaction (its two transitions and the audit batch), not when its draft is made; so
submissions of one region and day queue on that row for the commit only, not for the whole
request.

The law does not ask for gap-free numbers: 办件编号 must be unique and traceable, and only
invoices (发票) must be numbered without gaps. We keep them gap-free because the lock is short.
Should numbering ever move to its own short transaction, numbers would become "unique and
increasing, may skip" and this docstring, docs/architecture.md and the README must say so."""

from django.db import connection

from .models import NumberSequence

# PostgreSQL and SQLite (≥ 3.35) alike: insert 1 for a new key, else add 1, under the row lock.
_UPSERT = (
    'INSERT INTO {t} ("key", "last") VALUES (%s, 1) '
    'ON CONFLICT ("key") DO UPDATE SET "last" = {t}."last" + 1 RETURNING "last"'
)


def sequence_next(key: str) -> int:
    """The next number for ``key`` (1 for a new key), inside the caller's transaction."""
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(t=table), [key])
        return cursor.fetchone()[0]

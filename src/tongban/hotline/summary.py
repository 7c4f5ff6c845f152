"""The hotline's summary table (``TicketWeek``): what each ticket counts for, kept as tickets
move and rebuilt from them in bulk.

``tally`` says what one ticket counts for (its row's key and its counters, a pure function of
the ticket's columns). ``count`` moves a ticket's counts from what it was when read to what it
is now, in one upsert, inside the verb's transaction: ``states.event`` calls it, and every
verb writes an event after saving the ticket. ``rebuild`` recomputes every row from the
tickets in one ``INSERT ... SELECT`` (the same sums as ``tally``, in SQL)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, ExpressionWrapper, F, Func, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .choices import TicketState as S
from .choices import Warning
from .models import TALLIED, Ticket, TicketWeek

KEY = ("week", "category_pk", "district", "street", "channel")
COUNTERS = (
    "filed", "replied", "on_time", "overdue", "called", "solved", "satisfied", "closed",
    "reopened", "open", "red", "yellow",
)  # fmt: skip
OPEN = (S.DISPATCHED, S.RETURNED, S.ACCEPTED, S.HANDLING)  # as ``states.OPEN``
DONE = (S.ANSWERED, S.CLOSED)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_day(value) -> date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def tally(t: dict) -> tuple[tuple, tuple[int, ...]]:
    """The row a ticket (its ``TALLIED`` columns) counts in, and what it adds to each of
    ``COUNTERS`` there."""
    key = (
        monday(_local_day(t["received_at"])),
        t["category_id"] or t["suggested_category_id"] or 0,
        t["district_id"],
        t["street_id"] or "",
        t["channel"],
    )
    replied, due = t["replied_at"], t["due"]
    late = bool(replied and due and _local_day(replied) > due)
    on_clock = t["state"] in OPEN
    counts = (
        1,
        replied is not None,
        bool(replied and due and not late),
        late or t["warning"] == Warning.RED,
        t["solved"] is not None,
        t["solved"] is True,
        t["satisfied"] is True,
        t["state"] in DONE,
        t["reopen_count"] or 0,
        on_clock,
        on_clock and t["warning"] == Warning.RED,
        on_clock and t["warning"] == Warning.YELLOW,
    )
    return key, tuple(int(c) for c in counts)


class SummaryError(RuntimeError):
    """A verb changed a counted column of a ticket read without it (``only``/``defer``): its
    old count is unknown. Read the whole ticket before changing it."""


def count(ticket: Ticket) -> None:
    """Move ``ticket``'s counts in the summary from what it was when read (nothing, for a
    ticket made in this process) to what it is now: no statement when they are the same, else
    one upsert of one row (or two, when its row changed: -1 from the old, +1 to the new)."""
    was = getattr(ticket, "_tallied", None)
    if was is not None and len(was) < len(TALLIED):  # read with only(): changed nothing counted?
        deferred = ticket.get_deferred_fields()
        missing = TALLIED - was.keys()
        if missing <= deferred and all(getattr(ticket, f) == v for f, v in was.items()):
            return
        raise SummaryError(ticket.pk)
    now = {name: getattr(ticket, name) for name in TALLIED}
    ticket._tallied = now
    deltas: dict[tuple, list[int]] = {}
    new_key, new = tally(now)
    deltas[new_key] = list(new)
    if was is not None:
        old_key, old = tally(was)
        row = deltas.setdefault(old_key, [0] * len(COUNTERS))
        for i, v in enumerate(old):
            row[i] -= v
    rows = [(*key, *d) for key, d in deltas.items() if any(d)]
    if rows:
        _upsert(rows)


def _upsert(rows: list[tuple]) -> None:
    table = connection.ops.quote_name(TicketWeek._meta.db_table)
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in (*KEY, *COUNTERS))
    one = "(" + ", ".join(["%s"] * (len(KEY) + len(COUNTERS))) + ")"
    sets = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in COUNTERS)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(rows))} "  # noqa: S608 (names ours, values parameters)
        f"ON CONFLICT ({', '.join(q(c) for c in KEY)}) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for row in rows for v in row])


class _Monday(Func):
    """The Monday of a date's week, in SQL."""

    output_field = TicketWeek._meta.get_field("week")

    def as_sql(self, compiler, connection, **extra):
        inner, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"(DATE_TRUNC('week', {inner}))::date", params
        if connection.vendor == "sqlite":
            return f"DATE({inner}, 'weekday 0', '-6 days')", params
        raise NotImplementedError(connection.vendor)


_SELECTED = ("k_week", "k_category", "district_id", "k_street", "channel")  # as KEY


def _tallied_tickets():
    """``tally`` over all tickets, grouped by row, in the order ``KEY`` + ``COUNTERS``."""
    replied = Q(replied_at__isnull=False)
    has_due = Q(due__isnull=False)
    late = replied & has_due & Q(replied_at__date__gt=F("due"))
    on_clock = Q(state__in=OPEN)

    def n(condition):
        return Count("pk", filter=condition)

    return (
        Ticket.objects.annotate(
            k_week=_Monday(TruncDate("received_at")),
            k_category=Coalesce("category_id", "suggested_category_id", Value(0)),
            k_street=Coalesce("street_id", Value("")),
        )
        .values(*_SELECTED)
        .annotate(
            filed=Count("pk"),
            replied=n(replied),
            on_time=n(replied & has_due & Q(replied_at__date__lte=F("due"))),
            overdue=n(late | Q(warning=Warning.RED)),
            called=n(Q(solved__isnull=False)),
            solved=n(Q(solved=True)),
            satisfied=n(Q(satisfied=True)),
            closed=n(Q(state__in=DONE)),
            reopened=Coalesce(
                Sum(ExpressionWrapper(F("reopen_count"), output_field=IntegerField())), 0
            ),
            open=n(on_clock),
            red=n(on_clock & Q(warning=Warning.RED)),
            yellow=n(on_clock & Q(warning=Warning.YELLOW)),
        )
        .order_by()
    )


def rebuild() -> int:
    """Every summary row recomputed from the tickets (the seed's last step; ``tongban hotline
    summarize`` after a repair). Call it in a transaction: it empties the table first.
    Returns the rows written."""
    TicketWeek.objects.all().delete()
    sql, params = _tallied_tickets().query.sql_with_params()
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in (*KEY, *COUNTERS))
    picked = ", ".join(q(c) for c in (*_SELECTED, *COUNTERS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(TicketWeek._meta.db_table)} ({columns}) "  # noqa: S608 (names ours)
            f"SELECT {picked} FROM ({sql}) AS tallied",
            params,
        )
        return cursor.rowcount

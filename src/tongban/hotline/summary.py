"""The hotline's summary tables (``TicketWeek``, ``StreetWeek``): what each ticket counts for,
kept as tickets move and rebuilt from them in bulk.

``tally`` says what one ticket counts for (its row's key and its counters in each table, a
pure function of the ticket's columns). ``count`` moves a ticket's counts from what it was
when read to what it is now, one upsert per table whose counts changed, inside the verb's
transaction: ``states.event`` calls it, and every verb writes an event after saving the
ticket. ``rebuild`` recomputes every row from the tickets, one ``INSERT ... SELECT`` per
table (the same sums as ``tally``, in SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, ExpressionWrapper, F, Func, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .choices import TicketChannel as C
from .choices import TicketState as S
from .choices import Warning
from .models import TALLIED, StreetWeek, Ticket, TicketWeek

KEY = ("week", "category_pk", "district", "channel")
COUNTERS = (
    "filed", "replied", "on_time", "overdue", "called", "solved", "satisfied", "closed",
    "reopened", "open", "red", "yellow",
)  # fmt: skip
STREET_KEY = ("week", "street", "category_pk", "district")  # unique on the first three
STREET_COUNTERS = ("grid", "citizens")
OPEN = (S.DISPATCHED, S.RETURNED, S.ACCEPTED, S.HANDLING)  # as ``states.OPEN``
DONE = (S.ANSWERED, S.CLOSED)
CITIZENS = (C.PHONE, C.WEB, C.MOBILE, C.OPEN311)  # a grid patrol's or a system's are not


@dataclass(frozen=True)
class _Table:
    model: type
    key: tuple[str, ...]
    unique: tuple[str, ...]
    counters: tuple[str, ...]


WEEK = _Table(TicketWeek, KEY, KEY, COUNTERS)
STREET = _Table(StreetWeek, STREET_KEY, STREET_KEY[:3], STREET_COUNTERS)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_day(value) -> date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def tally(t: dict) -> dict[_Table, tuple[tuple, tuple[int, ...]]]:
    """The rows a ticket (its ``TALLIED`` columns) counts in, one per table (none in
    ``StreetWeek`` without a street), with what it adds to each counter there."""
    week = monday(_local_day(t["received_at"]))
    category = t["category_id"] or t["suggested_category_id"] or 0
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
    rows = {WEEK: ((week, category, t["district_id"], t["channel"]), tuple(map(int, counts)))}
    if t["street_id"]:
        street = (int(t["channel"] == C.GRID), int(t["channel"] in CITIZENS))
        rows[STREET] = ((week, t["street_id"], category, t["district_id"]), street)
    return rows


class SummaryError(RuntimeError):
    """A verb changed a counted column of a ticket read without it (``only``/``defer``): its
    old count is unknown. Read the whole ticket before changing it."""


def count(ticket: Ticket) -> None:
    """Move ``ticket``'s counts in the summary from what it was when read (nothing, for a
    ticket made in this process) to what it is now: no statement where they are the same, else
    one upsert per table, of one row (or two, when its row changed: -1 from the old, +1 to
    the new)."""
    was = getattr(ticket, "_tallied", None)
    if was is not None and len(was) < len(TALLIED):  # read with only(): changed nothing counted?
        deferred = ticket.get_deferred_fields()
        missing = TALLIED - was.keys()
        if missing <= deferred and all(getattr(ticket, f) == v for f, v in was.items()):
            return
        raise SummaryError(ticket.pk)
    now = {name: getattr(ticket, name) for name in TALLIED}
    ticket._tallied = now
    deltas: dict[_Table, dict[tuple, list[int]]] = {}
    for table, (key, counts) in tally(now).items():
        deltas.setdefault(table, {})[key] = list(counts)
    if was is not None:
        for table, (key, counts) in tally(was).items():
            row = deltas.setdefault(table, {}).setdefault(key, [0] * len(table.counters))
            for i, v in enumerate(counts):
                row[i] -= v
    for table, by_key in deltas.items():
        # in key order: two verbs moving tickets between the same rows lock them alike
        rows = sorted((*key, *d) for key, d in by_key.items() if any(d))
        if rows:
            _upsert(table, rows)


def _upsert(table: _Table, rows: list[tuple]) -> None:
    q = connection.ops.quote_name
    name = q(table.model._meta.db_table)
    columns = ", ".join(q(c) for c in (*table.key, *table.counters))
    one = "(" + ", ".join(["%s"] * (len(table.key) + len(table.counters))) + ")"
    sets = ", ".join(f"{q(c)} = {name}.{q(c)} + EXCLUDED.{q(c)}" for c in table.counters)
    sql = (
        f"INSERT INTO {name} ({columns}) VALUES {', '.join([one] * len(rows))} "  # noqa: S608 (names ours, values parameters)
        f"ON CONFLICT ({', '.join(q(c) for c in table.unique)}) DO UPDATE SET {sets}"
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


def _keyed():
    return Ticket.objects.annotate(
        k_week=_Monday(TruncDate("received_at")),
        k_category=Coalesce("category_id", "suggested_category_id", Value(0)),
    )


def _n(condition):
    return Count("pk", filter=condition)


def _week_rows():
    """``tally`` over all tickets into ``TicketWeek`` rows (``KEY`` + ``COUNTERS``)."""
    replied = Q(replied_at__isnull=False)
    has_due = Q(due__isnull=False)
    late = replied & has_due & Q(replied_at__date__gt=F("due"))
    on_clock = Q(state__in=OPEN)
    return (
        _keyed()
        .values("k_week", "k_category", "district_id", "channel")
        .annotate(
            filed=Count("pk"),
            replied=_n(replied),
            on_time=_n(replied & has_due & Q(replied_at__date__lte=F("due"))),
            overdue=_n(late | Q(warning=Warning.RED)),
            called=_n(Q(solved__isnull=False)),
            solved=_n(Q(solved=True)),
            satisfied=_n(Q(satisfied=True)),
            closed=_n(Q(state__in=DONE)),
            reopened=Coalesce(
                Sum(ExpressionWrapper(F("reopen_count"), output_field=IntegerField())), 0
            ),
            open=_n(on_clock),
            red=_n(on_clock & Q(warning=Warning.RED)),
            yellow=_n(on_clock & Q(warning=Warning.YELLOW)),
        )
        .order_by()
    ), ("k_week", "k_category", "district_id", "channel")


def _street_rows():
    """``tally`` over the tickets with a street into ``StreetWeek`` rows."""
    return (
        _keyed()
        .filter(street__isnull=False, channel__in=[C.GRID, *CITIZENS])
        .values("k_week", "street_id", "k_category", "district_id")
        .annotate(grid=_n(Q(channel=C.GRID)), citizens=_n(Q(channel__in=CITIZENS)))
        .order_by()
    ), ("k_week", "street_id", "k_category", "district_id")


def rebuild() -> int:
    """Every summary row recomputed from the tickets (the seed's last step; ``tongban hotline
    summarize`` after a repair), one ``INSERT ... SELECT`` per table. Call it in a
    transaction: it empties the tables first. Returns the rows written."""
    q = connection.ops.quote_name
    written = 0
    for table, (query, selected) in ((WEEK, _week_rows()), (STREET, _street_rows())):
        table.model.objects.all().delete()
        sql, params = query.query.sql_with_params()
        columns = ", ".join(q(c) for c in (*table.key, *table.counters))
        picked = ", ".join(q(c) for c in (*selected, *table.counters))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {q(table.model._meta.db_table)} ({columns}) "  # noqa: S608 (names ours)
                f"SELECT {picked} FROM ({sql}) AS tallied",
                params,
            )
            written += cursor.rowcount
    return written

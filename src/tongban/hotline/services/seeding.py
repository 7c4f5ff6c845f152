"""A synthetic year of tickets for the demo and the benchmarks (``tongban seed --tickets N``):
planned by ``hotline.synthetic``, written in batches with their key transitions."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.registries import selectors as registries_selectors

from .. import summary, synthetic
from ..choices import EventKind
from ..errors import HotlineError, invalid
from ..models import Ticket, TicketEvent
from ._common import categories_by_code, duties_at, responsible, service

BATCH = 5000
MAX_TICKETS = 5_000_000
# What differs from one seeded ticket to the next, in the order ``ticket_seed_year`` lists it;
# every other column is the model's default.
VARYING = (
    "number", "channel", "kind", "state", "text", "address", "lat", "lng", "district_id",
    "street_id", "grid_id", "place_id", "category_id", "suggested_category_id", "department_id",
    "answer", "received_at", "dispatched_at", "accepted_at", "replied_at", "closed_at", "due",
    "solved", "satisfied", "reopen_count",
)  # fmt: skip
EVENT_COLUMNS = ("ticket_id", "at", "kind", "from_state", "to_state", "department_id", "note",
                 "details")  # fmt: skip


def ticket_seed_departments() -> dict[str, str]:
    """The city-level departments the shipped responsibility list names (code → name), for a
    demo that has to create them."""
    from .. import dataset

    return dict(dataset.tree()["departments"]["city"])


def _events(rows: list[tuple], ids, planned, stamp) -> list[tuple]:
    """The key transitions of each planned ticket, as ``EVENT_COLUMNS`` rows."""
    department = VARYING.index("department_id")
    return [
        (
            pk,
            stamp(e.at),
            EventKind.TRANSITION,
            e.from_state,
            e.to_state,
            row[department] if e.department else None,
            "",
            "{}",
        )
        for row, pk, p in zip(rows, ids, planned, strict=True)
        for e in p.events or []
    ]


def _bulk_batch(rows: list[tuple], planned, stamp) -> None:
    """SQLite and the rest: ``bulk_create``, the ids read back where the backend returns none."""
    tickets = [Ticket(**dict(zip(VARYING, row, strict=True))) for row in rows]
    Ticket.objects.bulk_create(tickets, batch_size=BATCH)
    if tickets and tickets[0].pk is None:
        ids = dict(
            Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list(
                "number", "pk"
            )
        )
        for ticket in tickets:
            ticket.pk = ids[ticket.number]
    events = [
        TicketEvent(**dict(zip(EVENT_COLUMNS, e, strict=True)) | {"details": {}})
        for e in _events(rows, [t.pk for t in tickets], planned, stamp)
    ]
    TicketEvent.objects.bulk_create(events, batch_size=BATCH)


def _constant_columns() -> tuple[list[str], tuple]:
    """The columns a seeded ticket leaves at the model's default, with their stored values
    (prepared once, as ``save`` would)."""
    blank = Ticket()
    columns, values = [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key or field.attname in VARYING:
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.pre_save(blank, True), connection))
    return columns, tuple(values)


def _copy_batch(rows: list[tuple], planned, stamp) -> None:
    """PostgreSQL: the batch's ids drawn from the sequence, then tickets and events each
    written by one ``COPY``."""
    columns, constant = _constant_columns()
    column = {f.attname: f.column for f in Ticket._meta.concrete_fields}
    varying = [column[name] for name in VARYING]
    table, events_table = Ticket._meta.db_table, TicketEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        raw = cursor.cursor  # psycopg 3's own cursor, for COPY
        names = ", ".join(f'"{c}"' for c in ["id", *varying, *columns])
        with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row, *constant))
        names = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
        with raw.copy(f'COPY "{events_table}" ({names}) FROM STDIN') as copy:
            for event in _events(rows, ids, planned, stamp):
                copy.write_row(event)


def _prefix(seed: int) -> str:
    return f"{synthetic.NUMBER_PREFIX}{seed % 10000:04d}"


@service
def ticket_seed_year(*, count: int, seed: int = 0, today: date | None = None, progress=None) -> int:
    """``count`` tickets over the 365 days to ``today`` from ``seed``, numbered
    ``SD<seed><index>`` (a range the live ``GD`` sequence never issues, so no day's live
    numbers have gaps). Idempotent: the tickets of this seed already held are not planned
    again, so a re-run adds nothing and a larger ``count`` adds only the rest. Returns the
    tickets added."""
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_TICKETS:
        message = _("工单数须为 0 到 %(max)s 的整数。") % {"max": MAX_TICKETS}
        raise invalid(HotlineError.SEED_COUNT, message, "count")
    prefix = _prefix(seed)
    held = Ticket.objects.filter(number__startswith=prefix).count()
    if held >= count:
        return 0
    places = registries_selectors.addresses_sample()
    if not places:
        raise invalid(HotlineError.LOCATION_NOT_FOUND, _("地址库为空，无法生成工单。"), "count")
    today = today or timezone.localdate()
    plan = synthetic.Plan(seed=seed, today=today, districts_of=[p.district_code for p in places])
    categories = categories_by_code()
    tables: dict[tuple, dict] = {}
    aware = timezone.get_current_timezone()

    def stamp(value):  # make_aware, for a zoneinfo zone (no pytz localize)
        return value.replace(tzinfo=aware) if value is not None else None

    write = _copy_batch if connection.vendor == "postgresql" else _bulk_batch
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # foreign keys checked per batch, not all at commit
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    added = 0
    for start in range(held, count, BATCH):
        planned = [plan.ticket(i) for i in range(start, min(start + BATCH, count))]
        rows = []
        for p in planned:
            place = places[p.place]
            key = (place.district_code, place.street_code)
            if key not in tables:
                tables[key] = duties_at(*key)
            category = categories[p.category]
            department = responsible(category, tables[key]) if p.dispatched_at else None
            rows.append(
                (
                    f"{prefix}{p.index:08d}", p.channel, p.kind, p.state, p.text,
                    (place.address or "")[:200], place.lat, place.lng, place.district_code,
                    place.street_code, place.grid_code, place.address_code, category.pk,
                    category.pk, department.pk if department else None, p.answer,
                    stamp(p.received_at), stamp(p.dispatched_at), stamp(p.accepted_at),
                    stamp(p.replied_at), stamp(p.closed_at), p.due, p.solved, p.satisfied,
                    p.reopen_count,
                )
            )  # fmt: skip
        write(rows, planned, stamp)
        added += len(rows)
        if progress is not None:
            progress("tickets", len(rows))
    summary.rebuild()
    audit_record(
        action="hotline.ticket.seed_year",
        actor=None,
        target_type="hotline.ticket",
        details={"added": added, "seed": seed, "count": count},
    )
    return added


@service
def ticket_summary_rebuild() -> int:
    """The summary table recomputed from the tickets (``tongban hotline summarize``): a repair,
    should it ever disagree with them. Returns the rows written."""
    rows = summary.rebuild()
    audit_record(
        action="hotline.summary.rebuild",
        actor=None,
        target_type="hotline.ticket_week",
        details={"rows": rows},
    )
    return rows

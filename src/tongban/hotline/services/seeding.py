"""A synthetic year of tickets for the demo and the benchmarks (``tongban seed --tickets N``):
planned by ``hotline.synthetic``, written in batches with their key transitions."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.registries import selectors as registries_selectors

from .. import synthetic
from ..choices import EventKind
from ..errors import HotlineError, invalid
from ..models import Ticket, TicketEvent
from ._common import categories_by_code, duties_at, responsible, service

BATCH = 2000
MAX_TICKETS = 2_000_000


def ticket_seed_departments() -> dict[str, str]:
    """The city-level departments the shipped responsibility list names (code → name), for a
    demo that has to create them."""
    from .. import dataset

    return dict(dataset.tree()["departments"]["city"])


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
        raise invalid(HotlineError.SEED_COUNT, _("工单数须为 0 到 2000000 的整数。"), "count")
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

    def stamp(value):
        return timezone.make_aware(value, aware) if value is not None else None

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
                Ticket(
                    number=f"{prefix}{p.index:08d}",
                    channel=p.channel,
                    kind=p.kind,
                    state=p.state,
                    text=p.text,
                    address=(place.address or "")[:200],
                    lat=place.lat,
                    lng=place.lng,
                    district_id=place.district_code,
                    street_id=place.street_code,
                    grid_id=place.grid_code,
                    place_id=place.address_code,
                    category=category,
                    suggested_category=category,
                    department=department,
                    answer=p.answer,
                    received_at=stamp(p.received_at),
                    dispatched_at=stamp(p.dispatched_at),
                    accepted_at=stamp(p.accepted_at),
                    replied_at=stamp(p.replied_at),
                    closed_at=stamp(p.closed_at),
                    due=p.due,
                    solved=p.solved,
                    satisfied=p.satisfied,
                    reopen_count=p.reopen_count,
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=BATCH)
        if rows and rows[0].pk is None:  # a backend without RETURNING: read the ids back
            ids = dict(
                Ticket.objects.filter(number__in=[r.number for r in rows]).values_list(
                    "number", "pk"
                )
            )
            for row in rows:
                row.pk = ids[row.number]
        events = [
            TicketEvent(
                ticket_id=row.pk,
                at=stamp(e.at),
                kind=EventKind.TRANSITION,
                from_state=e.from_state,
                to_state=e.to_state,
                department=row.department if e.department else None,
                note="",
            )
            for row, p in zip(rows, planned, strict=True)
            for e in p.events or []
        ]
        TicketEvent.objects.bulk_create(events, batch_size=BATCH * 2)
        added += len(rows)
        if progress is not None:
            progress("tickets", len(rows))
    audit_record(
        action="hotline.ticket.seed_year",
        actor=None,
        target_type="hotline.ticket",
        details={"added": added, "seed": seed, "count": count},
    )
    return added

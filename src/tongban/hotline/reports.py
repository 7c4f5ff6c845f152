"""The hotline office's summaries for its pages: the supervision board (warnings, overdue,
hot issues) and the analysis (volumes by category, district and week; the issues rising;
on-time, solved and satisfaction rates). Each is a fixed number of summary queries, however
many tickets there are."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from tongban.registries import selectors as registries_selectors

from . import access, states
from .choices import TicketState as S
from .choices import Warning
from .models import HotIssue, Ticket

if TYPE_CHECKING:
    from tongban.identity.models import Staff

BOARD_LIMIT = 100
WEEKS = 8
PLACE_HITS = 8


def place_choices(text: str) -> list:
    """Standard addresses matching what a citizen types, to pick where the problem is."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    return registries_selectors.places_search(text=text, limit=PLACE_HITS)


def supervision_board(staff: Staff) -> dict:
    """What the 督办 desk watches: red (overdue) and yellow tickets, the nearest due first,
    and the hot issues of the last week (three queries)."""
    access.require_desk(staff, access.DESK)
    open_ = (
        Ticket.objects.select_related("category", "department")
        .filter(state__in=states.OPEN)
        .exclude(warning=Warning.NONE)
        .order_by("due", "pk")[:BOARD_LIMIT]
    )
    tickets = list(open_)
    since = timezone.now() - timedelta(days=7)
    hot = list(
        HotIssue.objects.select_related("category", "street")
        .filter(raised_at__gte=since)
        .order_by("-raised_at")[:BOARD_LIMIT]
    )
    return {
        "red": [t for t in tickets if t.warning == Warning.RED],
        "yellow": [t for t in tickets if t.warning == Warning.YELLOW],
        "hot": hot,
    }


def _rate(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def analysis(staff: Staff, *, today=None) -> dict:
    """Volumes and rates over the last ``WEEKS`` weeks, in five summary queries."""
    access.require_desk(staff, access.DESK)
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    recent = Ticket.objects.filter(received_at__gte=start)
    group = Coalesce("category__parent__name", "suggested_category__parent__name")
    by_category = list(
        recent.annotate(group=group).values("group").annotate(n=Count("pk")).order_by("-n", "group")
    )
    by_district = list(
        recent.values("district__name").annotate(n=Count("pk")).order_by("-n", "district__name")
    )
    days = dict(
        recent.annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    weeks = []
    for i in range(WEEKS):
        week = first + timedelta(weeks=i)
        n = sum(v for d, v in days.items() if d and week <= d < week + timedelta(weeks=1))
        weeks.append({"week": week, "n": n})
    this_week = timezone.make_aware(datetime.combine(monday, time.min))
    last_week = this_week - timedelta(weeks=1)
    fine = Coalesce("category__name", "suggested_category__name")
    rising = [
        row
        for row in recent.filter(received_at__gte=last_week)
        .annotate(name=fine)
        .values("name")
        .annotate(
            now=Count("pk", filter=Q(received_at__gte=this_week)),
            before=Count("pk", filter=Q(received_at__lt=this_week)),
        )
        .order_by("name")
        if row["name"] and row["now"] > row["before"]
    ]
    rising.sort(key=lambda r: (-(r["now"] - r["before"]), r["name"]))
    replied = ~Q(replied_at=None)
    rates = recent.aggregate(
        total=Count("pk"),
        replied=Count("pk", filter=replied),
        on_time=Count("pk", filter=replied & Q(due__isnull=False, replied_at__date__lte=F("due"))),
        called=Count("pk", filter=~Q(solved=None)),
        solved=Count("pk", filter=Q(solved=True)),
        satisfied=Count("pk", filter=Q(satisfied=True)),
        closed=Count("pk", filter=Q(state__in=[S.CLOSED, S.ANSWERED])),
    )
    return {
        "first": first,
        "by_category": [{"label": r["group"] or "—", "n": r["n"]} for r in by_category],
        "by_district": [{"label": r["district__name"] or "—", "n": r["n"]} for r in by_district],
        "by_week": [{"label": w["week"].strftime("%m-%d"), "n": w["n"]} for w in weeks],
        "rising": rising[:10],
        "rates": {
            **rates,
            "on_time_rate": _rate(rates["on_time"], rates["replied"]),
            "solved_rate": _rate(rates["solved"], rates["called"]),
            "satisfied_rate": _rate(rates["satisfied"], rates["called"]),
        },
    }

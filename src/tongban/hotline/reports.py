"""The hotline office's summaries for its pages: the supervision board (warnings, overdue,
hot issues, open tickets per district) and the analysis (volumes by category, district and
week; the issues rising; on-time, solved and satisfaction rates; grids against citizens per
street). Counts come from the summary table (``TicketWeek``, see ``summary``), lists from
bounded indexed queries: each page is a fixed number of queries, however many tickets."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.utils import timezone

from tongban.registries import selectors as registries_selectors

from . import access, states, summary
from .choices import Warning
from .models import Category, HotIssue, StreetWeek, Ticket, TicketWeek

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
    """What the 督办 desk watches: red (overdue) and yellow tickets, the nearest due first
    (``hotline_ticket_warned``, at most ``BOARD_LIMIT``), the hot issues of the last week, and
    how many tickets are open, red and yellow in each district (the summary's open rows,
    ``hotline_week_open``). A fixed number of queries, however many tickets there are."""
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
    counts = list(
        TicketWeek.objects.filter(open__gt=0)
        .values("district")
        .annotate(open=Sum("open"), red=Sum("red"), yellow=Sum("yellow"))
        .order_by("district")
    )
    names = registries_selectors.place_names(r["district"] for r in counts)
    districts = sorted(
        ({"label": names.get(r["district"], r["district"]), **r} for r in counts),
        key=lambda r: (-r["red"], -r["open"], r["label"]),
    )
    return {
        "red": [t for t in tickets if t.warning == Warning.RED],
        "yellow": [t for t in tickets if t.warning == Warning.YELLOW],
        "hot": hot,
        "districts": districts,
        "totals": {k: sum(r[k] for r in counts) for k in ("open", "red", "yellow")},
    }


def _rate(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


RATES = ("filed", "replied", "on_time", "called", "solved", "satisfied", "closed")


def analysis(staff: Staff, *, today=None) -> dict:
    """Volumes and rates of the tickets received over the last ``WEEKS`` weeks, read from
    the summary tables (``TicketWeek``, ``StreetWeek``) in two grouped queries, with the
    category and place names (two more): volumes by category, district and week, the issues
    rising (this week against the last), on-time, solved and satisfaction rates, and per
    street what grid patrols found beside what citizens reported."""
    access.require_desk(staff, access.DESK)
    today = today or timezone.localdate()
    monday = summary.monday(today)
    first = monday - timedelta(weeks=WEEKS - 1)
    sums = {name: Sum(name) for name in RATES}
    rows = list(
        TicketWeek.objects.filter(week__gte=first)
        .values("week", "district", "category_pk")
        .annotate(**sums)
        .order_by()
    )
    per_street = list(
        StreetWeek.objects.filter(week__gte=first)
        .values("street", "category_pk")
        .annotate(grid=Sum("grid"), citizens=Sum("citizens"))
        .order_by()
    )
    categories = {c.pk: c for c in Category.objects.select_related("parent")}
    names = registries_selectors.place_names(
        [r["district"] for r in rows] + [r["street"] for r in per_street]
    )

    totals = dict.fromkeys(RATES, 0)
    districts: dict[str, int] = {}
    weeks = dict.fromkeys((first + timedelta(weeks=i) for i in range(WEEKS)), 0)
    groups: dict[str, int] = {}
    leaves: dict[int, dict] = {}
    last = monday - timedelta(weeks=1)
    for r in rows:
        n = r["filed"]
        for k in RATES:
            totals[k] += r[k]
        districts[r["district"]] = districts.get(r["district"], 0) + n
        if r["week"] in weeks:
            weeks[r["week"]] += n
        category = categories.get(r["category_pk"])
        group = category.parent.name if category and category.parent else "—"
        groups[group] = groups.get(group, 0) + n
        if category is not None and r["week"] in (monday, last):
            leaf = leaves.setdefault(category.pk, {"name": category.name, "now": 0, "before": 0})
            leaf["now" if r["week"] == monday else "before"] += n
    streets: dict[str, dict] = {}
    for r in per_street:
        street = streets.setdefault(r["street"], {"grid": 0, "citizens": 0, "categories": {}})
        street["grid"] += r["grid"]
        street["citizens"] += r["citizens"]
        category = categories.get(r["category_pk"])
        if category is not None:
            per = street["categories"].setdefault(category.name, {"grid": 0, "citizens": 0})
            per["grid"] += r["grid"]
            per["citizens"] += r["citizens"]

    rising = [leaf for leaf in leaves.values() if leaf["now"] > leaf["before"]]
    rising.sort(key=lambda r: (-(r["now"] - r["before"]), r["name"]))
    rates = {
        **{("total" if k == "filed" else k): v for k, v in totals.items()},
        "on_time_rate": _rate(totals["on_time"], totals["replied"]),
        "solved_rate": _rate(totals["solved"], totals["called"]),
        "satisfied_rate": _rate(totals["satisfied"], totals["called"]),
    }

    def ranked(counts: dict[str, int], label=lambda k: k) -> list[dict]:
        rows = [{"label": label(k) or "—", "n": n} for k, n in counts.items() if n]
        return sorted(rows, key=lambda r: (-r["n"], r["label"]))

    return {
        "first": first,
        "by_category": ranked(groups),
        "by_district": ranked(districts, lambda code: names.get(code, code)),
        "by_week": [{"label": w.strftime("%m-%d"), "n": n} for w, n in weeks.items()],
        "rising": rising[:10],
        "rates": rates,
        "grid": _grid_rows(streets, names),
    }


GRID_STREETS = 50  # streets shown in the grid comparison, those with most reports first
GRID_GAPS = 3  # per street: the categories citizens report most that grids found none of


def _grid_rows(streets: dict[str, dict], names: dict[str, str]) -> list[dict]:
    rows = []
    for code, s in streets.items():
        if not (s["grid"] or s["citizens"]):
            continue  # emptied as its tickets moved
        gaps = sorted(
            (
                (n["citizens"], name)
                for name, n in s["categories"].items()
                if n["citizens"] and not n["grid"]
            ),
            key=lambda g: (-g[0], g[1]),
        )
        rows.append({
            "street": names.get(code, code),
            "grid": s["grid"],
            "citizens": s["citizens"],
            "grid_share": _rate(s["grid"], s["grid"] + s["citizens"]),
            "gaps": [{"name": name, "n": n} for n, name in gaps[:GRID_GAPS]],
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["citizens"], -r["grid"], r["street"]))
    return rows[:GRID_STREETS]

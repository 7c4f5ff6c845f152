"""A deterministic synthetic year of tickets for the demo and the benchmarks: who calls about
what, where and when, and how each ticket went, with a realistic shape (more 噪声 on summer
nights, 排水防汛 in the plum-rain months, fewer calls at weekends, most by phone, about a
third answered on the spot). Texts are the shipped labelled samples (``data/train.json``), so
they read real. Pure: no database; ``services.ticket_seed_year`` writes what this plans."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from . import clock, dataset
from .choices import TicketChannel, TicketKind, TicketState

NUMBER_PREFIX = "SD"  # seeded tickets: never issued by the live GD sequence

# Relative volumes per category group (Shanghai's 12345 shares, roughly).
GROUP_WEIGHT = {
    "city": 14, "market": 12, "traffic": 10, "housing": 16, "env": 10, "safety": 5,
    "social": 9, "health": 5, "education": 4, "utility": 8, "civil": 7,
}  # fmt: skip
# District weights by population (浦东 by far the largest).
DISTRICT_WEIGHT = {"310115": 57, "310104": 11, "310101": 7}
CHANNELS = [
    (TicketChannel.PHONE, 70), (TicketChannel.WEB, 10), (TicketChannel.MOBILE, 14),
    (TicketChannel.OPEN311, 3), (TicketChannel.GRID, 3),
]  # fmt: skip
HOURS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 7, 8, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2]
ANSWERED_SHARE = 0.30
OPEN_DAYS = 12  # tickets dispatched this recently may still be open


@dataclass
class PlannedEvent:
    at: datetime
    from_state: str
    to_state: str
    department: bool = False  # by the handling department


@dataclass
class PlannedTicket:
    index: int
    category: str
    kind: str
    channel: str
    text: str
    place: int  # index into the addresses given
    received_at: datetime
    state: str
    dispatched_at: datetime | None = None
    accepted_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    due: date | None = None
    solved: bool | None = None
    satisfied: bool | None = None
    reopen_count: int = 0
    answer: str = ""
    events: list[PlannedEvent] | None = None


def _season(category: str, month: int, hour: int) -> float:
    if category == "env-noise":
        summer = 1.8 if month in (6, 7, 8, 9) else 1.0
        return summer * (2.5 if hour >= 21 or hour < 2 else 1.0)
    if category == "utility-drain":
        return 3.5 if month in (6, 7, 8) else 0.6
    if category in ("utility-power", "utility-water"):
        return 1.6 if month in (1, 2, 7, 8) else 1.0
    if category == "edu-enroll":
        return 3.0 if month in (4, 5, 6) else 0.5
    return 1.0


class Plan:
    """The samples and weights, read once; ``ticket(i)`` is the same for the same seed and i."""

    def __init__(self, *, seed: int, today: date, districts_of: list[str]) -> None:
        self.seed, self.today = seed, today
        self.samples: dict[str, list[dict]] = {}
        for row in dataset.load("train"):
            self.samples.setdefault(row["category"], []).append(row)
        groups = {leaf["code"]: leaf["code"].split("-", 1)[0] for leaf in dataset.leaves()}
        groups = {c: ("education" if g == "edu" else g) for c, g in groups.items()}
        self.categories = sorted(c for c in groups if c in self.samples)
        sizes: dict[str, int] = {}
        for code in self.categories:
            sizes[groups[code]] = sizes.get(groups[code], 0) + 1
        self.base = [GROUP_WEIGHT.get(groups[c], 5) / sizes[groups[c]] for c in self.categories]
        self.place_weights = [DISTRICT_WEIGHT.get(d, 5) for d in districts_of]
        # Cumulative weights, summed once: ``choices`` draws the same from them as from the
        # weights (it sums them the same way), without re-summing 2,000 places per ticket.
        self.place_cum = list(accumulate(self.place_weights))
        self.hour_cum = list(accumulate(HOURS))
        self.channel_cum = list(accumulate(w for _, w in CHANNELS))
        self.channels = [c for c, _ in CHANNELS]
        self.category_cum: dict[tuple[int, int], list[float]] = {}
        self.dues: dict[tuple[date, str], date] = {}  # the calendar read once per day and kind

    def _due_for(self, day: date, kind: str) -> date:
        due = self.dues.get((day, kind))
        if due is None:
            due = self.dues[day, kind] = clock.due_for(day, kind, "normal")
        return due

    def _category_cum(self, month: int, hour: int) -> list[float]:
        cum = self.category_cum.get((month, hour))
        if cum is None:
            weights = [
                w * _season(c, month, hour) for c, w in zip(self.categories, self.base, strict=True)
            ]
            cum = self.category_cum[month, hour] = list(accumulate(weights))
        return cum

    def ticket(self, i: int) -> PlannedTicket:
        rng = random.Random(f"{self.seed}:{i}")
        day = self.today - timedelta(days=rng.randrange(365))
        while day.weekday() >= 5 and rng.random() < 0.35:  # weekends are quieter
            day = self.today - timedelta(days=rng.randrange(365))
        hour = rng.choices(range(24), cum_weights=self.hour_cum)[0]
        received = datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60)
        )
        category = rng.choices(self.categories, cum_weights=self._category_cum(day.month, hour))[0]
        sample = rng.choice(self.samples[category])
        kind = sample.get("kind") or TicketKind.HELP
        planned = PlannedTicket(
            index=i,
            category=category,
            kind=kind,
            channel=rng.choices(self.channels, cum_weights=self.channel_cum)[0],
            text=sample["text"],
            place=rng.choices(range(len(self.place_cum)), cum_weights=self.place_cum)[0],
            received_at=received,
            state=TicketState.RECEIVED,
            events=[],
        )
        self._outcome(planned, rng)
        return planned

    def _outcome(self, t: PlannedTicket, rng: random.Random) -> None:
        ev = t.events if t.events is not None else []
        received = t.received_at
        ev.append(PlannedEvent(received, "", TicketState.RECEIVED))
        if t.category in ("civil-policy", "civil-praise") or rng.random() < ANSWERED_SHARE:
            t.state = TicketState.ANSWERED
            t.closed_at = t.replied_at = received + timedelta(minutes=rng.randint(3, 15))
            t.answer = "话务员已当场解答。"
            ev.append(PlannedEvent(t.closed_at, TicketState.RECEIVED, TicketState.ANSWERED))
            return
        t.dispatched_at = received + timedelta(minutes=rng.randint(10, 240))
        t.due = self._due_for(t.dispatched_at.date(), t.kind)
        ev.append(PlannedEvent(t.dispatched_at, TicketState.RECEIVED, TicketState.DISPATCHED))
        t.state = TicketState.DISPATCHED
        age = (self.today - received.date()).days
        if age < 1 and rng.random() < 0.7:
            return
        t.accepted_at = t.dispatched_at + timedelta(hours=rng.randint(1, 20))
        ev.append(PlannedEvent(t.accepted_at, TicketState.DISPATCHED, TicketState.ACCEPTED, True))
        t.state = TicketState.ACCEPTED
        late = rng.random() < 0.08  # overdue
        span = (t.due - t.dispatched_at.date()).days
        days = span + rng.randint(1, 6) if late else rng.randint(0, max(span, 1) - 1)
        replied = t.accepted_at + timedelta(days=days, hours=rng.randint(0, 8))
        if age < OPEN_DAYS and replied.date() > self.today:
            return  # still being handled
        t.replied_at, t.state = replied, TicketState.REPLIED
        t.answer = "已到现场核实并处理，情况已告知诉求人。"
        ev.append(PlannedEvent(replied, TicketState.ACCEPTED, TicketState.REPLIED, True))
        callback = replied + timedelta(days=rng.randint(1, 3))
        if callback.date() > self.today:
            return
        t.solved = rng.random() < (0.6 if late else 0.88)
        t.satisfied = t.solved and rng.random() < 0.9
        if not t.solved and rng.random() < 0.5:  # reopened once, then settled
            t.reopen_count = 1
            ev.append(PlannedEvent(callback, TicketState.REPLIED, TicketState.REOPENED))
            callback = callback + timedelta(days=rng.randint(3, 7))
            if callback.date() > self.today:
                t.state = TicketState.REOPENED
                return
            ev.append(PlannedEvent(callback, TicketState.REOPENED, TicketState.CLOSED))
        else:
            ev.append(PlannedEvent(callback, TicketState.REPLIED, TicketState.CLOSED))
        t.closed_at, t.state = callback, TicketState.CLOSED

"""Working days (法定工作日) for deadlines, from the holiday calendar stored in the database.

The calendar holds only exceptions to "Monday–Friday work, Saturday–Sunday rest"
(``models.CalendarDay``): public holidays on weekdays and weekend working days (调休). A year
with no ``CalendarYear`` row counts weekends only; ``missing_years`` lists such years and the
system check ``tongban.W002`` warns admins when the current or next year is missing.

Counting convention, as Chinese administrative deadlines count (自受理之日起 N 个工作日): the
start day is never counted. ``add_workdays(accepted_on, 20)`` is the 20th working day after
``accepted_on``, the last day on which the decision is on time, whatever ``accepted_on`` was
(a Saturday acceptance counts from Monday). ``workdays_between(a, b)`` counts the working days in
the half-open interval (a, b], so ``workdays_between(d, add_workdays(d, n)) == n``.

Each process caches each year's exceptions and checks a fingerprint of that year in the
database (the number of its rows and their latest ``updated_at``, one indexed query) when it
last did so more than ``TONGBAN_CALENDAR_TTL`` seconds (2 by default) ago, so a busy process
asks once per year and TTL, not once per deadline. A ``CalendarDay`` or ``CalendarYear`` saved
or deleted in this process (the admin) empties its cache at once and again when the edit
commits; another process sees it within the TTL. Edits that bypass ``save()``
(``QuerySet.update``, raw SQL) must set ``updated_at`` too, or call ``clear_cache()`` in the
process that made them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from .models import CalendarDay, CalendarYear

PACKAGE_SOURCE = "chinese-calendar"

#: chinese_calendar's English holiday names in the words the State Council's notices use.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
ADJUSTED_WORKDAY_SUFFIX = "调休上班"


@dataclass(frozen=True)
class _Year:
    fingerprint: tuple
    exceptions: dict[date, bool]
    checked: float  # time.monotonic() of the last fingerprint check


_cache: dict[int, _Year] = {}
_lock = threading.Lock()
_clock = time.monotonic


def clear_cache() -> None:
    """Forget every cached year (tests; edits made with ``QuerySet.update``)."""
    with _lock:
        _cache.clear()


def calendar_changed(**kwargs) -> None:
    """Signal receiver (``core.apps``): a day or year was saved or deleted in this process."""
    clear_cache()
    transaction.on_commit(clear_cache)


def _fingerprint(year: int) -> tuple:
    row = CalendarDay.objects.filter(date__range=(date(year, 1, 1), date(year, 12, 31))).aggregate(
        n=Count("pk"), changed=Max("updated_at")
    )
    return (row["n"], row["changed"])


class _Calendar:
    """The exceptions of the years one public call touches, each checked once per call."""

    def __init__(self):
        self._years: dict[int, dict[date, bool]] = {}

    def _exceptions(self, year: int) -> dict[date, bool]:
        found = self._years.get(year)
        if found is not None:
            return found
        cached, now = _cache.get(year), _clock()
        if cached is None or now - cached.checked >= settings.TONGBAN_CALENDAR_TTL:
            fingerprint = _fingerprint(year)
            if cached is None or cached.fingerprint != fingerprint:
                rows = CalendarDay.objects.filter(
                    date__range=(date(year, 1, 1), date(year, 12, 31))
                ).values_list("date", "is_workday")
                exceptions = dict(rows)
            else:
                exceptions = cached.exceptions
            cached = _Year(fingerprint=fingerprint, exceptions=exceptions, checked=now)
            with _lock:
                _cache[year] = cached
        self._years[year] = cached.exceptions
        return cached.exceptions

    def is_workday(self, d: date) -> bool:
        exception = self._exceptions(d.year).get(d)
        if exception is not None:
            return exception
        return d.isoweekday() <= 5


def _check_date(value, name: str) -> None:
    # datetime is a date subclass; a deadline counted from a datetime would silently drop the time.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")


def is_workday(d: date) -> bool:
    """Whether ``d`` is a statutory working day (法定工作日)."""
    _check_date(d, "d")
    return _Calendar().is_workday(d)


def add_workdays(start: date, n: int) -> date:
    """The day on which ``n`` working days have elapsed after ``start`` (start not counted).

    For ``n >= 1`` the result is always a working day; ``n == 0`` returns ``start`` itself.
    Example: accepted on Tuesday 2025-09-30, ``add_workdays(..., 1)`` is Thursday 2025-10-09
    (1–8 October is the National Day holiday). Negative ``n`` raises ``ValueError``.
    """
    _check_date(start, "start")
    if n < 0:
        raise ValueError("n must be >= 0")
    calendar, day, left = _Calendar(), start, n
    while left:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def workdays_between(a: date, b: date) -> int:
    """Working days in (a, b]: after ``a``, up to and including ``b``; negative if ``b < a``
    (``-workdays_between(b, a)``), 0 if equal. Days left on a deadline:
    ``workdays_between(today, due)``; days used since acceptance:
    ``workdays_between(accepted, today)``.
    """
    _check_date(a, "a")
    _check_date(b, "b")
    return _between(_Calendar(), a, b)


def _between(calendar: _Calendar, a: date, b: date) -> int:
    if b < a:
        return -_between(calendar, b, a)
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def workdays_left(today: date, dues: Iterable[date]) -> dict[date, int]:
    """``workdays_between(today, due)`` for many due dates, reading the calendar once per year
    (a list page's queries do not grow with its rows)."""
    _check_date(today, "today")
    calendar, out = _Calendar(), {}
    for due in set(dues):
        _check_date(due, "due")
        out[due] = _between(calendar, today, due)
    return out


def missing_years(first: int, last: int) -> list[int]:
    """Years in [first, last] with no ``CalendarYear`` (counted as weekends only)."""
    known = set(
        CalendarYear.objects.filter(year__gte=first, year__lte=last).values_list("year", flat=True)
    )
    return [y for y in range(first, last + 1) if y not in known]


def incomplete_years(first: int, last: int) -> list[int]:
    """Years in [first, last] that have a ``CalendarYear`` not yet marked complete."""
    return list(
        CalendarYear.objects.filter(year__gte=first, year__lte=last, complete=False)
        .order_by("year")
        .values_list("year", flat=True)
    )


# --- seeding from the chinese_calendar package -------------------------------------------


def package_years() -> range:
    """The years the installed ``chinese_calendar`` knows (it raises NotImplementedError for
    others): 2004–2026 in chinesecalendar 1.11.0."""
    from chinese_calendar import constants

    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    return range(min(years), max(years) + 1)


def package_exceptions(year: int) -> Iterable[tuple[date, bool, str]]:
    """``(date, is_workday, name)`` for each day of ``year`` where the package departs from the
    weekly pattern."""
    import chinese_calendar

    day = date(year, 1, 1)
    while day.year == year:
        holiday, name = chinese_calendar.get_holiday_detail(day)  # (is_holiday, English name)
        workday = not holiday
        if workday != (day.isoweekday() <= 5):
            name_zh = HOLIDAY_NAMES_ZH.get(name or "", name or "")
            if workday:
                name_zh = f"{name_zh}{ADJUSTED_WORKDAY_SUFFIX}"
            yield day, workday, name_zh
        day += timedelta(days=1)


def seed_from_package(*, day_model=CalendarDay, year_model=CalendarYear) -> list[int]:
    """Add every year the package knows and the database does not; returns the years added.

    Idempotent: a year that already has a ``CalendarYear`` (from the package or from an admin)
    is left alone, so admins' edits are never overwritten, and a day row that already exists is
    kept. The data migration passes its historical models.
    """
    known = set(year_model.objects.values_list("year", flat=True))
    added = []
    for year in package_years():
        if year in known:
            continue
        existing = set(
            day_model.objects.filter(
                date__range=(date(year, 1, 1), date(year, 12, 31))
            ).values_list("date", flat=True)
        )
        day_model.objects.bulk_create(
            day_model(date=d, is_workday=w, name=name)
            for d, w, name in package_exceptions(year)
            if d not in existing
        )
        year_model.objects.create(year=year, source=PACKAGE_SOURCE, complete=True)
        added.append(year)
    return added

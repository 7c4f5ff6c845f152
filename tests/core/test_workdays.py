"""The working-day calendar (法定工作日): seeded from chinese_calendar, edited by platform admins,
counted the way administrative deadlines count (the start day is not counted)."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongban.core import checks, workdays
from tongban.core.models import AuditEntry, CalendarDay, CalendarYear
from tongban.core.workdays import (
    add_workdays,
    is_workday,
    missing_years,
    package_years,
    seed_from_package,
    workdays_between,
)

pytestmark = pytest.mark.django_db

D = date.fromisoformat
FIRST, LAST = package_years().start, package_years().stop - 1
BEYOND = LAST + 1  # a year the package does not know


@pytest.fixture(autouse=True)
def _fresh_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def platform_admin(make):
    make.department()
    return get_user_model().objects.create_superuser("calendar-admin", "x-Strong-Pass-1")


def test_package_range_is_seeded_and_nothing_beyond():
    assert FIRST <= 2004 and LAST >= 2025
    assert missing_years(FIRST, LAST) == []
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"chinese-calendar"}
    assert missing_years(BEYOND, BEYOND + 1) == [BEYOND, BEYOND + 1]
    assert not CalendarDay.objects.filter(date__year=BEYOND).exists()


def test_national_day_2025():
    for day in range(1, 9):
        assert not is_workday(date(2025, 10, day)), f"10-{day} is a holiday"
    assert is_workday(D("2025-09-28"))  # Sunday, 调休
    assert is_workday(D("2025-10-11"))  # Saturday, 调休
    assert not is_workday(D("2025-10-12"))  # an ordinary Sunday
    assert CalendarDay.objects.get(date=D("2025-10-01")).name == "国庆节"
    assert CalendarDay.objects.get(date=D("2025-09-28")).name == "国庆节调休上班"

    friday = D("2025-09-26")
    expected = ["2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10"]
    expected += ["2025-10-11", "2025-10-13"]
    assert [add_workdays(friday, n) for n in range(1, 8)] == [D(x) for x in expected]
    assert add_workdays(D("2025-09-30"), 1) == D("2025-10-09")
    assert add_workdays(D("2025-10-01"), 1) == D("2025-10-09")  # accepted on a holiday
    # 20 working days from Monday 22 September: the legal licensing limit.
    assert add_workdays(D("2025-09-22"), 20) == D("2025-10-24")
    assert add_workdays(D("2025-09-30"), 0) == D("2025-09-30")
    assert workdays_between(D("2025-09-30"), D("2025-10-08")) == 0
    assert workdays_between(D("2025-09-30"), D("2025-10-09")) == 1
    assert workdays_between(D("2025-09-22"), D("2025-10-24")) == 20
    assert workdays_between(D("2025-10-24"), D("2025-09-22")) == -20


@pytest.mark.skipif(LAST < 2026, reason="the installed chinesecalendar does not know 2026")
def test_spring_festival_2026():
    for day in range(15, 24):  # 15–23 February
        assert not is_workday(date(2026, 2, day))
    assert is_workday(D("2026-02-14"))  # Saturday, 调休
    assert is_workday(D("2026-02-28"))  # Saturday, 调休
    assert add_workdays(D("2026-02-13"), 1) == D("2026-02-14")
    assert add_workdays(D("2026-02-14"), 1) == D("2026-02-24")
    assert add_workdays(D("2026-02-13"), 6) == D("2026-02-28")
    assert workdays_between(D("2026-02-13"), D("2026-03-02")) == 7


def test_a_year_without_calendar_counts_weekends_only():
    day = date(BEYOND, 1, 1)
    while day.year == BEYOND:
        assert is_workday(day) == (day.isoweekday() <= 5), day
        day += timedelta(days=1)
    friday = next(date(BEYOND, 10, d) for d in range(1, 8) if date(BEYOND, 10, d).weekday() == 4)
    assert add_workdays(friday, 1) == friday + timedelta(days=3)
    assert add_workdays(friday, 5) == friday + timedelta(days=7)
    assert workdays_between(friday, friday + timedelta(days=14)) == 10
    # A deadline that runs from a known year into an unknown one still works.
    assert add_workdays(date(LAST, 12, 20), 30) > date(LAST, 12, 31)
    assert BEYOND in missing_years(LAST, BEYOND)


def test_system_check_warns_when_the_current_or_next_year_is_missing(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(LAST, 6, 1))
    warnings = checks.working_day_calendar(None)
    assert [w.id for w in warnings] == ["tongban.W002"]
    assert str(BEYOND) in warnings[0].msg and str(LAST) not in warnings[0].msg

    CalendarYear.objects.create(year=BEYOND, source="admin", complete=False)
    warnings = checks.working_day_calendar(None)
    assert [w.id for w in warnings] == ["tongban.W002"]
    assert "not marked complete" in warnings[0].msg

    CalendarYear.objects.filter(year=BEYOND).update(complete=True)
    assert checks.working_day_calendar(None) == []


def test_the_check_is_registered():
    from django.core.checks import registry

    assert checks.working_day_calendar in registry.registry.get_checks()


def test_admin_adds_a_holiday_and_it_moves_deadlines_and_is_audited(client, platform_admin):
    oct1 = date(BEYOND, 10, 1)
    while oct1.isoweekday() >= 5:  # a Monday–Thursday 1 October, so the next day is a weekday
        oct1 = oct1.replace(year=oct1.year + 1)
    eve = oct1 - timedelta(days=1)
    before = add_workdays(eve, 1)
    assert before == oct1  # weekends only: a plain working day

    client.force_login(platform_admin)
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": oct1.isoformat(), "is_workday": "", "name": "国庆节"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not is_workday(oct1)
    assert add_workdays(eve, 1) == oct1 + timedelta(days=1)
    day = CalendarDay.objects.get(date=oct1)
    entry = AuditEntry.objects.get(action="core.calendar_day.created")
    assert entry.actor_id == platform_admin.pk
    assert entry.target_id == str(day.pk)
    assert entry.details == {"date": oct1.isoformat(), "is_workday": False, "name": "国庆节"}

    # Turning a seeded 调休 Saturday into a rest day is an edit of an existing row: refused,
    # because a Saturday at rest is no exception (delete the row instead) ...
    sat = CalendarDay.objects.get(date=D("2025-10-11"))
    response = client.post(
        f"/admin/core/calendarday/{sat.pk}/change/",
        {"date": "2025-10-11", "is_workday": "", "name": "国庆节调休上班"},
    )
    assert response.status_code == 200 and "周末本来休息" in response.content.decode()
    assert is_workday(D("2025-10-11"))
    # ... and deleting it through the admin is audited and seen at once.
    response = client.post(f"/admin/core/calendarday/{sat.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not is_workday(D("2025-10-11"))
    assert add_workdays(D("2025-10-10"), 1) == D("2025-10-13")
    deleted = AuditEntry.objects.get(action="core.calendar_day.deleted")
    assert deleted.details["date"] == "2025-10-11" and deleted.actor_id == platform_admin.pk

    # Marking the new year known is audited too.
    response = client.post(
        "/admin/core/calendaryear/add/",
        {"year": str(oct1.year), "source": "admin", "complete": "on"},
    )
    assert response.status_code == 302
    assert oct1.year not in missing_years(oct1.year, oct1.year)
    assert AuditEntry.objects.filter(action="core.calendar_year.created").count() == 1


def test_only_platform_admins_see_the_calendar_admin(client, make):
    head = make.staff(roles=["department_head"])
    head.account.is_staff = True
    head.account.save()
    client.force_login(head.account)
    assert client.get("/admin/core/calendarday/").status_code in (302, 403)


def test_calendar_admin_pages_open(client, platform_admin):
    client.force_login(platform_admin)
    for url in ("/admin/core/calendarday/", "/admin/core/calendaryear/"):
        response = client.get(url)
        assert response.status_code == 200
    assert "国庆节" in client.get("/admin/core/calendarday/?q=国庆节").content.decode()


def test_a_row_must_be_an_exception_to_the_week():
    saturday = next(date(2150, 10, d) for d in range(1, 8) if date(2150, 10, d).weekday() == 5)
    monday = saturday + timedelta(days=2)
    with pytest.raises(ValidationError):
        CalendarDay(date=saturday, is_workday=False).full_clean()
    with pytest.raises(ValidationError):
        CalendarDay(date=monday, is_workday=True).full_clean()
    CalendarDay(date=monday, is_workday=False, name="国庆节").full_clean()
    CalendarDay(date=saturday, is_workday=True, name="国庆节调休上班").full_clean()


def test_seeding_is_idempotent_and_keeps_admin_edits():
    days, years = CalendarDay.objects.count(), CalendarYear.objects.count()
    assert seed_from_package() == []
    assert (CalendarDay.objects.count(), CalendarYear.objects.count()) == (days, years)

    CalendarDay.objects.filter(date=D("2025-10-01")).update(name="国庆节（管理员）")
    CalendarDay.objects.filter(date=D("2025-10-11")).delete()
    CalendarYear.objects.filter(year=2025).delete()
    assert seed_from_package() == [2025]
    assert CalendarDay.objects.get(date=D("2025-10-01")).name == "国庆节（管理员）"
    assert CalendarDay.objects.filter(date=D("2025-10-11")).exists()  # missing day re-added
    assert CalendarDay.objects.count() == days


def test_a_warm_lookup_costs_no_query_within_the_ttl(django_assert_num_queries, settings):
    settings.TONGBAN_CALENDAR_TTL = 3600
    is_workday(D("2025-10-01"))
    with django_assert_num_queries(0):
        assert add_workdays(D("2025-09-22"), 20) == D("2025-10-24")


def test_past_the_ttl_a_lookup_checks_the_fingerprint_once(django_assert_num_queries, settings):
    settings.TONGBAN_CALENDAR_TTL = 0
    is_workday(D("2025-10-01"))
    with django_assert_num_queries(1):
        assert add_workdays(D("2025-09-22"), 20) == D("2025-10-24")


def test_bad_arguments():
    with pytest.raises(ValueError):
        add_workdays(D("2025-10-01"), -1)
    with pytest.raises(TypeError):
        is_workday(datetime(2025, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        workdays_between("2025-10-01", D("2025-10-02"))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=date(FIRST, 1, 1), max_value=date(BEYOND + 1, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_add_workdays_lands_on_a_workday_and_counts_back(start, n):
    due = add_workdays(start, n)
    assert due >= start
    if n >= 1:
        assert is_workday(due)
    assert workdays_between(start, due) == n
    if n >= 1:
        assert workdays_between(start, due - timedelta(days=1)) == n - 1

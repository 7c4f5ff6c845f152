"""Business clock in working days with the holiday calendar; pauses; status colours."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tongban.cases import clock, services
from tongban.cases.models import Case
from tongban.core import workdays
from tongban.core.models import CalendarDay, CalendarYear

from .conftest import GOOD_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_day_2025():
    """As published (seeded from chinese-calendar by the migration, or written here)."""
    CalendarYear.objects.update_or_create(year=2025, defaults={"complete": True})
    for d in range(1, 9):
        if date(2025, 10, d).weekday() < 5:
            CalendarDay.objects.update_or_create(
                date=date(2025, 10, d), defaults={"is_workday": False, "name": "国庆节、中秋节"}
            )
    for d in (date(2025, 9, 28), date(2025, 10, 11)):
        CalendarDay.objects.update_or_create(
            date=d, defaults={"is_workday": True, "name": "调休上班"}
        )
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def _at(d: date):
    return timezone.make_aware(datetime(d.year, d.month, d.day, 10, 0))


def test_deemed_acceptance_counts_working_days_across_a_holiday(world, national_day_2025):
    case = world.submitted()
    Case.objects.filter(pk=case.pk).update(received_at=_at(date(2025, 9, 29)))  # Monday
    case.refresh_from_db()
    # 5 working days after Mon 29 Sep: 30 Sep, 9 Oct, 10 Oct, Sat 11 Oct (调休), 13 Oct
    assert services.pre_review_due(case) == date(2025, 10, 13)
    assert not services.case_deemed_acceptance_apply(case_id=case.pk, today=date(2025, 10, 10))
    assert services.case_deemed_acceptance_apply(case_id=case.pk, today=date(2025, 10, 14))
    case.refresh_from_db()
    # accepted from receipt, 29 Sep. Promised 10 working days: 30 Sep, 9, 10, 11 (调休), 13,
    # 14, 15, 16, 17, 20 Oct. Legal 20: then 21–24, 27–31 Oct and 3 Nov.
    assert case.promised_due == date(2025, 10, 20)
    assert case.legal_due == date(2025, 11, 3)


@pytest.fixture
def clock_on(monkeypatch):
    """Sets today (at 10:00 local time) for the services, which read ``timezone.now``."""

    def _set(d: date):
        monkeypatch.setattr(timezone, "now", lambda: _at(d))

    return _set


def test_gaps_pause_the_clock_and_it_resumes_later(world, national_day_2025, clock_on):
    item = world.publish(accept_with_gaps=True)
    clock_on(date(2025, 9, 29))  # Monday
    case = world.submitted(item=item)
    case = services.case_accept_with_gaps(
        staff=world.clerk_a, case_id=case.pk, gaps=["租赁合同"], days=5
    )
    assert case.promised_due == date(2025, 10, 20)  # 10 working days, as above
    clock_on(date(2025, 10, 13))  # the gap closed two weeks later
    case = services.case_gaps_close(staff=world.clerk_a, case_id=case.pk)
    # paused on 30 Sep, 9, 10, 11 (调休) and 13 Oct: five working days
    assert case.paused_workdays == 5
    # 10 + 5 working days from 29 Sep: after 20 Oct come 21, 22, 23, 24 and 27 Oct
    assert case.promised_due == date(2025, 10, 27)
    assert case.paused_since is None and case.gaps == []


def test_promised_limit_longer_than_legal_is_capped_and_flagged(world):
    theme = world.theme(promised_limit_days=50)  # joint handling: 45 working days by law
    case = world.submitted(theme=theme)
    case = services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    assert case.promised_limit_days == case.legal_limit_days == 45
    assert case.events.filter(kind="limit_contradiction").exists()


@pytest.mark.parametrize(
    ("today", "colour"),
    [(date(2026, 3, 2), "green"), (date(2026, 3, 12), "yellow"), (date(2026, 3, 14), "red")],
)
def test_status_colour(today, colour):
    # Mon 2 Mar → due Fri 13 Mar = 9 working days; ≤ 20% left is yellow, past due is red
    assert clock.status_colour(start=date(2026, 3, 2), due=date(2026, 3, 13), today=today) == colour


def test_the_scheduler_applies_deemed_acceptance_when_the_notice_deadline_passed(world):
    """The sweep runs from the scheduler (in-process task backend here, as in the demo)."""
    from tongban.core.schedule import schedule_run_due

    late = world.submitted()
    on_time = world.submitted()
    long_ago = timezone.now() - timedelta(days=30)
    Case.objects.filter(pk=late.pk).update(
        received_at=long_ago, pre_review_due=timezone.localdate(long_ago) + timedelta(days=7)
    )
    assert "cases.deemed_acceptance_sweep" in schedule_run_due()
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.state == "accepted" and late.deemed_accepted
    assert late.accepted_at == long_ago
    assert on_time.state == "pre_review"


def test_a_theme_promising_more_than_the_joint_legal_limit_is_flagged_and_capped(world):
    """Precedence: the legal limit wins, the case records it, and admins are told."""
    from tongban.cases import checks

    assert checks.contradictory_limits(None) == []
    theme = world.theme(code="slow", promised_limit_days=clock.JOINT_LEGAL_DAYS + 5)
    warnings = checks.contradictory_limits(None)
    assert [w.id for w in warnings] == ["tongban.W003"]
    assert f"开办企业（{clock.JOINT_LEGAL_DAYS + 5}）" in warnings[0].msg
    case = services.case_create_draft(
        account=world.account, theme_code=theme.code, form_data=GOOD_FORM
    )
    case = services.case_submit(account=world.account, case_id=case.pk)
    case = services.case_pre_review_accept(staff=world.clerk_a, case_id=case.pk)
    assert case.promised_limit_days == clock.JOINT_LEGAL_DAYS
    assert case.events.filter(kind="limit_contradiction").count() == 1

"""Login failures and one-time codes are purged on a clock (issue 8, item 22)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.core.models import AuditEntry, RateCounter
from tongban.core.schedule import schedule_run_due
from tongban.identity import services
from tongban.identity.models import LoginFailure, OneTimeCode

pytestmark = pytest.mark.django_db


def code_created(ago: timedelta, label: str) -> OneTimeCode:
    at = timezone.now() - ago
    return OneTimeCode.objects.create(
        purpose="login",
        mobile_hash=label,
        code_hash=label,
        created_at=at,
        expires_at=at + timedelta(minutes=5),
    )


@pytest.fixture
def rows():
    now = timezone.now()
    LoginFailure.objects.create(key="expired", at=now - timedelta(minutes=16))
    LoginFailure.objects.create(key="counting", at=now - timedelta(minutes=14))
    code_created(timedelta(days=8), "old")
    code_created(timedelta(days=6), "kept")
    RateCounter.objects.create(key="status:ended", slot=1, count=3, expires_at=now)
    RateCounter.objects.create(
        key="status:open", slot=2, count=1, expires_at=now + timedelta(minutes=1)
    )


def test_old_rows_go_recent_rows_stay_and_one_entry_sums_it_up(rows):
    assert services.identity_throttle_purge() == 3

    assert list(LoginFailure.objects.values_list("key", flat=True)) == ["counting"]
    assert list(OneTimeCode.objects.values_list("code_hash", flat=True)) == ["kept"]
    entry = AuditEntry.objects.get(action="identity.throttle.purged")
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["status:open"]
    assert entry.details == {"login_failures": 1, "one_time_codes": 1, "rate_counters": 1}


def test_a_second_run_deletes_and_records_nothing(rows):
    services.identity_throttle_purge()
    assert services.identity_throttle_purge() == 0
    assert AuditEntry.objects.filter(action="identity.throttle.purged").count() == 1
    assert LoginFailure.objects.count() == 1 and OneTimeCode.objects.count() == 1
    assert RateCounter.objects.count() == 1


def test_codes_are_kept_for_the_retention_setting_and_at_least_a_day(rows, settings):
    code_created(timedelta(hours=20), "today")
    settings.TONGBAN_OTP_RETENTION_DAYS = 0  # the daily limit still needs a day of codes
    services.identity_throttle_purge()
    assert list(OneTimeCode.objects.values_list("code_hash", flat=True)) == ["today"]


def test_the_scheduler_runs_the_purge(rows):
    assert "identity.throttle_purge" in schedule_run_due()
    assert LoginFailure.objects.count() == 1 and OneTimeCode.objects.count() == 1
    assert RateCounter.objects.count() == 1

"""The clock fixture keeps the day the run began, so dates a module computed when collected
(TOMORROW) still hold when its tests run after midnight."""

from django.utils import timezone

from tests.conftest import _run_began


def test_clock_at_noon_is_noon_of_the_day_the_run_began(clock_at_noon):
    now = timezone.localtime()
    assert (now.date(), now.hour) == (_run_began["day"], 12)
    assert timezone.localdate() == _run_began["day"]

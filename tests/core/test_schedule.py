"""The scheduler claims each run of a periodic job once, however many schedulers ask."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.core import schedule
from tongban.core.models import ScheduledJob

pytestmark = pytest.mark.django_db


class CountingTask:
    def __init__(self):
        self.enqueued = 0

    def enqueue(self):
        self.enqueued += 1


@pytest.fixture
def only_job(monkeypatch):
    """The registry holds just one job for the test (the real ones are checked below)."""
    task = CountingTask()
    monkeypatch.setattr(schedule, "_jobs", {})
    schedule.register_periodic("test.job", task, every=timedelta(hours=1))
    return task


def test_a_due_job_is_enqueued_once_per_period(only_job):
    now = timezone.now()
    assert schedule.schedule_run_due(now=now) == ["test.job"]
    # Another scheduler (another worker) asking now, or a minute later, wins nothing.
    assert schedule.schedule_run_due(now=now) == []
    assert schedule.schedule_run_due(now=now + timedelta(minutes=59)) == []
    assert only_job.enqueued == 1
    assert schedule.schedule_run_due(now=now + timedelta(hours=1)) == ["test.job"]
    assert only_job.enqueued == 2
    row = ScheduledJob.objects.get(name="test.job")
    assert row.next_run_at == now + timedelta(hours=2)
    assert row.last_run_at == now + timedelta(hours=1)


def test_the_deadline_sweeps_are_registered_hourly():
    jobs = {job.name: job.every for job in schedule.periodic_jobs()}
    assert jobs["cases.deemed_acceptance_sweep"] == timedelta(hours=1)
    assert jobs["cases.overdue_record"] == timedelta(hours=1)


def test_the_scheduler_command_lists_and_runs_once(only_job, capsys):
    from django.core.management import call_command

    call_command("scheduler", "--list")
    assert capsys.readouterr().out.strip() == "test.job\tevery 1:00:00"
    call_command("scheduler", "--once")
    assert capsys.readouterr().out.strip() == "test.job"
    call_command("scheduler", "--once")
    assert capsys.readouterr().out.strip() == "nothing due"
    assert only_job.enqueued == 1

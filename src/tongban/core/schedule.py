"""Periodic jobs: the deadline sweeps and anything else that must run on a clock.

The Django tasks API has no periodic scheduling, so each context registers its jobs here (in its
``AppConfig.ready``) and a scheduler loop enqueues them when due. The loop runs inside every
``tongban worker`` (and in the demo server); a run is claimed by one conditional UPDATE on the
job's ``ScheduledJob`` row, so however many workers run, each run is enqueued once. Jobs must be
idempotent: a crash between claim and completion is repaired by the next run, not retried."""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .models import ScheduledJob
from .ticker import tick_forever, tick_in_thread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: object  # a django_tasks Task: anything with .enqueue()


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, task, *, every: timedelta) -> None:
    _jobs[name] = PeriodicJob(name=name, every=every, task=task)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def schedule_run_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names this call claimed."""
    now = now or timezone.now()
    claimed = []
    for job in periodic_jobs():
        ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        won = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_run_at=now
        )
        if won:
            job.task.enqueue()
            claimed.append(job.name)
    return claimed


def _scheduler_tick() -> None:
    claimed = schedule_run_due()
    if claimed:
        log.info("scheduled jobs enqueued: %s", ", ".join(claimed))


def scheduler_loop(*, interval: float = 60.0, stop: threading.Event | None = None) -> None:
    """Check for due jobs every ``interval`` seconds until ``stop`` is set."""
    tick_forever(_scheduler_tick, interval=interval, stop=stop or threading.Event())


def scheduler_start_thread(*, interval: float = 60.0) -> threading.Event:
    """Run the loop in a daemon thread beside a server or worker; set the event to stop it."""
    return tick_in_thread(_scheduler_tick, interval=interval, name="tongban-scheduler")

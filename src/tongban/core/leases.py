"""Reclaiming the tasks of a worker that died.

django-tasks-db (0.13, the newest) claims a task by setting it RUNNING and appending the
worker's id to ``worker_ids``, and has no lease or heartbeat: a worker that is killed (kill -9,
out of memory, a lost node) leaves its task RUNNING for ever and nothing runs it again. So every
``tongban worker`` holds a lease: a thread beside the worker loop renews the worker's
``WorkerLease`` row every third of ``TONGBAN_WORKER_LEASE_SECONDS`` and, on the same tick,
re-queues (RUNNING → READY) each task that was claimed longer ago than the lease by a worker
whose lease has expired. The re-queue is one conditional UPDATE per task, so however many
workers tick at once, a task is re-queued once, and then run by whichever worker takes it.

This makes delivery at-least-once, not exactly-once: a task can be run again after its worker
died half-way (or stalled longer than the lease), so task bodies must be idempotent (delivering
a message works under its row lock and only on a message still due, see ``notify.services``;
the periodic sweeps repair rather than repeat). Tasks must be run by ``tongban worker``: a plain
``db_worker`` holds no lease, and its tasks are re-queued once they run longer than the lease.

With ``TONGBAN_TASK_BACKEND=rq`` the lease is the same ``WorkerLease`` row (named by the RQ
worker's name) and the same tick re-queues the RQ jobs of workers whose lease expired, before
RQ would fail them as abandoned (``core.rq_queue``); a plain ``rqworker`` holds no lease."""

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerLease
from .ticker import tick_in_thread

log = logging.getLogger(__name__)


def _lease() -> timedelta:
    return timedelta(seconds=settings.TONGBAN_WORKER_LEASE_SECONDS)


def lease_renew(worker_id: str, *, now: datetime | None = None) -> None:
    WorkerLease.objects.update_or_create(
        worker_id=worker_id, defaults={"renewed_at": now or timezone.now()}
    )


def tasks_reclaim(*, now: datetime | None = None) -> list[str]:
    """Re-queue the RUNNING tasks whose worker's lease has expired; returns their ids."""
    expired_before = (now or timezone.now()) - _lease()
    WorkerLease.objects.filter(renewed_at__lt=expired_before).delete()
    alive = set(WorkerLease.objects.values_list("worker_id", flat=True))
    if settings.TONGBAN_TASK_BACKEND == "rq":
        from .rq_queue import rq_tasks_reclaim

        return rq_tasks_reclaim(alive=alive, started_before=expired_before)
    stale = DBTaskResult.objects.running().filter(started_at__lt=expired_before)
    reclaimed = []
    for task_id, started_at, worker_ids in stale.values_list("pk", "started_at", "worker_ids"):
        if worker_ids and worker_ids[-1] in alive:
            continue
        if stale.filter(pk=task_id, started_at=started_at).update(status=TaskResultStatus.READY):
            reclaimed.append(str(task_id))
    return reclaimed


def lease_start_thread(worker_id: str) -> threading.Event:
    """Hold ``worker_id``'s lease from a daemon thread (it dies with the worker, as it must):
    renew it and reclaim dead workers' tasks every third of the lease."""

    def lease_tick() -> None:
        lease_renew(worker_id)
        reclaimed = tasks_reclaim()
        if reclaimed:
            log.warning("re-queued tasks of dead workers: %s", ", ".join(reclaimed))

    interval = settings.TONGBAN_WORKER_LEASE_SECONDS / 3
    return tick_in_thread(lease_tick, interval=interval, name="tongban-worker-lease")

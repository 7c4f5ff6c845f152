"""Tasks on an RQ queue in Redis (``TONGBAN_TASK_BACKEND=rq``, django-tasks-rq): the worker
``tongban worker`` runs, and the re-queueing of a dead worker's job (see ``core.leases``).

The worker is RQ's ``SimpleWorker``: each job runs in the worker process, not in a child
forked per job, so the lease and scheduler threads beside it share its fate (kill the worker
and its lease stops being renewed) and Django's database connections are never inherited by a
fork. Each job opens and closes like a request: stale connections are dropped before and after.

RQ itself treats the job of a killed worker as *abandoned* only once its entry in the queue's
``StartedJobRegistry`` outlives the job's timeout plus 60 s, and then, since django-tasks-rq
gives jobs no retries, moves it to the ``FailedJobRegistry``: the task would be lost. So the
lease tick re-queues it first: a job still STARTED whose worker (the worker's name is its
lease id) holds no lease, and which started longer than the lease ago, is taken out of the
registry with one ``ZREM`` (only one ticking worker gets 1 back) and pushed to the front of
its queue. As on the database queue, delivery is at-least-once and task bodies are idempotent.
"""

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.db import close_old_connections
from rq.job import JobStatus
from rq.worker import SimpleWorker

log = logging.getLogger(__name__)


class Worker(SimpleWorker):
    def execute_job(self, job, queue):
        close_old_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            close_old_connections()


def _queues():
    import django_rq
    from django_tasks_rq.backend import Job

    return [django_rq.get_queue(name, job_class=Job) for name in settings.RQ_QUEUES]


def rq_work(worker_id: str, *, burst: bool = False) -> None:
    """Run jobs from every configured queue until stopped (or, with ``burst``, until empty).
    RQ's own scheduler (jobs deferred with ``run_after``) runs in one worker at a time."""
    import django_rq
    from django_tasks_rq.backend import Job

    worker = django_rq.get_worker(
        *settings.RQ_QUEUES, job_class=Job, worker_class=Worker, name=worker_id
    )
    worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")


def rq_tasks_reclaim(*, alive: set[str], started_before: datetime) -> list[str]:
    """Re-queue the jobs started before ``started_before`` by a worker not in ``alive``;
    returns their ids."""
    reclaimed = []
    for queue in _queues():
        registry = queue.started_job_registry
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            job = queue.fetch_job(job_id)
            if job is None or job.get_status() != JobStatus.STARTED or job.started_at is None:
                continue
            started_at = job.started_at
            if started_at.tzinfo is None:
                started_at = started_at.replace(tzinfo=UTC)
            if job.worker_name in alive or started_at >= started_before:
                continue
            if queue.connection.zrem(registry.key, f"{job_id}:{execution_id}"):
                queue.enqueue_job(job, at_front=True)
                reclaimed.append(job_id)
    return reclaimed

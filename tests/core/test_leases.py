"""A worker that dies leaves its task RUNNING; the lease of the living re-queues it."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from tongban.core.leases import lease_renew, tasks_reclaim
from tongban.core.models import WorkerLease

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def running(worker_ids: list[str], *, started: timedelta) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {"message_id": 1}},
        task_path="tongban.notify.tasks.message_deliver_task",
        backend_name="default",
        run_after=NOW - timedelta(hours=1),
        started_at=NOW - started,
        worker_ids=worker_ids,
    )


@pytest.mark.django_db
def test_tasks_of_workers_without_a_live_lease_are_requeued(settings):
    settings.TONGBAN_WORKER_LEASE_SECONDS = 60
    lease_renew("alive", now=NOW - timedelta(seconds=20))
    lease_renew("dead", now=NOW - timedelta(seconds=61))
    of_the_living = running(["alive"], started=timedelta(minutes=5))
    of_the_dead = running(["alive", "dead"], started=timedelta(minutes=5))
    of_no_lease = running(["plain-db-worker"], started=timedelta(seconds=61))
    just_claimed = running(["starting"], started=timedelta(seconds=30))

    assert sorted(tasks_reclaim(now=NOW)) == sorted([str(of_the_dead.pk), str(of_no_lease.pk)])
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses == {
        of_the_living.pk: "RUNNING",
        of_the_dead.pk: "READY",
        of_no_lease.pk: "READY",
        just_claimed.pk: "RUNNING",
    }
    assert list(WorkerLease.objects.values_list("worker_id", flat=True)) == ["alive"]
    assert tasks_reclaim(now=NOW) == []

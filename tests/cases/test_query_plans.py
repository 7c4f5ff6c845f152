"""The hourly sweeps and the queues read through an index, not a scan of every case, event or
task: each query as the code sends it, explained on PostgreSQL with sequential scans priced out
(``enable_seqscan = off``, so a tiny database plans as a large one would where an index fits),
names the index made for it. bench/cases_explain.py shows the same plans at 1,000,000 cases."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongban.cases import selectors, services
from tongban.cases.choices import QueueKind

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="query plans are PostgreSQL's; SQLite plans its own way",
)


def _selects(run, table: str) -> list[str]:
    """The SELECTs from ``table`` that ``run()`` sends, as sent (parameters inlined)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    head = f'FROM "{table}"'
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and head in q["sql"]
    ]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


@pytest.fixture
def late(world):
    """A case in pre-review, and one under review with its task, all past their dates."""
    world.submitted()
    world.under_review()
    return timezone.localdate() + timedelta(days=60)


def test_deemed_acceptance_reads_the_pre_review_queues_index(world, late):
    run = lambda: services.cases_deemed_acceptance_sweep(today=late)  # noqa: E731
    plan = _plan(_selects(run, "cases_case")[0])
    assert "case_queue_pre_review" in plan and "Seq Scan" not in plan, plan


def test_the_overdue_sweep_reads_late_cases_and_tasks_by_date_and_their_records_by_case(
    world, late
):
    run = lambda: services.cases_overdue_record(today=late)  # noqa: E731
    with CaptureQueriesContext(connection) as captured:
        assert run() == 2
    reads = [q["sql"] for q in captured.captured_queries if "NOT EXISTS" in q["sql"]]
    assert len(reads) == 2  # one read of the cases, one of the tasks: no query per task
    cases, tasks = map(_plan, reads)
    assert "case_open_promised_due" in cases and "case_event_overdue" in cases, cases
    assert "case_task_queue" in tasks and "case_event_overdue" in tasks, tasks
    assert "Seq Scan" not in cases + tasks, cases + tasks


@pytest.mark.parametrize(
    ("kind", "index"),
    [
        (QueueKind.PRE_REVIEW, "case_queue_pre_review"),
        (QueueKind.ACCEPT, "case_queue"),
        (QueueKind.REVIEW, "case_task_queue"),
    ],
)
def test_each_queue_reads_its_departments_index(world, late, kind, index):
    table = "cases_casetask" if kind == QueueKind.REVIEW else "cases_case"
    run = lambda: selectors.queue_for_staff(staff=world.reviewer_a, kind=kind)  # noqa: E731
    plan = _plan(_selects(run, table)[0])
    assert f"Index Scan using {index} on {table}" in plan and "Seq Scan" not in plan, plan

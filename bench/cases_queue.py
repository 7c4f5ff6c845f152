"""A department's queues at scale, in the benchmark's environment (``python -m
bench.cases_queue --out FILE``): for each queue kind, the query plan of
``cases.selectors.queue_for_staff`` (``EXPLAIN (ANALYZE, BUFFERS)``, run on the filled
database) and the number of queries the queue and the workbench's queue page
(``queue_page_for_staff``) make at two page sizes. The department is the one with the most
cases in pre-review; its reviewer is the bench's (``bench.reviewer.<code>``)."""

import argparse
import json
import os
import time
from pathlib import Path

PAGE_SIZES = (10, 200)


def busiest_department():
    from django.db import connection

    from tongban.identity.models import Department

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT department_id, count(*) FROM cases_case WHERE state = 'pre_review'"
            " GROUP BY department_id ORDER BY 2 DESC LIMIT 1"
        )
        department_id, _ = cursor.fetchone()
    return Department.objects.get(pk=department_id)


def queue_report(staff, kind: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongban.cases import selectors

    selectors.queue_for_staff(staff=staff, kind=kind, limit=50)  # warm: roles, caches
    counts = {}
    for size in PAGE_SIZES:
        with CaptureQueriesContext(connection) as queue:
            rows = selectors.queue_for_staff(staff=staff, kind=kind, limit=size)
        with CaptureQueriesContext(connection) as page:
            selectors.queue_page_for_staff(staff=staff, kind=kind, limit=size)
        counts[size] = {"rows": len(rows), "queue": len(queue), "page": len(page)}
    # The row reads (pre-review makes two: the department's own, and its theme memberships').
    reads = [q["sql"] for q in queue.captured_queries if "ORDER BY" in q["sql"]]
    plans, explain_ms = [], 0.0
    with connection.cursor() as cursor:
        for sql in reads:
            started = time.perf_counter()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
            explain_ms += (time.perf_counter() - started) * 1000
    return {
        "kind": kind,
        "queries": counts,
        "sql": "\n\n".join(reads),
        "plan": "\n\n".join(plans),
        "ms": round(explain_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.db import connection

    from tongban.cases.choices import QueueKind

    from .cases_prepare import reviewer

    department = busiest_department()
    staff = reviewer(department)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT state, count(*) FROM cases_case WHERE department_id = %s GROUP BY state",
            [department.pk],
        )
        held = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM cases_casetask WHERE department_id = %s AND state = 'open'",
            [department.pk],
        )
        open_tasks = cursor.fetchone()[0]
    report = {
        "cases": total,
        "department": {"code": department.code, "name": department.name, "cases": held},
        "open_tasks": open_tasks,
        "queues": [queue_report(staff, kind) for kind in QueueKind.values],
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

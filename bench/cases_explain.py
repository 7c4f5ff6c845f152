"""Every hot read of cases at scale, explained (``python -m bench.cases_explain [--out FILE]``,
in the benchmark's environment, on the filled database): the hourly sweeps, a department's
queues (the workbench's dashboards, with and without the overdue filter), the public status
query, an applicant's case list, the 「我的」 security log and, once licences are filled
(``bench.licences_data``), the wallet (我的证照) of a bench holder and of the busiest holder.
Each query is the one the code sends (captured, or built by the sweeps' own query functions,
which write nothing), run under ``EXPLAIN (ANALYZE, BUFFERS)``; printed: its top plan node,
execution time, buffers, and the tables read with the index used for each (``Seq Scan`` where
none is). Then every index of the cases, audit and licence tables with its size and
``pg_stat_user_indexes`` use.

Nothing is changed: the sweeps' reads are explained without running the sweeps, and the other
reads are read-only selectors (the queue's reviewer is the bench's, made by
``bench.cases_prepare`` if it is missing)."""

import argparse
import functools
import json
import os
from pathlib import Path

TABLES = ("cases_case", "cases_caseevent", "cases_casetask", "core_auditentry", "licences_licence")


def explain(sql: str, params=None) -> dict:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of one statement: the plan's summary and its text."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        (doc,) = cursor.fetchone()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    top = (json.loads(doc) if isinstance(doc, str) else doc)[0]
    plan = top["Plan"]
    scans = []

    def walk(node):
        if "Relation Name" in node:
            scans.append(
                {
                    "node": node["Node Type"],
                    "table": node["Relation Name"],
                    "index": node.get("Index Name", ""),
                    "rows": node.get("Actual Rows", 0) * node.get("Actual Loops", 1),
                }
            )
        elif "Index Name" in node:  # a bitmap index scan names no table
            scans.append({"node": node["Node Type"], "table": "", "index": node["Index Name"]})
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan)
    return {
        "node": plan["Node Type"],
        "ms": round(top["Execution Time"], 3),
        "planning_ms": round(top["Planning Time"], 3),
        "rows": plan.get("Actual Rows", 0),
        "buffers": plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0),
        "scans": scans,
        "indexed": all(s["node"] != "Seq Scan" for s in scans),
        "plan": text,
    }


def captured(run, *, contains: str) -> list[str]:
    """The statements ``run()`` sends that read ``contains`` (parameters inlined)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and contains in q["sql"]
    ]


def sql_of(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params)


def one(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()


def hot_queries() -> list[tuple[str, str]]:
    """(name, SQL) of every hot read, on the busiest department and the busiest people."""
    from django.db import connection
    from django.utils import timezone

    from tongban.cases import selectors
    from tongban.cases.choices import QueueKind
    from tongban.cases.services import sweeps
    from tongban.identity import selectors as identity_selectors
    from tongban.identity.models import Person

    from .cases_prepare import reviewer
    from .cases_queue import busiest_department

    today = timezone.localdate()
    tasks = sweeps.overdue_tasks_unrecorded(today)
    found = [
        ("sweep: deemed acceptance", sql_of(sweeps.deemed_acceptance_due(today))),
        ("sweep: overdue cases", sql_of(sweeps.overdue_cases_unrecorded(today))),
        ("sweep: overdue tasks", sql_of(tasks)),
        # their cases, by primary key (the prefetch, as sent; none if no task is late)
        *[
            ("sweep: overdue tasks, their cases", sql)
            for sql in captured(lambda: list(tasks), contains='FROM "cases_case" ')
        ],
    ]
    staff = reviewer(busiest_department())
    for kind in QueueKind.values:
        for overdue in (False, True):
            run = functools.partial(
                selectors.queue_for_staff, staff=staff, kind=kind, limit=50, overdue_only=overdue
            )
            run()  # warm: the role check, the theme memberships (cached per process)
            name = f"queue: {kind}{' (overdue only)' if overdue else ''}"
            reads = [s for s in captured(run, contains='FROM "cases_') if "ORDER BY" in s]
            found += [(name if i == 0 else f"{name}, theme cases", s) for i, s in enumerate(reads)]
    with connection.cursor() as cursor:
        number, applicant_id = one(
            cursor,
            "SELECT number, applicant_id FROM cases_case WHERE number IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
        )
        busiest_applicant = one(
            cursor, "SELECT applicant_id FROM cases_case GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )[0]
        logged = one(
            cursor,
            "SELECT subject_person_id FROM core_auditentry WHERE subject_person_id IS"
            " NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        )[0]
    name = Person.objects.get(pk=applicant_id).name
    status = captured(
        lambda: selectors.case_public_status(number=number, name=name), contains="cases_case"
    )
    found.append(("status query", status[0]))
    account = Person.objects.get(pk=busiest_applicant).account
    mine = captured(
        lambda: selectors.cases_with_progress_for_applicant(account=account),
        contains="cases_case",
    )
    found += [("applicant's cases", mine[0]), ("applicant's cases: their parts", mine[1])]
    person = Person.objects.get(pk=logged)
    log = captured(
        lambda: list(identity_selectors.security_log_page(person=person, page=1)),
        contains="core_auditentry",
    )
    found += [("security log: count", log[0]), ("security log: page 1", log[1])]
    return found + wallet_queries()


def wallet_queries() -> list[tuple[str, str]]:
    """我的证照 of a bench holder (five licences) and the same query for the person holding the
    most licences (who has no account: the holder's id is swapped into the captured SQL)."""
    from django.db import connection

    from tongban.identity import selectors as identity_selectors
    from tongban.licences import selectors as licences

    from .licences_data import holder_identity

    person = identity_selectors.person_by_id_number(holder_identity(0)[1])
    if person is None:
        return []
    (sql,) = captured(
        lambda: licences.wallet_for_account(account=person.account),
        contains='FROM "licences_licence"',
    )
    with connection.cursor() as cursor:
        busiest = one(
            cursor,
            "SELECT holder_person_id FROM licences_licence GROUP BY 1 ORDER BY count(*) DESC"
            " LIMIT 1",
        )[0]
    mine = f'"licences_licence"."holder_person_id" = {person.pk}'
    assert mine in sql, sql
    busiest_sql = sql.replace(mine, f'"licences_licence"."holder_person_id" = {busiest}')
    return [("wallet: a bench holder", sql), ("wallet: the busiest holder", busiest_sql)]


def index_usage() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname, s.indexrelname, pg_relation_size(s.indexrelid), s.idx_scan,"
            " pg_get_indexdef(s.indexrelid) FROM pg_stat_user_indexes s"
            " WHERE s.relname = ANY(%s) ORDER BY s.relname, s.indexrelname",
            [list(TABLES)],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s)",
            [list(TABLES)],
        )
        updates = {r[0]: {"updates": r[1], "hot": r[2]} for r in cursor.fetchall()}
    return {
        "indexes": [
            {"table": t, "index": i, "mb": round(size / 2**20, 1), "scans": n, "def": d}
            for t, i, size, n, d in rows
        ],
        "updates": updates,
    }


def report() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        total = one(cursor, "SELECT count(*) FROM cases_case")[0]
    queries = [{"name": name, "sql": sql, **explain(sql)} for name, sql in hot_queries()]
    return {"cases": total, "queries": queries, **index_usage()}


def summary(result: dict) -> str:
    lines = [f"{result['cases']:,} cases"]
    for q in result["queries"]:
        used = ", ".join(
            f"{s['node']} {s['index'] or s['table']}".strip() for s in q["scans"] if s["index"]
        )
        seq = [s["table"] for s in q["scans"] if s["node"] == "Seq Scan"]
        lines.append(
            f"{q['name']:<46} {q['ms']:>9.3f} ms  {q['node']:<14} buffers {q['buffers']:>7}  "
            f"{'index' if q['indexed'] else 'SEQ SCAN ' + ','.join(seq)}: {used}"
        )
    for table, n in result["updates"].items():
        share = n["hot"] / n["updates"] if n["updates"] else 0
        count = sum(1 for i in result["indexes"] if i["table"] == table)
        lines.append(f"{table}: {count} indexes, {n['updates']} updates, {share:.0%} HOT")
    for i in result["indexes"]:
        lines.append(f"  {i['table']:<16} {i['index']:<48} {i['mb']:>7.1f} MB {i['scans']:>9}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    result = report()
    print(summary(result))
    if args.plans:
        for q in result["queries"]:
            lines = (
                line if len(line) < 200 else line[:200] + " …" for line in q["plan"].split("\n")
            )
            print(f"\n--- {q['name']}\n" + "\n".join(lines))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

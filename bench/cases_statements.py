"""SQL statements per request of the cases bench's two write targets, counted in-process with
Django's test client (the counts are deterministic: they do not depend on the machine, the
load or the database's size).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_perf_stmts \\
        .venv/bin/python -m bench.cases_statements [--fresh]

The database is migrated and seeded with the demo city if it is empty (``--fresh`` flushes it
first). One application (``POST /api/v1/cases/apply``: the answers + one small PDF per required
material, as ``bench/cases_prepare.py`` builds it), then one full lifecycle (apply → accept →
review-start → decide → status query), each request's statements printed with a breakdown:
savepoints, and the SELECTs repeated within the request grouped by normalised SQL (top 10).
The first application warms the per-process caches, as a long-running server's are; the
figures shown are those of the requests after it."""

import argparse
import json
import os
import re
from collections import Counter

NORMALISE = [
    (re.compile(r"'(?:[^']|'')*'"), "?"),
    (re.compile(r"\b\d+(\.\d+)?\b"), "?"),
    (re.compile(r"\(\?(?:, \?)*\)"), "(…)"),
]


def normalised(sql: str) -> str:
    for pattern, repl in NORMALISE:
        sql = pattern.sub(repl, sql)
    return sql


def kind(sql: str) -> str:
    head = sql.lstrip().split(None, 1)[0].upper()
    if head in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SAVEPOINT/RELEASE"
    return head


def report(label: str, sqls: list[str], top: int) -> dict:
    kinds = Counter(kind(s) for s in sqls)
    selects = Counter(normalised(s) for s in sqls if kind(s) == "SELECT")
    repeated = [(n, sql) for sql, n in selects.most_common() if n > 1][:top]
    breakdown = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
    print(f"\n== {label}: {len(sqls)} statements  {breakdown}")
    for n, sql in repeated:
        print(f"   {n}× {sql[:220]}")
    return {
        "statements": len(sqls),
        "kinds": dict(kinds),
        "repeated_selects": repeated,
        "sql": sqls,
    }


def setup(fresh: bool) -> None:
    from django.core.management import call_command

    from tongban.catalog.models import ServiceItem

    if fresh:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    if not ServiceItem.objects.filter(published__isnull=False).exists():
        from tongban.demo.seed import seed

        seed()


class Counted:
    """The statements a block runs on the default connection."""

    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.ctx = CaptureQueriesContext(connection)
        self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self.ctx.__exit__(*exc)
        self.sqls = [q["sql"] for q in self.ctx.captured_queries]


def run(top: int) -> dict:
    from django.test import Client

    from bench.cases_prepare import PDF, applicant, pick_items, reviewer

    [(item, needed)] = pick_items(1)
    person, staff = applicant(1), reviewer(item.department)
    form = {"applicant_name": person.name, "id_number": person.id_number, "mobile": person.mobile}
    client, desk = Client(), Client()
    client.force_login(person.account)
    desk.force_login(staff.account)

    def apply():
        from django.core.files.uploadedfile import SimpleUploadedFile

        body = {"item_id": str(item.pk), "form_data": json.dumps(form, ensure_ascii=False)}
        for entry in needed:
            body[f"material_{entry.id}"] = SimpleUploadedFile(
                f"m{entry.id}.pdf", PDF, "application/pdf"
            )
        response = client.post("/api/v1/cases/apply", body)
        assert response.status_code == 201, response.content
        return response.json()

    def staff_post(path, payload):
        response = desk.post(path, payload, content_type="application/json")
        assert response.status_code == 200, (path, response.content)

    # Warm the per-process caches (catalog items, the calendar's years) with one lifecycle, as a
    # serving worker's are after its first requests.
    warm = f"/api/v1/cases/staff/cases/{apply()['id']}"
    for step, payload in (
        ("accept", {}),
        ("review-start", {}),
        ("decide", {"decision": "approved"}),
    ):
        staff_post(f"{warm}/{step}", payload)
    results = {}
    with Counted() as c:
        apply()
    results["apply"] = report("apply", c.sqls, top)
    with Counted() as c:
        case = apply()
    results["lifecycle: apply"] = report("lifecycle: apply", c.sqls, top)
    base = f"/api/v1/cases/staff/cases/{case['id']}"
    for step, payload in (
        ("accept", {}),
        ("review-start", {}),
        ("decide", {"decision": "approved"}),
    ):
        with Counted() as c:
            staff_post(f"{base}/{step}", payload)
        results[f"lifecycle: {step}"] = report(f"lifecycle: {step}", c.sqls, top)
    with Counted() as c:
        response = Client().get(
            "/api/v1/cases/status", {"number": case["number"], "name": person.name}
        )
        assert response.status_code == 200 and response.json()["state"] == "decided"
    results["lifecycle: status"] = report("lifecycle: status", c.sqls, top)
    total = sum(v["statements"] for k, v in results.items() if k.startswith("lifecycle"))
    print(f"\napplication: {results['apply']['statements']}   lifecycle total: {total}")
    results["lifecycle total"] = total
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true", help="flush the database first")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    os.environ.setdefault("TONGBAN_TASK_BACKEND", "database")
    # Deterministic figures: the per-process caches' TTLs do not run out between the requests.
    os.environ.setdefault("TONGBAN_SEARCH_VERSION_TTL", "3600")
    os.environ.setdefault("TONGBAN_CALENDAR_TTL", "3600")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    setup(args.fresh)
    results = run(args.top)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()

"""The 12345 supervision board and analysis pages at scale, rendered through their views with
the Django test client (session, access, the summary queries, the template and its SVG charts),
beside a bare primary-key read of a ticket measured in the same run (alternating rounds, so
whatever else the machine does weighs on all alike).

    DATABASE_URL=postgres://... PYTHONPATH=src .venv/bin/python bench/hotline_board.py \
        [--rounds 60]

On a seeded database (``tongban seed --tickets N``), as the demo's dispatcher (``DESK``). Prints
tickets and summary rows held, the queries each page makes (twice, to show they do not grow),
p50/p99 of each and the ratio of its p99 to the bare read's. Exits 1 when a page's p99 is
200 ms or more."""

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

PAGES = {"board": "/workbench/hotline/board/", "analysis": "/workbench/hotline/analysis/"}
BUDGET_MS = 200.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from tongban.hotline.models import StreetWeek, Ticket, TicketWeek
    from tongban.identity.models import Staff

    setup_test_environment()  # the test client's host; nothing else of a test
    desk = Staff.objects.select_related("account").get(account__username="dispatcher.12345")
    client = Client()
    client.force_login(desk.account)
    with connection.cursor() as cursor:  # the planner's estimates: exact counts would scan
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN (%s, %s, %s)",
            [Ticket._meta.db_table, TicketWeek._meta.db_table, StreetWeek._meta.db_table],
        )
        held = dict(cursor.fetchall())
        cursor.execute(f"SELECT min(id), max(id) FROM {Ticket._meta.db_table}")
        low, high = cursor.fetchone()
    rng = random.Random(13)

    def bare() -> None:
        Ticket.objects.filter(pk=rng.randint(low, high)).first()

    def page(path: str):
        def get() -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        return get

    targets = {name: page(path) for name, path in PAGES.items()} | {"bare PK read": bare}
    queries = {}
    for name in PAGES:
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as seen:
                targets[name]()
            counts.append(len(seen.captured_queries))
        queries[name] = counts
    times: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, fn in targets.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    ceiling = percentile(times["bare PK read"], 99)
    print(
        f"{connection.vendor}, ~{held.get(Ticket._meta.db_table, 0):,} tickets, "
        f"~{held.get(TicketWeek._meta.db_table, 0):,} + "
        f"~{held.get(StreetWeek._meta.db_table, 0):,} summary rows; {args.rounds} rounds, "
        "pages through the view (Django test client)"
    )
    ok = True
    for name, values in times.items():
        p50, p99 = statistics.median(values), percentile(values, 99)
        extra = f"  queries {queries[name]}" if name in queries else ""
        ratio = f"  p99/bare {p99 / ceiling:7.1f}" if name in queries else ""
        print(f"{name:13} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms{ratio}{extra}")
        ok = ok and (name not in queries or p99 < BUDGET_MS)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Full 12345 ticket lifecycles per second through the services, beside a bare insert of a
Ticket-shaped row in the same run (alternating slices, so whatever else the machine does
weighs on both alike).

    DATABASE_URL=postgres://... .venv/bin/python -m bench.hotline_lifecycle \
        [--seconds 5] [--slices 4] [--workers 1] [--profile]

On a seeded database (``tongban seed --tickets N``): a lifecycle is the citizen filing
(``ticket_file``), the desk dispatching by the responsibility list (``ticket_dispatch``), the
department accepting and replying, the citizen's callback, and the citizen reading the ticket
(``selectors.ticket_of_requester``). Prints tickets held, both rates and their ratio.

``--workers N`` runs N processes at once (forked, each with its own connection, its own
citizen and address: N people filing in N places), the lifecycles and the ceiling alike; a
slice's rate is what all N did over the slice's wall time. The aim (63/s) is the machine's, so
it is read at the concurrency the machine serves best. ``--profile`` (one worker) adds the SQL
statements each verb sends and its mean time, counted with ``CaptureQueriesContext``."""

import argparse
import os
import sys
import time
from collections import defaultdict

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

TEXT = "小区楼下工地半夜还在施工，电钻声吵得睡不着，请处理。"
VERBS = ("file", "dispatch", "accept", "start", "reply", "callback", "query")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="per slice and target")
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="processes at once")
    parser.add_argument("--profile", action="store_true", help="statements and ms per verb")
    args = parser.parse_args(argv)
    import django

    django.setup()

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench.workers import forked
    from tongban.demo.seed import CITIZENS, DEMO_PASSWORD
    from tongban.hotline import selectors, services
    from tongban.hotline.models import Ticket
    from tongban.identity import selectors as identity_selectors
    from tongban.identity import services as identity
    from tongban.identity.choices import StaffRoleName as R
    from tongban.identity.models import Staff
    from tongban.registries import selectors as registries_selectors

    desk = Staff.objects.get(account__username="dispatcher.12345")
    places = registries_selectors.addresses_sample(limit=args.workers)

    def actors(worker: int):
        """The citizen, address and department handler of one worker (made once)."""
        citizen = identity_selectors.person_by_id_number(CITIZENS[worker % len(CITIZENS)][1])
        place = places[worker % len(places)]
        first = services.ticket_file(account=citizen.account, kind="complaint", text=TEXT,
                                     place_code=place.address_code)  # fmt: skip
        first = services.ticket_dispatch(staff=desk, ticket_id=first.pk, category="env-noise")
        handler = Staff.objects.filter(
            department=first.department, account__username__startswith="bench.handler"
        ).first() or identity.staff_create(
            username=f"bench.handler.{first.department.pk}", display_name="压测承办",
            password=DEMO_PASSWORD, department=first.department, roles=[R.REVIEWER],
        )  # fmt: skip
        return citizen.account, place, handler

    cast = [actors(w) for w in range(args.workers)]
    counts: dict[str, list[int]] = defaultdict(list)
    spent: dict[str, float] = defaultdict(float)

    def verb(name: str, call):
        if not args.profile:
            return call()
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = call()
        spent[name] += time.perf_counter() - start
        counts[name].append(len(queries.captured_queries))
        return result

    def lifecycle(worker: int) -> None:
        citizen, place, handler = cast[worker]
        t = verb(
            "file",
            lambda: services.ticket_file(
                account=citizen, kind="complaint", text=TEXT, place_code=place.address_code
            ),
        )
        pk = t.pk
        verb(
            "dispatch",
            lambda: services.ticket_dispatch(staff=desk, ticket_id=pk, category="env-noise"),
        )
        verb("accept", lambda: services.ticket_accept(staff=handler, ticket_id=pk))
        verb("start", lambda: services.ticket_start(staff=handler, ticket_id=pk))
        answer = "已到现场核实，施工已停止。"
        verb("reply", lambda: services.ticket_reply(staff=handler, ticket_id=pk, answer=answer))
        verb(
            "callback",
            lambda: services.ticket_callback(
                account=citizen, ticket_id=pk, solved=True, satisfied=True
            ),
        )
        verb("query", lambda: selectors.ticket_of_requester(citizen, pk))

    serial = [0]

    def bare(worker: int) -> None:
        citizen, place, _handler = cast[worker]
        serial[0] += 1
        with transaction.atomic():
            Ticket.objects.create(
                number=f"BX{os.getpid() % 100000:05d}{worker:02d}{serial[0]:07d}",
                channel="web", kind="complaint", text=TEXT, requester=citizen,
                district_id=place.district_code, street_id=place.street_code,
                place_id=place.address_code, address=place.address,
            )  # fmt: skip

    def run(fn, worker: int) -> tuple[int, float]:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            fn(worker)
            count += 1
        return count, time.perf_counter() - start

    def concurrent(fn) -> tuple[int, float]:
        """``fn`` in ``--workers`` forked processes (one worker: in this process)."""
        if args.workers == 1:
            return run(fn, 0)
        return forked(lambda worker: run(fn, worker), args.workers)

    totals = {"lifecycle": [0, 0.0], "bare insert": [0, 0.0]}
    for _ in range(args.slices):
        for name, fn in (("lifecycle", lifecycle), ("bare insert", bare)):
            n, s = concurrent(fn)
            totals[name][0] += n
            totals[name][1] += s
    held = Ticket.objects.count()
    rates = {k: n / s for k, (n, s) in totals.items()}
    print(f"{connection.vendor}, {held:,} tickets held, {args.workers} worker(s)")
    for name, rate in rates.items():
        print(f"{name:12} {rate:9.1f}/s  ({totals[name][0]} in {totals[name][1]:.1f} s)")
    print(f"ratio bare/lifecycle {rates['bare insert'] / rates['lifecycle']:.1f}")
    if args.profile and args.workers == 1:
        n = len(counts["file"])
        print("verb       statements  ms each")
        for name in VERBS:
            low, high = min(counts[name]), max(counts[name])
            shown = f"{low}" if low == high else f"{low}–{high}"
            print(f"{name:10} {shown:>10}  {1000 * spent[name] / n:7.1f}")
    Ticket.objects.filter(number__startswith="BX").delete()
    return 0 if rates["lifecycle"] >= 63 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Full 12345 ticket lifecycles per second through the services, beside a bare insert of a
Ticket-shaped row in the same run (alternating slices, so whatever else the machine does
weighs on both alike).

    DATABASE_URL=postgres://... PYTHONPATH=src .venv/bin/python bench/hotline_lifecycle.py \
        [--seconds 5] [--slices 4]

On a seeded database (``tongban seed --tickets N``): a lifecycle is the citizen filing
(``ticket_file``), the desk dispatching by the responsibility list (``ticket_dispatch``), the
department accepting and replying, the citizen's callback, and the citizen reading the ticket
(``selectors.ticket_of_requester``). Prints tickets held, both rates and their ratio."""

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="per slice and target")
    parser.add_argument("--slices", type=int, default=4)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.db import connection, transaction

    from tongban.demo.seed import CITIZENS, DEMO_PASSWORD
    from tongban.hotline import selectors, services
    from tongban.hotline.models import Ticket
    from tongban.identity import selectors as identity_selectors
    from tongban.identity import services as identity
    from tongban.identity.choices import StaffRoleName as R
    from tongban.identity.models import Staff
    from tongban.registries import selectors as registries_selectors

    citizen = identity_selectors.person_by_id_number(CITIZENS[0][1]).account
    desk = Staff.objects.get(account__username="dispatcher.12345")
    place = registries_selectors.addresses_sample(limit=1)[0]
    text = "小区楼下工地半夜还在施工，电钻声吵得睡不着，请处理。"
    first = services.ticket_file(account=citizen, kind="complaint", text=text,
                                 place_code=place.address_code)  # fmt: skip
    first = services.ticket_dispatch(staff=desk, ticket_id=first.pk, category="env-noise")
    handler = Staff.objects.filter(department=first.department, account__username="bench.handler")
    handler = handler.first() or identity.staff_create(
        username="bench.handler", display_name="压测承办", password=DEMO_PASSWORD,
        department=first.department, roles=[R.REVIEWER],
    )  # fmt: skip

    def lifecycle() -> None:
        t = services.ticket_file(account=citizen, kind="complaint", text=text,
                                 place_code=place.address_code)  # fmt: skip
        services.ticket_dispatch(staff=desk, ticket_id=t.pk, category="env-noise")
        services.ticket_accept(staff=handler, ticket_id=t.pk)
        services.ticket_start(staff=handler, ticket_id=t.pk)
        services.ticket_reply(staff=handler, ticket_id=t.pk, answer="已到现场核实，施工已停止。")
        services.ticket_callback(account=citizen, ticket_id=t.pk, solved=True, satisfied=True)
        selectors.ticket_of_requester(citizen, t.pk)

    serial = [0]

    def bare() -> None:
        serial[0] += 1
        with transaction.atomic():
            Ticket.objects.create(
                number=f"BX{os.getpid() % 100000:05d}{serial[0]:07d}", channel="web",
                kind="complaint", text=text, requester=citizen, district_id=place.district_code,
                street_id=place.street_code, place_id=place.address_code, address=place.address,
            )  # fmt: skip

    def run(fn) -> tuple[int, float]:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            fn()
            count += 1
        return count, time.perf_counter() - start

    totals = {"lifecycle": [0, 0.0], "bare insert": [0, 0.0]}
    for _ in range(args.slices):
        for name, fn in (("lifecycle", lifecycle), ("bare insert", bare)):
            n, s = run(fn)
            totals[name][0] += n
            totals[name][1] += s
    held = Ticket.objects.count()
    rates = {k: n / s for k, (n, s) in totals.items()}
    print(f"{connection.vendor}, {held:,} tickets held")
    for name, rate in rates.items():
        print(f"{name:12} {rate:9.1f}/s  ({totals[name][0]} in {totals[name][1]:.1f} s)")
    print(f"ratio bare/lifecycle {rates['bare insert'] / rates['lifecycle']:.1f}")
    Ticket.objects.filter(number__startswith="BX").delete()
    return 0 if rates["lifecycle"] >= 63 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Exchange queries per second beside a bare primary-key read of the same table, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_exchange \\
        .venv/bin/python -m bench.exchange_query [--seconds 3] [--slices 5] [--keys 2000] \\
        [--workers 1]

The database must hold the synthetic city (``tongban migrate`` then ``tongban seed --scale
1000000``: the demo city and 1,000,000 persons). Once per database it publishes a resource of
the population registry (the police's data steward), has a consumer department ask for four
fields and the police grant three, registers the consumer's client system and gives it an
access token of scope ``exchange`` (all through the real services; the token row as
django-oauth-toolkit's token endpoint would write it). The grant's rate limit is lifted for the
run (the setting ``TONGBAN_EXCHANGE_GRANT_RATE``): it is a limit, not a cost. Then, in
alternating slices, so that whatever else the machine does falls on both alike:

- **query**: what ``POST /api/v1/exchange/query`` does after parsing: the bearer token checked
  (``exchange.api.ClientToken``: django-oauth-toolkit's check, kept per process for
  ``TONGBAN_EXCHANGE_CACHE_TTL`` with its expiry checked each call), then
  ``services.exchange_query`` — resource, live grant (kept likewise), rate, purpose, fields,
  the registry record by its keyed hash, the granted fields only, the Ed25519-signed receipt
  and the call row with its due audit entry (person as subject), committed by one INSERT; with
  the task backend ``database`` (set here, as production runs) the chain task is enqueued once
  per ``TONGBAN_EXCHANGE_CHAIN_DELAY``;
- **bare read**: ``PopulationRecord.objects.get(pk=...)`` of a random row of the same 1M-row
  table: the ceiling.

Keys are the synthetic city's own ID numbers (``registries.synthetic``, the seed's generator),
drawn at random from the first ``--keys`` persons. Prints both rates and query ÷ bare read
(the issue's goal is at least 0.3). Then it times ``services.calls_chain`` linking the run's
calls' audit entries into the hash chain (what a worker does a moment after each answer) and
prints that rate and the ratio of a query with its share of the chaining counted in.

``--workers N`` (default 1) runs both targets in N processes at once, as the API's gunicorn
workers serve it: forked when a slice starts, each with its own connection and its own random
keys, all sharing the one token (a department system's workers share its token); a slice's
rate is what all N did over the longest worker's time, the same N for the query and the bare
read. The chaining is timed in the parent after each query slice, alone on the machine, over
that slice's calls; the ratio with the chaining counted in adds each call's chaining time to
its share of the N workers' wall time (1 ÷ (1/query rate + 1/chaining rate)), as if no
chaining overlapped a query.
"""

import argparse
import os
import random
import time
from datetime import timedelta

STEWARD, REQUESTER, CONSUMER = "bench-police-steward", "bench-civil-steward", "bench-civil"
RESOURCE = "bench-population"


def _rate(fn, seconds: float) -> tuple[int, float]:
    """``fn`` called in batches of 20 for ``seconds``: how many calls, over how long."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        count += 20
        now = time.perf_counter()
        if now >= deadline:
            return count, now - start


def _setup():
    """The resource, the grant, the client and its token (made once per database)."""
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    from tongban.exchange import services
    from tongban.exchange.models import DataResource, ExchangeClient
    from tongban.identity import services as identity
    from tongban.identity.choices import DepartmentKind
    from tongban.identity.models import Department, Region, Staff

    police = Department.objects.get(code="sh-police")
    region = Region.objects.get(code="310000")
    consumer, _made = Department.objects.get_or_create(
        code=CONSUMER,
        defaults={
            "name": "市民政局（基准）",
            "kind": DepartmentKind.MUNICIPAL_BUREAU,
            "region": region,
        },
    )

    def staff(username, department):
        found = Staff.objects.filter(account__username=username).first()
        return found or identity.staff_create(
            username=username,
            display_name=username,
            password="Bench-Passw0rd-2026",
            department=department,
            roles=["data_steward"],
        )

    steward, requester = staff(STEWARD, police), staff(REQUESTER, consumer)
    resource = DataResource.objects.filter(code=RESOURCE).first()
    if resource is None:
        resource = services.resource_publish(
            staff=steward,
            code=RESOURCE,
            name="人口基本信息（基准）",
            dataset="population",
            fields=["id_number", "name", "gender", "birth_date", "hukou_address"],
            sharing="conditional",
            update_frequency="daily",
            legal_basis="《政务信息资源共享管理暂行办法》",
            access_methods=["query"],
        )
        asked = services.grant_request(
            staff=requester,
            resource_id=resource.pk,
            fields=["id_number", "name", "gender", "hukou_address"],
            purpose="最低生活保障资格审核",
            legal_basis="《社会救助暂行办法》第十一条",
        )
        services.grant_approve(
            staff=steward, grant_id=asked.pk, fields=["id_number", "name", "gender"], days=365
        )
    client = ExchangeClient.objects.filter(department=consumer, revoked_at__isnull=True).first()
    if client is None:
        client, _secret = services.client_register(staff=requester, name="低保审核系统（基准）")
    from oauth2_provider.models import get_application_model

    application = get_application_model().objects.get(client_id=client.client_id)
    token = f"bench-{client.client_id}"
    get_access_token_model().objects.update_or_create(
        token=token,
        defaults={
            "application": application,
            "expires": timezone.now() + timedelta(days=1),
            "scope": "exchange",
        },
    )
    return token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="per slice and target")
    parser.add_argument("--slices", type=int, default=5)
    parser.add_argument("--keys", type=int, default=2000, help="persons to draw keys from")
    parser.add_argument("--workers", type=int, default=1, help="processes at once")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database seeded at --scale 1000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    os.environ.setdefault("TONGBAN_TASK_BACKEND", "database")  # chaining waits for a worker

    import django

    django.setup()
    from django.conf import settings
    from django.test import RequestFactory

    from bench.workers import forked

    settings.TONGBAN_EXCHANGE_GRANT_RATE = "100000000/m"

    from tongban.exchange import services
    from tongban.exchange.api import ClientToken
    from tongban.registries.models import PopulationRecord
    from tongban.registries.synthetic import DEFAULT_SEED, SyntheticCity

    held = PopulationRecord.objects.count()
    token = _setup()
    keys = [p.id_number for p in SyntheticCity(DEFAULT_SEED).persons(args.keys)]
    by_pk = PopulationRecord.objects.order_by("pk").values_list("pk", flat=True)
    low, high = by_pk.first(), by_pk.last()
    factory, check = RequestFactory(), ClientToken()
    pick = random.Random(7)

    def query():
        request = factory.post("/api/v1/exchange/query", HTTP_AUTHORIZATION=f"Bearer {token}")
        client = check(request)
        services.exchange_query(
            client=client,
            resource=RESOURCE,
            key=pick.choice(keys),
            purpose="最低生活保障资格审核",
            fields=["name", "gender"],
        )

    def bare():
        PopulationRecord.objects.get(pk=pick.randint(low, high))

    query(), bare()  # warm: the first call loads keys and plans

    def concurrent(fn) -> tuple[int, float]:
        """``fn`` in ``--workers`` forked processes (one worker: in this process, as before)."""
        if args.workers == 1:
            return _rate(fn, args.seconds)

        def work(worker: int) -> tuple[int, float]:
            pick.seed(7 + worker)  # forked copies would otherwise draw the same keys
            return _rate(fn, args.seconds)

        return forked(work, args.workers)

    totals = {"query": [0, 0.0], "bare": [0, 0.0]}
    chained, chain_seconds = 0, 0.0
    for _slice in range(args.slices):
        for name, fn in (("query", query), ("bare", bare)):
            count, seconds = concurrent(fn)
            totals[name][0] += count
            totals[name][1] += seconds
            if name == "query" and args.workers > 1:
                start = time.perf_counter()  # this slice's calls, before the bare read runs
                chained += services.calls_chain()
                chain_seconds += time.perf_counter() - start
    rates = {name: count / seconds for name, (count, seconds) in totals.items()}
    print(f"persons held: {held:,}, {args.workers} worker(s)")
    print(f"exchange query:  {rates['query']:10,.1f} /s  ({totals['query'][0]} calls)")
    print(f"bare PK read:    {rates['bare']:10,.1f} /s  ({totals['bare'][0]} reads)")
    print(f"query ÷ bare read: {rates['query'] / rates['bare']:.3f}  (goal ≥ 0.3)")
    if args.workers == 1:  # as before: the run's calls chained at the end
        start = time.perf_counter()
        chained = services.calls_chain()
        chain_seconds = time.perf_counter() - start
    if chained:
        chain_rate = chained / chain_seconds
        with_chain = 1 / (1 / rates["query"] + 1 / chain_rate)
        print(
            f"audit chaining:  {chain_rate:10,.1f} entries/s  ({chained} in {chain_seconds:.2f} s)"
        )
        print(f"query with its chaining: {with_chain:,.1f} /s, {with_chain / rates['bare']:.3f}")


if __name__ == "__main__":
    main()

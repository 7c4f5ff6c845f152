"""The synthetic city's load (``tongban seed --scale N``) beside a bare write of the same rows.

    .venv/bin/python -m bench.registries_seed [--persons 100000] [--database sqlite|postgres]

On a fresh database (SQLite: a file in a temporary ``TONGBAN_HOME``; PostgreSQL: the database
``tongban_bench_registries`` on ``postgres://postgres@127.0.0.1:5432``, dropped and re-created)
it migrates, loads the reference departments, then measures, in the same run:

- **ceiling**: the same generated persons and entities (the same generator, so the same cost
  of drawing them) written unsealed and unhashed into bare tables of the same columns, with no
  index, no key check and no change log: COPY on PostgreSQL, ``executemany`` INSERT on
  SQLite, in one transaction each;
- **seed**: ``services.registry_seed_city(scale=N)``: places, then persons (ID numbers sealed
  and hashed, held keys skipped, a change row each), then ``N // 5`` entities (their legal
  representatives looked up), one durable transaction, COPY / ``bulk_create``.

Prints rows/s per kind for both and the ratio seed ÷ ceiling.
"""

import argparse
import os
import subprocess
import tempfile
import time

PG = "postgres://postgres@127.0.0.1:5432/tongban_bench_registries"


def _fresh(database: str) -> None:
    if database == "postgres":
        for sql in (
            "DROP DATABASE IF EXISTS tongban_bench_registries",
            "CREATE DATABASE tongban_bench_registries",
        ):
            subprocess.run(
                ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", sql], check=True
            )
        os.environ["DATABASE_URL"] = PG
    else:
        os.environ.pop("DATABASE_URL", None)


PERSON_COLUMNS = [
    "id_number",
    "name",
    "gender",
    "birth_date",
    "hukou_address",
    "residence_code",
    "marital_status",
    "household_code",
]
ENTITY_COLUMNS = [
    "uscc",
    "name",
    "kind",
    "rep",
    "established_on",
    "registered_capital",
    "address_code",
    "business_scope",
    "status",
]


def _ceiling(rows, table: str, columns: list[str], pick) -> tuple[int, float]:
    from django.db import connection, transaction

    start = time.perf_counter()
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} ({', '.join(c + ' text' for c in columns)})")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(pick(row))
                    count += 1
        else:
            batch = []
            insert = f"INSERT INTO {table} VALUES ({', '.join('%s' for _ in columns)})"
            for row in rows:
                batch.append([str(v) if v is not None else None for v in pick(row)])
                if len(batch) == 5000:
                    cursor.executemany(insert, batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(insert, batch)
            count += len(batch)
    return count, time.perf_counter() - start


class _Stages:
    """Each stage's time: from the previous stage's last batch to its own last batch (the bulk
    load reports after every batch, and the stages run one after another)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, count: int) -> None:
        self.last[stage] = time.perf_counter()

    def durations(self) -> dict[str, float]:
        ends = list(self.last.values())
        starts = [self.started, *ends[:-1]]
        return {n: e - s for n, s, e in zip(self.last, starts, ends, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    os.environ.setdefault("TONGBAN_HOME", tempfile.mkdtemp(prefix="tongban-bench-registries-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    _fresh(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    from tongban.demo.seed import seed_reference
    from tongban.registries import services
    from tongban.registries.synthetic import SyntheticCity

    call_command("migrate", interactive=False, verbosity=0)
    seed_reference()
    n, city = args.persons, SyntheticCity()
    city.places  # noqa: B018 (drawn once, outside every measurement)

    persons_bare = _ceiling(
        city.persons(n),
        "bare_persons",
        PERSON_COLUMNS,
        lambda r: [
            r.id_number,
            r.name,
            r.gender,
            r.birth_date,
            r.hukou_address,
            r.residence_code,
            r.marital_status,
            r.household_code,
        ],
    )
    entities_bare = _ceiling(
        city.entities(n // 5),
        "bare_entities",
        ENTITY_COLUMNS,
        lambda r: [
            r.uscc,
            r.name,
            r.kind,
            r.legal_representative_id_number,
            r.established_on,
            r.registered_capital,
            r.address_code,
            r.business_scope,
            r.status,
        ],
    )
    stages = _Stages()
    counts = services.registry_seed_city(scale=n, progress=stages)
    took = stages.durations()
    print(f"{args.database}, {n:,} persons, {n // 5:,} entities, {counts.places:,} places")
    print(f"{'':10}{'seed rows/s':>14}{'ceiling rows/s':>16}{'ratio':>8}{'seed s':>9}")
    for kind, added, (bare_count, bare_s) in [
        ("persons", counts.persons, persons_bare),
        ("entities", counts.entities, entities_bare),
    ]:
        seed_rate, bare_rate = added / took[kind], bare_count / bare_s
        print(
            f"{kind:10}{seed_rate:>14,.0f}{bare_rate:>16,.0f}{seed_rate / bare_rate:>8.2f}"
            f"{took[kind]:>9.1f}"
        )
    print(
        f"{'places':10}{counts.places / took['places']:>14,.0f}{'':>16}{'':>8}"
        f"{took['places']:>9.1f}"
    )


if __name__ == "__main__":
    main()

"""Fill the cases benchmark database with N licences, each with a genuine signed credential:

    python -m bench.licences_data --licences 1000000 [--refill]

Run in the benchmark's environment on the filled cases database (``bench/run.py --cases N``
runs it once when the database holds no licences). What is made, and how:

- The licence catalog, if the database was filled before there was one: the demo seed's
  (``demo.licences_seed``: the shipped types, linked to the items that issue them).
- A few person types (``TYPES``), each issued by its first issuing department. Each of those
  departments' signing key is obtained through ``credentials.services`` once (its key in use,
  or ``signing_key_rotate`` makes its first one, audited); then every credential is signed in
  Python with that key: the same SD-JWT VC ``licences.signing.credential_sign`` writes through
  ``credential_issue`` (same claims, same disclosures, ``keys.sign``), without the per-licence
  service and its audit entry.
- Status list entries allocated in bulk: per department as many ``StatusList`` rows of the
  service's capacity as its licences need, their ``next_index`` set, every entry's bits zero
  (valid).
- Holders: the people of the cases fill (``identity_person``), licences drawn Zipf-like
  (person rank ``len × u^1.5``: five per person on average, the busiest some hundreds), plus
  ``HOLDERS`` bench holders with accounts (``bench.licences_prepare`` signs them in for the
  wallet target), five licences each, one of each of five types.
- Dates: issued within the last six years; fixed-term types valid for their term from the
  issue date, so some have expired (shown as such in the wallet; the verify target draws
  valid ones).
- Rows streamed with ``COPY``, sealed in Python as the model's fields seal them
  (``holder_code`` and ``credential``: ``core.crypto``; ``data``: its personal values as
  ``core.sealing`` does), signed and sealed in worker processes (one per core); the serial
  sequences set to match; ``VACUUM ANALYZE``; a row in ``bench_licences_fill``.
"""

import argparse
import datetime as dt
import json
import math
import multiprocessing
import os
import random
import time

FILL_TABLE = "bench_licences_fill"
HOLDERS = 64
HOLDER_PASSWORD = "Bench2026pass"
TYPES = ("居民身份证", "机动车驾驶证", "居住证", "社会保障卡", "毕业证书", "不动产权证书")
CHUNK = 2000
YEARS_BACK = 6


def log(message: str) -> None:
    print(f"[licences_data {time.strftime('%H:%M:%S')}] {message}", flush=True)


def holder_identity(i: int) -> tuple[str, str, str]:
    """(name, ID number, mobile) of bench holder ``i``: fixed, so a later run finds them."""
    from tongban.identity.validators import id_number_check_char

    first17 = f"31010419800101{i:03d}"
    digits = "甲乙丙丁戊己庚辛壬癸"
    name = f"证照持有人{digits[i // 10 % 10]}{digits[i % 10]}"
    return name, first17 + id_number_check_char(first17), f"199{i:08d}"


def bench_holders() -> list:
    """The bench holders (people with accounts), enrolled on first need."""
    from tongban.identity import selectors, services

    people = []
    for i in range(HOLDERS):
        name, id_number, mobile = holder_identity(i)
        person = selectors.person_by_id_number(id_number)
        if person is None:
            person = services.person_enroll(
                name=name, id_number=id_number, mobile=mobile, password=HOLDER_PASSWORD
            )
        people.append(person)
    return people


def _face_value(name: str, spec: dict, rng: random.Random, n: int):
    if "enum" in spec:
        return spec["enum"][n % len(spec["enum"])]
    if spec.get("format") == "date":
        return (dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15000))).isoformat()
    samples = {
        "address": f"上海市浦东新区世纪大道{n % 3000 + 1}号",
        "property_address": f"上海市黄浦区南京东路{n % 900 + 1}弄{n % 40 + 1}号",
        "vehicle_type": "C1",
        "card_number": f"3100{n:012d}",
        "school": "复旦大学",
        "major": "计算机科学与技术",
        "property_cert_no": f"沪(2024)浦字不动产权第{n % 999999 + 1:06d}号",
    }
    return samples.get(name, f"{spec.get('title', name)}{n}")


class Issuance:
    """What signing one licence needs besides its row: the type, its issuer, the issuer's key."""

    def __init__(self, licence_type, department, key):
        from tongban.licences.services import issuer_code_of

        self.type_id = licence_type.pk
        self.code = licence_type.code
        self.name = licence_type.name
        self.holder_code_type = licence_type.holder_code_type
        self.schema = licence_type.data_schema
        self.months = licence_type.validity_months_total
        self.department_id = department.pk
        self.department_code = department.code
        self.department_name = department.name
        self.issuer_code = issuer_code_of(department)
        self.kid, self.alg, self.pem = key.kid, key.alg, key.private_key


def licence_row(issuance: Issuance, spec: tuple, now: dt.datetime) -> tuple:
    """One licence's COPY row: its signed credential (as ``signing.credential_sign`` and
    ``credential_issue`` make it) and its fields sealed as the model seals them. ``spec``:
    (person id, name, ID number, issued_on, serial, status list id, index, face seed)."""
    from django.utils import timezone

    from tongban.catalog import selectors as catalog_selectors
    from tongban.core.crypto import encrypt, lookup_hash
    from tongban.core.sealing import seal_values
    from tongban.credentials import identifiers, keys, sdjwt
    from tongban.licences.identifiers import LicenceIdentifier
    from tongban.licences.services import HOLDER_CODE_PURPOSE, add_months
    from tongban.licences.signing import vct_for

    person_id, name, id_number, issued_on, serial, list_id, index, seed = spec
    identifier = str(LicenceIdentifier(issuance.code, issuance.issuer_code, serial, 1))
    valid_until = None
    if issuance.months is not None:
        valid_until = add_months(issued_on, issuance.months) - dt.timedelta(days=1)
    rng = random.Random(seed)
    properties = issuance.schema.get("properties", {})
    data = {}
    for field, spec_ in properties.items():
        if field == "name":
            data[field] = name
        elif field == "id_number":
            data[field] = id_number
        else:
            data[field] = _face_value(field, spec_, rng, seed)

    def start_of(day: dt.date) -> int:
        return int(timezone.make_aware(dt.datetime.combine(day, dt.time.min)).timestamp())

    shown_or_not = {
        "holder_name": name,
        "holder_code_type": issuance.holder_code_type,
        "holder_code": id_number,
        "valid_from": issued_on.isoformat(),
        **({"valid_until": valid_until.isoformat()} if valid_until else {}),
        **data,
    }
    plain = {
        "licence_identifier": identifier,
        "licence_type": issuance.name,
        "licence_type_code": issuance.code,
        "issuer_name": issuance.department_name,
        "issued_on": issued_on.isoformat(),
    }
    exp = None if valid_until is None else start_of(valid_until + dt.timedelta(days=1))
    payload = {
        "iss": identifiers.issuer_id(issuance.department_code),
        "iat": int(now.timestamp()),
        "nbf": start_of(issued_on),
        **({"exp": exp} if exp is not None else {}),
        "vct": vct_for(issuance.code),
        "status": {
            "status_list": {
                "idx": index,
                "uri": identifiers.status_list_uri(issuance.department_code, list_id),
            }
        },
        **plain,
    }
    header = {"alg": issuance.alg, "typ": "dc+sd-jwt", "kid": issuance.kid}
    compact = sdjwt.encode(
        payload=payload,
        disclosable=shown_or_not,
        sign=lambda body: keys.sign(
            header=header, payload=body, pem=issuance.pem, alg=issuance.alg
        ),
    )
    sealed = catalog_selectors.form_sealed_fields(issuance.schema)
    return (
        identifier,
        issuance.issuer_code,
        serial,
        1,
        name,
        issuance.holder_code_type,
        encrypt(id_number, purpose="licences.licence.holder_code"),
        lookup_hash(id_number, purpose=HOLDER_CODE_PURPOSE),
        json.dumps(seal_values(data, sealed, purpose="licences.licence.data"), ensure_ascii=False),
        issued_on,
        issued_on,
        valid_until,
        "valid",
        "",
        "",
        encrypt(compact, purpose="licences.licence.credential"),
        list_id,
        index,
        now,
        person_id,
        issuance.department_id,
        issuance.type_id,
    )


COLUMNS = (
    "identifier",
    "issuer_code",
    "serial",
    "version",
    "holder_name",
    "holder_code_type",
    "holder_code",
    "holder_code_hash",
    "data",
    "issued_on",
    "valid_from",
    "valid_until",
    "status",
    "status_reason",
    "status_legal_basis",
    "credential",
    "status_list_id",
    "status_index",
    "created_at",
    "holder_person_id",
    "issuer_id",
    "licence_type_id",
)

# Set in the parent before the worker processes fork (they inherit it).
_ISSUANCES: list[Issuance] = []


def _rows(job: tuple) -> list[tuple]:
    now, specs = job
    return [licence_row(_ISSUANCES[t], spec, now) for t, spec in specs]


def issuances() -> list[Issuance]:
    """The chosen types with their issuing department and its key (made on first need)."""
    from tongban.credentials.models import SigningKey
    from tongban.credentials.services import signing_key_rotate
    from tongban.demo.licences_seed import seed_licence_types
    from tongban.licences.models import LicenceType

    if not LicenceType.objects.exists():
        seed_licence_types()
    chosen = []
    for name in TYPES:
        licence_type = LicenceType.objects.get(name=name)
        department = licence_type.issuing_departments.select_related("region").order_by("code")[0]
        key = SigningKey.objects.filter(department=department, retired_at__isnull=True).first()
        if key is None:
            key = signing_key_rotate(by=None, department=department)  # its first key
        chosen.append(Issuance(licence_type, department, key))
    return chosen


def fill_people(cursor, exclude: set[int]) -> list[tuple[int, str, str]]:
    """(id, name, ID number) of every person but ``exclude``, in id order."""
    from tongban.core.crypto import decrypt

    cursor.execute("SELECT id, name, id_number FROM identity_person ORDER BY id")
    return [
        (pk, name, decrypt(sealed, purpose="identity.person.id_number"))
        for pk, name, sealed in cursor.fetchall()
        if pk not in exclude
    ]


def plan(count: int, people, holders, types: int, seed: int = 11):
    """(type index, person id, name, ID number, issued_on) for each licence: five per bench
    holder, the rest Zipf-like over ``people``."""
    rng = random.Random(seed)
    today = dt.date.today()
    span = YEARS_BACK * 365
    for i, holder in enumerate(holders):
        for t in range(5):
            day = today - dt.timedelta(days=rng.randrange(1, 365))
            yield (i + t) % types, holder[0], holder[1], holder[2], day
    for _ in range(max(0, count - 5 * len(holders))):
        person = people[int(len(people) * rng.random() ** 1.5)]
        day = today - dt.timedelta(days=rng.randrange(span))
        yield rng.randrange(types), *person, day


def filled(cursor) -> dict | None:
    cursor.execute("SELECT to_regclass(%s)", [FILL_TABLE])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT info FROM {FILL_TABLE} ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return row[0] if row else None


def empty_out(cursor, info: dict) -> None:
    """Delete a previous fill: its licences (those not from a case) and their shares, its
    status lists, and the record of it."""
    cursor.execute(
        "DELETE FROM licences_licenceshareuse WHERE share_id IN (SELECT s.id FROM"
        " licences_licenceshare s JOIN licences_licence l ON l.id = s.licence_id"
        " WHERE l.case_id IS NULL)"
    )
    cursor.execute(
        "DELETE FROM licences_licenceshare WHERE licence_id IN"
        " (SELECT id FROM licences_licence WHERE case_id IS NULL)"
    )
    cursor.execute("DELETE FROM licences_licence WHERE case_id IS NULL")
    cursor.execute("DELETE FROM credentials_statuslist WHERE id = ANY(%s)", [info["status_lists"]])
    cursor.execute(f"DELETE FROM {FILL_TABLE}")


def fill(*, count: int, refill: bool = False, workers: int = 0) -> dict:
    import psycopg
    from django.db import connection, connections
    from django.utils import timezone

    from tongban.credentials import statuslist
    from tongban.credentials.models import StatusList
    from tongban.credentials.services import STATUS_LIST_BITS, STATUS_LIST_CAPACITY

    connection.ensure_connection()
    dsn = connection.connection.info.dsn
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cursor:
        before = filled(cursor)
        if before and not refill:
            log(f"already filled: {before['licences']} licences; --refill to fill afresh")
            return before
        if before:
            empty_out(cursor, before)
            log("previous fill deleted")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    chosen = issuances()
    holders = [(p.pk, p.name, p.id_number) for p in bench_holders()]
    with connection.cursor() as cursor:
        people = fill_people(cursor.cursor, {h[0] for h in holders})
    timings["keys_holders_people"] = round(time.perf_counter() - started, 1)
    log(f"{len(chosen)} types, {len(holders)} bench holders, {len(people)} people")

    started = time.perf_counter()
    planned = list(plan(count, people, holders, len(chosen)))
    per_type = [0] * len(chosen)
    for row in planned:
        per_type[row[0]] += 1
    # Status lists, by department: as many as its licences fill, the last one partly.
    lists: dict[int, list[int]] = {}
    need: dict[int, int] = {}
    for t, n in enumerate(per_type):
        need[chosen[t].department_id] = need.get(chosen[t].department_id, 0) + n
    made = []
    for department_id, n in need.items():
        for k in range(math.ceil(n / STATUS_LIST_CAPACITY)):
            used = min(STATUS_LIST_CAPACITY, n - k * STATUS_LIST_CAPACITY)
            status_list = StatusList.objects.create(
                department_id=department_id,
                bits=STATUS_LIST_BITS,
                capacity=STATUS_LIST_CAPACITY,
                next_index=used,
                data=statuslist.empty(STATUS_LIST_CAPACITY, STATUS_LIST_BITS),
            )
            lists.setdefault(department_id, []).append(status_list.pk)
            made.append(status_list.pk)
    taken = dict.fromkeys(need, 0)
    serials: dict[tuple[int, int], int] = {}
    specs = []
    for n, (t, person_id, name, id_number, day) in enumerate(planned):
        issuance = chosen[t]
        position = taken[issuance.department_id]
        taken[issuance.department_id] += 1
        list_id = lists[issuance.department_id][position // STATUS_LIST_CAPACITY]
        seq = serials[(t, day.year)] = serials.get((t, day.year), 0) + 1
        serial = f"{day.year}{seq:06d}"
        specs.append(
            (
                t,
                (
                    person_id,
                    name,
                    id_number,
                    day,
                    serial,
                    list_id,
                    position % STATUS_LIST_CAPACITY,
                    n,
                ),
            )
        )
    del planned
    timings["plan"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    now = timezone.now()
    jobs = [(now, specs[k : k + CHUNK]) for k in range(0, len(specs), CHUNK)]
    _ISSUANCES[:] = chosen
    connections.close_all()  # not shared with the forked workers
    workers = workers or os.cpu_count() or 1
    written = 0
    context = multiprocessing.get_context("fork")
    with (
        psycopg.connect(dsn) as conn,
        conn.cursor() as cursor,
        context.Pool(workers) as pool,
    ):
        cursor.execute("SET synchronous_commit = off")
        with cursor.copy(f"COPY licences_licence ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for rows in pool.imap(_rows, jobs):
                for row in rows:
                    copy.write_row(row)
                written += len(rows)
                if written % 100_000 < CHUNK:
                    elapsed = time.perf_counter() - started
                    log(f"{written:,} licences, {written / elapsed:,.0f} rows/s")
        for (t, year), last in serials.items():
            key = f"{chosen[t].code}.{chosen[t].issuer_code}.{year}"
            cursor.execute(
                'INSERT INTO licences_licencesequence ("key", "last") VALUES (%s, %s)'
                ' ON CONFLICT ("key") DO UPDATE SET "last" ='
                " greatest(licences_licencesequence.last, EXCLUDED.last)",
                [key, last],
            )
        conn.commit()
    timings["sign_seal_copy"] = round(time.perf_counter() - started, 1)
    rate = round(written / timings["sign_seal_copy"])
    log(
        f"{written:,} licences signed, sealed and copied in {timings['sign_seal_copy']} s:"
        f" {rate:,} rows/s"
    )

    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ("licences_licence", "credentials_statuslist", "licences_licencesequence"):
            conn.execute(f"VACUUM ANALYZE {table}")
        timings["vacuum_analyze"] = round(time.perf_counter() - started, 1)
        holders_of = conn.execute(
            "SELECT count(DISTINCT holder_person_id), max(n) FROM (SELECT holder_person_id,"
            " count(*) AS n FROM licences_licence GROUP BY holder_person_id) x"
        ).fetchone()
        info = {
            "licences": written,
            "types": [c.name for c in chosen],
            "holders": holders_of[0],
            "busiest_holder": holders_of[1],
            "bench_holders": len(holders),
            "status_lists": made,
            "workers": workers,
            "rows_per_s": rate,
            "seconds": timings,
            "total_s": round(sum(timings.values()), 1),
        }
        conn.execute(f"CREATE TABLE IF NOT EXISTS {FILL_TABLE} (id serial PRIMARY KEY, info jsonb)")
        conn.execute(f"INSERT INTO {FILL_TABLE} (info) VALUES (%s)", [json.dumps(info)])
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--licences", type=int, default=1_000_000)
    parser.add_argument("--refill", action="store_true", help="delete a previous fill first")
    parser.add_argument("--workers", type=int, default=0, help="signing processes; 0: cores")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    info = fill(count=args.licences, refill=args.refill, workers=args.workers)
    log(f"filled in {info['total_s']} s: {json.dumps(info, ensure_ascii=False)}")


if __name__ == "__main__":
    main()

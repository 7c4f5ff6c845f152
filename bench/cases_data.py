"""Fill the benchmark database with N cases, fast, in the benchmark's environment:

    python -m bench.cases_data --cases 1000000

Run on a migrated and seeded database (``bench/run.py --cases N`` does all of it). The demo
city's published items, departments and regions are the ones the cases use.

What is made, and how:

- Applicants: ``N / 5`` people (so an applicant has five cases on average, some many more),
  with valid ID numbers and mobiles, sealed and hashed as ``identity`` does it, streamed in
  with ``COPY`` from Python (the sealing needs the field key).
- Cases: one ``INSERT ... SELECT`` over ``generate_series``. Items are drawn with Zipf-like
  weights (rank^-0.8: a few items and their departments take most of the cases, as in any
  city), applicants uniformly, channels 70 % online / 20 % counter / 10 % mobile. The age of a
  case is ``730 days × u²`` (u uniform): more recent cases are denser, about 23 % of them
  from the last 40 days. Each case gets a processing time of up to 40 days, and its state
  is where that puts it today: old cases are closed (a few refused, withdrawn, revoked or
  left as drafts), recent ones spread over pre-review, correction, accepted, under review,
  decided and delivered, some of them overdue. Case numbers (drafts have none) are region +
  date + sequence, as ``services._common._numbered`` makes them, and the sequence rows are set
  to match. The form answers' ID number and mobile are sealed once in Python, as
  ``cases.sealing`` stores them.
- Timeline events for every step each case went through (about six per case), one review
  task per case that reached review, all in SQL.
- One audit entry per case (its creation), chained with SHA-256 exactly as
  ``core.audit.audit_record`` chains them, computed in Python and streamed with ``COPY``, so
  that ``tongban audit verify`` passes on the filled database.
- Then ``VACUUM ANALYZE`` of the filled tables, and a row in ``bench_fill`` (cases, seconds
  per phase) that tells ``bench/run.py`` the database is ready.

Day arithmetic is calendar days × 1.4 for working days: the dates are plausible, not what the
working-day calendar would give; the benchmarks only need them spread as real ones are.
"""

import argparse
import datetime
import json
import os
import random
import time

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玉兰萍红鹏宇晨浩然子涵欣怡梓轩雨桐思远嘉怡俊杰诗涵一诺佳琪天佑若曦"  # noqa: E501
FILL_TABLE = "bench_fill"
SLOTS = 10_000  # item draw: a table of SLOTS entries, each item holding a share by its weight


def log(message: str) -> None:
    print(f"[cases_data {time.strftime('%H:%M:%S')}] {message}", flush=True)


def person_rows(count: int, seed: int = 4):
    """(name, id_number, mobile) for ``count`` distinct people."""
    from tongban.identity.validators import id_number_check_char

    rng = random.Random(seed)
    for i in range(count):
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        day, seq = i % 20000, i // 20000  # a distinct (birth date, sequence) per person
        birth = f"{datetime.date(1950, 1, 1) + datetime.timedelta(days=day):%Y%m%d}"
        first17 = f"110101{birth}{seq % 1000:03d}"  # an area the demo city does not use
        mobile = f"16{5 + i % 4}{i:08d}"
        yield rng.choice(SURNAMES) + given, first17 + id_number_check_char(first17), mobile


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    """Stream rows into ``table`` with COPY (text format); returns the count."""
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def fill_people(cursor, count: int) -> None:
    from django.utils import timezone

    from tongban.core.crypto import encrypt, lookup_hash
    from tongban.identity.services import ID_NUMBER_PURPOSE, MOBILE_PURPOSE

    now = timezone.now()

    def rows():
        for name, id_number, mobile in person_rows(count):
            yield (
                name,
                encrypt(id_number, purpose="identity.person.id_number"),
                lookup_hash(id_number, purpose=ID_NUMBER_PURPOSE),
                encrypt(mobile, purpose="identity.person.mobile"),
                lookup_hash(mobile, purpose=MOBILE_PURPOSE),
                now,
            )

    columns = ("name", "id_number", "id_number_hash", "mobile", "mobile_hash", "created_at")
    _copy(cursor, "identity_person", columns, rows())
    cursor.execute(
        "CREATE TEMP TABLE bench_people AS SELECT row_number() OVER (ORDER BY id) AS idx, id"
        " FROM identity_person WHERE mobile_hash <> '' AND account_id IS NULL"
        " AND created_at = %s",
        [now],
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_people (idx)")


def fill_items(cursor) -> int:
    """The published items and the draw table: ``bench_slots(slot → item)``."""
    cursor.execute(
        """
        CREATE TEMP TABLE bench_items AS
        SELECT row_number() OVER (ORDER BY v.id) AS idx, v.id AS version_id, i.department_id,
               left(r.code, 6) AS region6, v.name AS title,
               greatest(v.promised_limit_days, 1) AS promised, greatest(v.legal_limit_days, 1)
                   AS legal
        FROM catalog_serviceitem i
        JOIN catalog_serviceitemversion v ON v.id = i.published_id
        JOIN identity_department d ON d.id = i.department_id
        JOIN identity_region r ON r.id = d.region_id
        """
    )
    cursor.execute("SELECT count(*) FROM bench_items")
    count = cursor.fetchone()[0]
    if not count:
        raise SystemExit("no published items: run `tongban seed` first")
    order = list(range(1, count + 1))
    random.Random(7).shuffle(order)  # which items are popular: not the first created
    weights = [1 / (rank**0.8) for rank in range(1, count + 1)]
    total, slots, start = sum(weights), [], 0
    for item, weight in zip(order, weights, strict=True):
        share = max(1, round(SLOTS * weight / total))
        slots += [(start + k, item) for k in range(share)]
        start += share
    cursor.execute("CREATE TEMP TABLE bench_slots (slot int PRIMARY KEY, item int)")
    _copy(cursor, "bench_slots", ("slot", "item"), slots)
    return len(slots)


CASES_SQL = """
CREATE TEMP TABLE bench_gen AS
SELECT r.n, it.*, p.id AS applicant_id, r.created_at, r.r_kind, r.r_channel, r.r_decision,
       r.lag_days
FROM (
    SELECT n,
           floor(random() * %(slots)s)::int AS slot,
           1 + floor(random() * %(people)s)::int AS person,
           now() - (power(random(), 2) * interval '730 days') AS created_at,
           random() AS r_kind, random() AS r_channel, random() AS r_decision,
           1 + random() * 39 AS lag_days
    FROM generate_series(1, %(cases)s) n
) r
JOIN bench_slots s ON s.slot = r.slot
JOIN bench_items it ON it.idx = s.item
JOIN bench_people p ON p.idx = r.person;

CREATE TEMP TABLE bench_staged AS
SELECT g.*,
       extract(epoch FROM now() - created_at) / 86400 AS age_days,
       CASE
         WHEN r_kind < 0.03 THEN 'draft'
         WHEN r_kind < 0.05 AND now() - created_at > interval '2 days' THEN 'withdrawn'
         WHEN r_kind < 0.08 AND now() - created_at > interval '3 days' THEN 'refused'
         WHEN r_kind < 0.082 AND extract(epoch FROM now() - created_at) / 86400 > lag_days
           THEN 'revoked'
         ELSE (
           SELECT CASE
             WHEN f < 0.10 THEN 'pre_review'
             WHEN f < 0.15 THEN CASE WHEN r_decision < 0.3 THEN 'correction_requested'
                                     ELSE 'pre_review' END
             WHEN f < 0.25 THEN 'accepted'
             WHEN f < 0.70 THEN 'under_review'
             WHEN f < 0.80 THEN 'decided'
             WHEN f < 0.90 THEN 'delivered'
             ELSE 'closed' END
           FROM (SELECT extract(epoch FROM now() - created_at) / 86400 / lag_days AS f) x)
       END AS state
FROM bench_gen g;

CREATE TEMP TABLE bench_dated AS
SELECT s.*,
       s.region6 || to_char(s.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') AS prefix,
       (s.state <> 'draft') AS received,
       s.state IN ('accepted', 'under_review', 'decided', 'delivered', 'closed', 'revoked')
           AS accepted,
       s.state IN ('decided', 'delivered', 'closed', 'revoked') AS decided,
       s.state IN ('delivered', 'closed', 'revoked') AS delivered,
       s.state IN ('closed', 'revoked') AS closed,
       s.created_at + interval '10 minutes' AS received_at,
       s.created_at + interval '10 minutes' + s.lag_days * 0.12 * interval '1 day'
           AS accepted_at,
       s.created_at + interval '10 minutes' + s.lag_days * 0.70 * interval '1 day'
           AS decided_at,
       s.created_at + interval '10 minutes' + s.lag_days * 0.80 * interval '1 day'
           AS delivered_at,
       s.created_at + interval '10 minutes' + s.lag_days * 0.90 * interval '1 day' AS closed_at,
       s.created_at + interval '10 minutes' + s.lag_days * 0.10 * interval '1 day'
           AS correction_at
FROM bench_staged s;

INSERT INTO cases_case (
    number, applicant_id, entity_id, item_version_id, theme_id, title, department_id,
    center_id, channel, form_data, state, idempotency_key, created_at, updated_at,
    received_at, pre_review_due, pre_review_warn, accepted_at, deemed_accepted, decided_at,
    delivered_at, closed_at, promised_limit_days, legal_limit_days, extension_days,
    extension_reason, extension_approved_by_id, paused_since, paused_workdays, promised_due,
    legal_due, promised_warn, correction_due, correction_proposals, gaps, gap_due, commitment,
    decision, reasons, legal_basis, delivery_due, delivery_method, tracking_number)
SELECT
    CASE WHEN state <> 'draft' THEN prefix || lpad((coalesce(ns.last, 0) + row_number() OVER (
        PARTITION BY prefix, state = 'draft' ORDER BY bench_dated.created_at, n))::text, 6, '0')
    END,
    applicant_id, NULL, version_id, NULL, title, department_id, NULL,
    CASE WHEN r_channel < 0.7 THEN 'online' WHEN r_channel < 0.9 THEN 'counter'
         ELSE 'mobile' END,
    jsonb_build_object('applicant_name', '申请人', 'id_number', %(id_number)s::jsonb,
                       'mobile', %(mobile)s::jsonb, 'address', '浦东新区世纪大道' || n || '号'),
    state, '', bench_dated.created_at,
    CASE WHEN closed THEN closed_at WHEN delivered THEN delivered_at WHEN decided THEN decided_at
         WHEN accepted THEN accepted_at WHEN received THEN received_at ELSE created_at END,
    CASE WHEN received THEN received_at END,
    CASE WHEN received THEN (received_at + interval '7 days')::date END,
    CASE WHEN received THEN (received_at + interval '6 days')::date END,
    CASE WHEN accepted THEN accepted_at END, false,
    CASE WHEN decided THEN decided_at END,
    CASE WHEN delivered THEN delivered_at END,
    CASE WHEN closed THEN closed_at END,
    CASE WHEN accepted THEN promised ELSE 0 END, CASE WHEN accepted THEN legal ELSE 0 END,
    0, '', NULL, NULL, 0,
    CASE WHEN accepted THEN accepted_at::date + ceil(promised * 1.4)::int END,
    CASE WHEN accepted THEN accepted_at::date + ceil(legal * 1.4)::int END,
    CASE WHEN accepted THEN accepted_at::date + ceil(promised * 1.12)::int END,
    CASE WHEN state = 'correction_requested' THEN (correction_at + interval '14 days')::date END,
    '[]'::jsonb, '[]'::jsonb, NULL, false,
    CASE WHEN decided THEN CASE WHEN r_decision < 0.95 THEN 'approved' ELSE 'rejected' END
         ELSE '' END,
    CASE WHEN state = 'refused' THEN '材料不符合法定形式' ELSE '' END,
    CASE WHEN state = 'refused' THEN '《中华人民共和国行政许可法》第三十二条' ELSE '' END,
    CASE WHEN decided THEN (decided_at + interval '14 days')::date END,
    CASE WHEN delivered THEN CASE WHEN r_decision < 0.5 THEN 'electronic' ELSE 'pickup' END
         ELSE '' END,
    ''
FROM bench_dated LEFT JOIN cases_numbersequence ns ON ns.key = bench_dated.prefix
ORDER BY bench_dated.created_at;

INSERT INTO cases_numbersequence (key, last)
SELECT left(number, 14), max(right(number, 6)::int) FROM cases_case WHERE number IS NOT NULL
GROUP BY left(number, 14)
ON CONFLICT (key) DO UPDATE SET last = greatest(cases_numbersequence.last, EXCLUDED.last);
"""

# (kind, from, to, states that went through this step, when) — the timeline, in order.
EVENT_STEPS = [
    ("created", "", "", None, "c.created_at"),
    ("transition", "draft", "submitted", "c.received_at IS NOT NULL", "c.received_at"),
    ("transition", "submitted", "pre_review", "c.received_at IS NOT NULL", "c.received_at"),
    (
        "transition",
        "pre_review",
        "correction_requested",
        "c.state = 'correction_requested'",
        "c.updated_at",
    ),
    ("transition", "pre_review", "refused", "c.state = 'refused'", "c.updated_at"),
    ("transition", "pre_review", "withdrawn", "c.state = 'withdrawn'", "c.updated_at"),
    ("transition", "pre_review", "accepted", "c.accepted_at IS NOT NULL", "c.accepted_at"),
    (
        "transition",
        "accepted",
        "under_review",
        "c.accepted_at IS NOT NULL AND c.state <> 'accepted'",
        "c.accepted_at + interval '1 hour'",
    ),
    ("task_decided", "", "", "c.decided_at IS NOT NULL", "c.decided_at"),
    ("transition", "under_review", "decided", "c.decided_at IS NOT NULL", "c.decided_at"),
    ("transition", "decided", "delivered", "c.delivered_at IS NOT NULL", "c.delivered_at"),
    ("transition", "delivered", "closed", "c.closed_at IS NOT NULL", "c.closed_at"),
    ("transition", "closed", "revoked", "c.state = 'revoked'", "c.closed_at + interval '1 day'"),
]

TASKS_SQL = """
INSERT INTO cases_casetask (case_id, kind, item_version_id, title, department_id, state,
    assigned_at, dwell_due, dwell_warn, decision, reasons, decided_by_id, decided_at)
SELECT c.id, 'review', c.item_version_id, c.title, c.department_id,
       CASE WHEN c.state = 'under_review' THEN 'open' ELSE 'done' END,
       c.accepted_at + interval '1 hour', c.promised_due, c.promised_warn,
       CASE WHEN c.state = 'under_review' THEN '' ELSE c.decision END, '', NULL, c.decided_at
FROM cases_case c
WHERE c.id > %(after)s AND c.state IN ('under_review', 'decided', 'delivered', 'closed', 'revoked')
"""


def sealed_answers() -> dict[str, str]:
    """The ID number and mobile every filled case's form holds, sealed as ``cases.sealing``
    stores them (once: the database cannot seal)."""
    from tongban.cases.sealing import seal_answers

    clear = {"id_number": "310115199001010011", "mobile": "16500000000"}
    return {k: json.dumps(v) for k, v in seal_answers(clear, set(clear)).items()}


def fill_cases(cursor, *, cases: int, people: int, slots: int) -> int:
    cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
    after = cursor.fetchone()[0]
    params = {"cases": cases, "slots": slots, "people": people, **sealed_answers()}
    for statement in CASES_SQL.split(";\n"):
        if statement.strip():
            cursor.execute(statement, params)
    return after


def fill_events(cursor, *, after: int) -> None:
    for kind, frm, to, went, at in EVENT_STEPS:
        cursor.execute(
            f"""
            INSERT INTO cases_caseevent (case_id, at, kind, from_state, to_state, actor_id,
                actor_label, note, details)
            SELECT c.id, {at}, %s, %s, %s, NULL, '', '', '{{}}'::jsonb
            FROM cases_case c WHERE c.id > %s {"AND " + went if went else ""}
            """,
            [kind, frm, to, after],
        )
    cursor.execute(TASKS_SQL, {"after": after})


def fill_audit(cursor, *, after: int) -> int:
    """One chained entry per new case, as ``audit_record`` would have written it."""
    from types import SimpleNamespace

    from tongban.core.audit import GENESIS, _digest

    cursor.execute("SELECT seq, hash FROM core_auditchainhead WHERE id = 1")
    seq, prev = cursor.fetchone() or (0, GENESIS)
    columns = (
        "seq",
        "at",
        "actor_id",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "subject_person_id",
        "ip",
        "user_agent",
        "details",
        "prev_hash",
        "hash",
    )
    count, last_id = 0, after
    while True:  # in batches: a connection cannot read a cursor while it COPYs
        cursor.execute(
            "SELECT id, created_at, applicant_id, number, channel FROM cases_case"
            " WHERE id > %s ORDER BY id LIMIT 50000",
            [last_id],
        )
        batch = cursor.fetchall()
        if not batch:
            break
        rows = []
        for case_id, at, applicant_id, number, channel in batch:
            seq += 1
            entry = SimpleNamespace(
                seq=seq,
                at=at,
                actor_id=None,
                actor_label="",
                action="cases.case.create",
                target_type="cases.case",
                target_id=str(case_id),
                subject_person_id=applicant_id,
                ip="",
                user_agent="",
                details={"number": number, "channel": channel},
                prev_hash=prev,
            )
            digest = _digest(entry)
            details = json.dumps(entry.details, ensure_ascii=False)
            rows.append((seq, at, None, "", entry.action, entry.target_type, entry.target_id))
            rows[-1] += (applicant_id, "", "", details, prev, digest)
            prev = digest
        count += _copy(cursor, "core_auditentry", columns, rows)
        last_id = batch[-1][0]
    cursor.execute(
        "INSERT INTO core_auditchainhead (id, seq, hash) VALUES (1, %s, %s)"
        " ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
        [seq, prev],
    )
    return count


def filled(cursor) -> dict | None:
    """What ``bench_fill`` says was filled, or None."""
    cursor.execute("SELECT to_regclass(%s)", [FILL_TABLE])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT info FROM {FILL_TABLE} ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return row[0] if row else None


def fill(*, cases: int) -> dict:
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    dsn = connection.connection.info.dsn
    timings: dict[str, float] = {}
    people = max(1000, cases // 5)
    with psycopg.connect(dsn, autocommit=False) as conn, conn.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '256MB'")
        phases = [
            ("people", lambda: fill_people(cursor, people)),
            ("items", lambda: timings.__setitem__("slots", fill_items(cursor))),
        ]
        for name, phase in phases:
            started = time.perf_counter()
            phase()
            timings[name] = round(time.perf_counter() - started, 1)
            log(f"{name}: {timings[name]} s")
        started = time.perf_counter()
        after = fill_cases(cursor, cases=cases, people=people, slots=timings.pop("slots"))
        timings["cases"] = round(time.perf_counter() - started, 1)
        log(f"cases: {timings['cases']} s")
        for name, phase in (
            ("events_tasks", lambda: fill_events(cursor, after=after)),
            ("audit", lambda: fill_audit(cursor, after=after)),
        ):
            started = time.perf_counter()
            phase()
            timings[name] = round(time.perf_counter() - started, 1)
            log(f"{name}: {timings[name]} s")
        conn.commit()
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in (
            "identity_person",
            "cases_case",
            "cases_caseevent",
            "cases_casetask",
            "cases_numbersequence",
            "core_auditentry",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")
        timings["vacuum_analyze"] = round(time.perf_counter() - started, 1)
        log(f"vacuum analyze: {timings['vacuum_analyze']} s")
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("cases_case", "cases_caseevent", "cases_casetask", "core_auditentry")
        }
        states = dict(
            conn.execute("SELECT state, count(*) FROM cases_case GROUP BY state ORDER BY 2 DESC")
        )
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        info = {
            "cases": cases,
            "people": people,
            "seconds": timings,
            "total_s": round(sum(timings.values()), 1),
            "rows": counts,
            "states": states,
            "database_size": size.fetchone()[0],
        }
        conn.execute(f"CREATE TABLE IF NOT EXISTS {FILL_TABLE} (id serial PRIMARY KEY, info jsonb)")
        conn.execute(f"INSERT INTO {FILL_TABLE} (info) VALUES (%s)", [json.dumps(info)])
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    info = fill(cases=args.cases)
    log(f"filled in {info['total_s']} s: {json.dumps(info, ensure_ascii=False)}")


if __name__ == "__main__":
    main()

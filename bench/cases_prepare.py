"""Run inside the benchmark's environment (``python -m bench.cases_prepare``) on the filled
cases database, before the server starts. Writes into ``--out``:

- ``cases-prepare.json``: the items, departments and actors chosen, and the request files;
- ``apply-<i>.body``: one multipart application per connection (answers + one small PDF per
  required material), for ``POST /api/v1/cases/apply``;
- ``apply-sessions.txt`` / ``lifecycle-sessions.txt``: per connection (= wrk thread), the
  applicant's session cookie and CSRF token, its body file, and for the lifecycle the staff
  session of the item's department and the applicant's name for the status query;
- ``apply-one-region-sessions.txt`` (with ``apply-region-<i>.body``): the same applications to
  items whose departments are all in one region, so that every submission takes its number
  from the same (region, day) counter row;
- ``status-paths.txt``: status query paths for existing cases (number + the applicant's name).

Applicants are enrolled people with accounts; sessions are made as a password login makes
them (``django.contrib.auth``'s session keys), so no password check runs during the load.
Staff: one reviewer per chosen department (``bench.reviewer.<department code>``), reused
between runs.
"""

import argparse
import json
import os
import random
import secrets
import string
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

# The smallest PDF the upload check accepts (it sniffs the content, not the name).
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" + b"%" * 1800 + b"\n%%EOF\n"
SIMPLE_FORM = ("applicant_name", "id_number", "mobile")
BENCH_PASSWORD = "Bench2026pass"
CSRF_CHARS = string.ascii_letters + string.digits


def pick_items(count: int, *, one_region: bool = False) -> list:
    """Person items whose form asks only name, ID number and mobile, whose required materials
    the applicant uploads without conditions: one per department, most-used departments first;
    with ``one_region``, only those of the region that has the most of them."""
    from tongban.catalog import selectors as catalog_selectors
    from tongban.catalog.models import ServiceItem

    chosen, departments = [], set()
    items = (
        ServiceItem.objects.filter(published__isnull=False)
        .select_related("published", "department__region")
        .order_by("department__code", "pk")
    )
    for item in items:
        version = item.published
        if item.department_id in departments:
            continue
        if tuple(version.form_schema.get("required", ())) != SIMPLE_FORM:
            continue
        entries = catalog_selectors.material_entries(version=version)
        if any(e.applies_if for e in entries):
            continue
        needed = [e for e in entries if e.required and e.uploaded_by_applicant]
        if not needed:
            continue
        chosen.append((item, needed))
        departments.add(item.department_id)
    random.Random(3).shuffle(chosen)
    if one_region and chosen:
        [(region, _n)] = Counter(item.department.region_id for item, _ in chosen).most_common(1)
        chosen = [(item, needed) for item, needed in chosen if item.department.region_id == region]
    return chosen[:count]


def session_for(account) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(account.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = account.get_session_auth_hash()
    session.set_expiry(24 * 3600)
    session.create()
    return session.session_key


def cookie_for(account) -> tuple[str, str]:
    """A ``Cookie`` header (session + CSRF cookie) and the matching ``X-CSRFToken``."""
    token = "".join(secrets.choice(CSRF_CHARS) for _ in range(32))
    return f"sessionid={session_for(account)}; csrftoken={token}", token


def applicant(n: int):
    from tongban.core.errors import Conflict
    from tongban.identity import services
    from tongban.identity.validators import id_number_check_char

    rng = random.Random()
    while True:
        first17 = f"310104{1970 + rng.randrange(30)}0{rng.randrange(1, 10)}1{rng.randrange(10)}"
        first17 += f"{rng.randrange(1000):03d}"
        try:
            return services.person_enroll(
                name=f"测试{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{'一二三四五六七八九十'[n // 10 % 10]}",
                id_number=first17 + id_number_check_char(first17),
                mobile=f"17{rng.randrange(10**9):09d}",
                password=BENCH_PASSWORD,
            )
        except Conflict:
            continue


def reviewer(department):
    from tongban.identity import services
    from tongban.identity.models import Staff

    username = f"bench.reviewer.{department.code}"
    staff = Staff.objects.filter(account__username=username).select_related("account").first()
    if staff is not None:
        return staff
    return services.staff_create(
        username=username,
        display_name=f"压测审查员（{department.name}）",
        password=BENCH_PASSWORD,
        department=department,
        roles=["reviewer"],
    )


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "tongbanbench" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, content in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}";'
            f' filename="{name}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def status_paths(count: int) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.number, p.name FROM cases_case c TABLESAMPLE SYSTEM (5)"
            " JOIN identity_person p ON p.id = c.applicant_id WHERE c.state <> 'draft'"
            " LIMIT %s",
            [count],
        )
        rows = cursor.fetchall()
    return [
        "/api/v1/cases/status?" + urlencode({"number": number, "name": name})
        for number, name in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--items", type=int, default=8, help="items (departments) to apply to")
    parser.add_argument("--status-paths", type=int, default=20000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    items = pick_items(args.items)
    if not items:
        raise SystemExit("no item fits the bench (simple person form, unconditional materials)")
    args.out.mkdir(parents=True, exist_ok=True)
    apply_lines, lifecycle_lines, actors = [], [], []
    for i in range(args.connections):
        item, needed = items[i % len(items)]
        person = applicant(i)
        staff = reviewer(item.department)
        answers = {"applicant_name": person.name, "id_number": person.id_number}
        answers["mobile"] = person.mobile
        body, content_type = multipart(
            {"item_id": str(item.pk), "form_data": json.dumps(answers, ensure_ascii=False)},
            {f"material_{entry.id}": PDF for entry in needed},
        )
        body_path = args.out / f"apply-{i}.body"
        body_path.write_bytes(body)
        cookie, token = cookie_for(person.account)
        staff_cookie, staff_token = cookie_for(staff.account)
        apply_lines.append("\t".join([cookie, token, str(body_path), content_type]))
        lifecycle_lines.append(
            "\t".join(
                [
                    cookie,
                    token,
                    str(body_path),
                    content_type,
                    staff_cookie,
                    staff_token,
                    quote(person.name),
                ]
            )
        )
        actors.append(
            {"item": item.pk, "department": item.department.code, "materials": len(needed)}
        )
    (args.out / "apply-sessions.txt").write_text("\n".join(apply_lines) + "\n")
    region_items = pick_items(args.items, one_region=True)
    region_lines = []
    for i in range(args.connections):
        item, needed = region_items[i % len(region_items)]
        person = applicant(i)
        answers = {"applicant_name": person.name, "id_number": person.id_number}
        answers["mobile"] = person.mobile
        body, content_type = multipart(
            {"item_id": str(item.pk), "form_data": json.dumps(answers, ensure_ascii=False)},
            {f"material_{entry.id}": PDF for entry in needed},
        )
        body_path = args.out / f"apply-region-{i}.body"
        body_path.write_bytes(body)
        cookie, token = cookie_for(person.account)
        region_lines.append("\t".join([cookie, token, str(body_path), content_type]))
    (args.out / "apply-one-region-sessions.txt").write_text("\n".join(region_lines) + "\n")
    (args.out / "lifecycle-sessions.txt").write_text("\n".join(lifecycle_lines) + "\n")
    paths = status_paths(args.status_paths)
    (args.out / "status-paths.txt").write_text("\n".join(paths) + "\n")
    info = {
        "items": [
            {"id": item.pk, "name": item.published.name, "department": item.department.code}
            for item, _ in items
        ],
        "connections": actors,
        "one_region": {
            "region": region_items[0][0].department.region.code,
            "items": [
                {"id": item.pk, "name": item.published.name, "department": item.department.code}
                for item, _ in region_items
            ],
        },
        "status_paths": len(paths),
        "upload_bytes": len(PDF),
    }
    (args.out / "cases-prepare.json").write_text(json.dumps(info, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

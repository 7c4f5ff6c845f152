"""Run inside the benchmark's environment (``python -m bench.licences_prepare``) on the cases
database after the licence fill (``bench.licences_data``), before the server starts. Writes
into ``--out``:

- ``wallet-sessions.txt``: per connection (= wrk thread), a ``Cookie`` header signing in one
  of the fill's bench holders (five licences each), made as ``cases_prepare`` makes sessions;
- ``verify-bodies.txt``: ``--credentials`` JSON bodies ``{"credential": ...}`` for
  ``POST /api/v1/licences/verify``, the full credentials (every disclosure) of licences of the
  fill drawn at random among those valid today;
- ``licences-prepare.json``: what was chosen.
"""

import argparse
import json
import os
from pathlib import Path


def wallet_cookies(connections: int) -> tuple[list[str], list[int]]:
    from bench.cases_prepare import cookie_for
    from bench.licences_data import HOLDERS, holder_identity
    from tongban.identity import selectors

    cookies, counts = [], []
    for i in range(connections):
        person = selectors.person_by_id_number(holder_identity(i % HOLDERS)[1])
        if person is None or person.account is None:
            raise SystemExit("no bench holders: run bench.licences_data first")
        cookies.append(cookie_for(person.account)[0])
        counts.append(person.licences.count())
    return cookies, counts


def verify_bodies(count: int) -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from tongban.core.crypto import decrypt

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credential FROM licences_licence TABLESAMPLE SYSTEM (2)"
            " WHERE status = 'valid' AND (valid_until IS NULL OR valid_until >= %s) LIMIT %s",
            [timezone.localdate(), count],
        )
        sealed = [row[0] for row in cursor.fetchall()]
    return [
        json.dumps({"credential": decrypt(s, purpose="licences.licence.credential")})
        for s in sealed
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--credentials", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    cookies, counts = wallet_cookies(args.connections)
    bodies = verify_bodies(args.credentials)
    if not bodies:
        raise SystemExit("no valid licence in the database: run bench.licences_data first")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "wallet-sessions.txt").write_text("\n".join(cookies) + "\n")
    (args.out / "verify-bodies.txt").write_text("\n".join(bodies) + "\n")
    info = {
        "wallet_licences": counts,
        "verify_credentials": len(bodies),
        "credential_chars": round(sum(len(b) for b in bodies) / len(bodies)),
    }
    (args.out / "licences-prepare.json").write_text(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()

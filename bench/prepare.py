"""Run inside the benchmark's environment (``python -m bench.prepare``) before the server starts.

Registers the bench relying party, pre-creates authorization codes for a seeded citizen,
and times one password check with each hasher, in this process, with nothing else running.
Writes ``prepare.json`` and the token-request bodies into ``--out``.
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

HASHERS = [
    # (label, algorithm, checks to time)
    ("default", "default", 30),
    ("argon2 (Django's parameters)", "argon2", 10),
    ("pbkdf2_sha256 (Django's default hasher)", "pbkdf2_sha256", 5),
]


def hasher_costs(password: str) -> list[dict]:
    """Median wall-clock milliseconds of one ``check_password`` per hasher (one core)."""
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    costs = []
    for label, algorithm, checks in HASHERS:
        hasher = get_hasher(algorithm)
        encoded = make_password(password, hasher=algorithm)
        check_password(password, encoded)  # warm up (imports, allocator)
        times = []
        for _ in range(checks):
            started = time.perf_counter()
            ok = check_password(password, encoded)
            times.append((time.perf_counter() - started) * 1000)
            assert ok
        params = {
            name: getattr(hasher, name)
            for name in ("time_cost", "memory_cost", "parallelism", "iterations")
            if hasattr(hasher, name)
        }
        if label == "default":
            label = f"{hasher.algorithm} (the project's hasher)"
        costs.append(
            {
                "hasher": label,
                "algorithm": hasher.algorithm,
                "params": params,
                "checks": checks,
                "median_ms": round(statistics.median(times), 2),
                "min_ms": round(min(times), 2),
            }
        )
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--codes", type=int, required=True, help="codes for the measured run")
    parser.add_argument("--warm-codes", type=int, default=500, help="codes for the warm-up")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from tongban.demo.seed import CITIZENS, DEMO_PASSWORD
    from tongban.identity import selectors

    from .oidc import SCOPES, client_create, codes_create

    person = selectors.person_by_mobile(CITIZENS[0][2])
    if person is None or person.account is None:
        raise SystemExit("the seeded citizen is missing: run `tongban seed` first")
    client = client_create()
    started = time.perf_counter()
    codes = codes_create(client=client, account=person.account, count=args.codes + args.warm_codes)
    created_s = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    for name, chunk in (("warm", codes[: args.warm_codes]), ("run", codes[args.warm_codes :])):
        text = "".join(code.token_body(client) + "\n" for code in chunk)
        (args.out / f"token-bodies-{name}.txt").write_text(text)
    info = {
        "client_id": client.client_id,
        "authorization": client.basic_auth(),
        "scopes": SCOPES,
        "codes": {"warm": args.warm_codes, "run": args.codes, "created_in_s": round(created_s, 2)},
        "login": {"identifiers": [mobile for _, _, mobile in CITIZENS], "password": DEMO_PASSWORD},
        "hashers": hasher_costs(DEMO_PASSWORD),
    }
    (args.out / "prepare.json").write_text(json.dumps(info, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

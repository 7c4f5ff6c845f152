"""Credential verification and issuance per second, in-process, beside the bare signature check.

    .venv/bin/python -m bench.credentials_verify [--seconds 2] [--slices 5] [--alg Ed25519]

On a fresh SQLite ``TONGBAN_HOME`` (a temporary directory unless ``TONGBAN_HOME`` is set) it
migrates, makes one department and issues one real credential (a licence's claims, four of
them selectively disclosable), then measures in alternating slices, so that whatever else the
machine does falls on all alike:

- **verify**: ``tongban.credentials.verify.verify`` of that credential, online (keys and
  status from our database, as kept warm per process: ``credentials.online``);
- **verify, status re-read**: the same with ``TONGBAN_CREDENTIAL_STATUS_TTL`` 0, so that
  every verification reads the status list row (one query);
- **bare check**: ``cryptography``'s ``Ed25519PublicKey.verify`` (or the ES256 check) of the
  same signature over the same signing input with the same key: the ceiling;
- **issue**: ``credential_issue`` in a transaction of its own (key read, status index taken
  under its row lock, signing, audit entry appended), committed.

With ``--api`` (needs ``wrk``) it also serves the same installation with ``tongban serve``
(gunicorn, ``--workers`` sync workers) and, in slices alternating with the in-process ones,
posts the same credential to ``POST /api/v1/licences/verify`` (wrk, ``--connections``): the
verifications per second through the API, beside the bare check of the same key in the same run.
The bare check is one thread on one core; the server has every core, shared with wrk.

Prints each rate and the ratio verify ÷ bare check (the goal is at least 0.5).
"""

import argparse
import os
import tempfile
import time
from datetime import timedelta


def _rate(fn, seconds: float) -> tuple[int, float]:
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            fn()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count, now - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="per slice and target")
    parser.add_argument("--slices", type=int, default=5)
    parser.add_argument("--alg", default="Ed25519", choices=["Ed25519", "ES256"])
    parser.add_argument("--api", action="store_true", help="also through the API (wrk)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("TONGBAN_HOME", tempfile.mkdtemp(prefix="tongban-bench-credentials-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ["TONGBAN_CREDENTIAL_ALG"] = args.alg
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from tongban.credentials import keys, online, sdjwt, services
    from tongban.credentials.verify import verify
    from tongban.identity.choices import DepartmentKind, RegionLevel
    from tongban.identity.models import Department, Region

    call_command("migrate", verbosity=0)
    region, _ = Region.objects.get_or_create(
        code="310115", defaults={"name": "浦东新区", "level": RegionLevel.DISTRICT}
    )
    department, _ = Department.objects.get_or_create(
        code="bench-scjgj",
        defaults={
            "name": "市场监督管理局",
            "kind": DepartmentKind.DISTRICT_BUREAU,
            "region": region,
        },
    )
    claims = {
        "licence_number": "JY13101150000001",
        "holder_name": "上海示例餐饮有限公司",
        "holder_uscc": "91310115MA1K000001",
        "address": "上海市浦东新区示例路1号",
        "scope": ["热食类食品制售", "冷食类食品制售"],
    }

    def issue():
        with transaction.atomic():
            return services.credential_issue(
                issuer=department,
                vct="https://zwfw.example.gov.cn/vct/food-business-licence",
                claims=claims,
                disclosable=["holder_name", "holder_uscc", "address", "scope"],
                valid_from=timezone.now(),
                valid_until=timezone.now() + timedelta(days=365),
            )

    compact = issue().compact
    assert verify(compact).valid
    jwt, _ = sdjwt.split(compact)
    header, payload, signature = jwt.split(".")
    signing_input, signature_bytes = f"{header}.{payload}".encode(), sdjwt.b64decode(signature)
    key = department.signing_keys.get(retired_at__isnull=True)
    public = keys.public_key(key.public_jwk)
    assert keys.signature_valid(public, key.alg, signing_input, signature_bytes)
    if key.alg == "Ed25519":

        def bare():
            public.verify(signature_bytes, signing_input)
    else:

        def bare():
            keys.signature_valid(public, key.alg, signing_input, signature_bytes)

    ttl = settings.TONGBAN_CREDENTIAL_STATUS_TTL

    def cold():
        settings.TONGBAN_CREDENTIAL_STATUS_TTL = 0
        try:
            verify(compact)
        finally:
            settings.TONGBAN_CREDENTIAL_STATUS_TTL = ttl

    targets = {
        "verify": lambda: verify(compact),
        "verify, status re-read": cold,
        "bare check": bare,
        "issue": issue,
    }
    totals = {name: [0, 0.0] for name in targets}
    for fn in targets.values():  # warm-up
        _rate(fn, min(0.5, args.seconds))
    online.cache_clear()
    api = (
        _ApiTarget(compact, workers=args.workers, connections=args.connections)
        if args.api
        else None
    )
    try:
        if api is not None:
            totals["verify through the API"] = [0, 0.0]
            api.measure(min(1.0, args.seconds))  # warm-up: every worker reads the key once
        for _ in range(args.slices):
            for name, fn in targets.items():
                count, spent = _rate(fn, args.seconds)
                totals[name][0] += count
                totals[name][1] += spent
            if api is not None:
                count, spent = api.measure(args.seconds)
                totals["verify through the API"][0] += count
                totals["verify through the API"][1] += spent
    finally:
        if api is not None:
            api.stop()
    rates = {name: count / spent for name, (count, spent) in totals.items()}
    print(f"credential: {len(compact)} characters, {key.alg}, 4 disclosures")
    for name, rate in rates.items():
        print(f"{name:<24} {rate:>10.0f} /s   {1e6 / rate:>8.1f} µs each")
    print(f"ratio verify ÷ bare check: {rates['verify'] / rates['bare check']:.2f}")
    print(
        f"ratio verify (status re-read) ÷ bare check: "
        f"{rates['verify, status re-read'] / rates['bare check']:.2f}"
    )
    if api is not None:
        print(
            f"ratio verify through the API ÷ bare check: "
            f"{rates['verify through the API'] / rates['bare check']:.2f}"
            f"   (p99 {api.p99_ms:.1f} ms, {args.workers} workers, {args.connections} connections;"
            f" non-valid answers {api.failures})"
        )


class _ApiTarget:
    """`tongban serve` of this process's installation (its TONGBAN_HOME: the same database and
    secrets) and wrk posting one credential to the verify API."""

    def __init__(self, compact: str, *, workers: int, connections: int):
        import json
        import subprocess
        from pathlib import Path

        from bench.run import HOST, Server, free_port

        self.workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-verify-api-"))
        self.bodies = self.workdir / "verify-bodies.txt"
        self.bodies.write_text(json.dumps({"credential": compact}) + "\n")
        self.connections = connections
        self.p99_ms, self.failures = 0.0, 0
        env = {**os.environ, "TONGBAN_BENCH": "1", "TONGBAN_DEBUG": "0"}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent / "src"), env.get("PYTHONPATH", "")]
        )
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}/api/v1/licences/verify"
        self.server = Server(
            env=env, port=self.port, workers=workers, log_path=self.workdir / "server.log"
        )
        self._subprocess = subprocess
        self.server.wait_ready()

    def measure(self, seconds: float) -> tuple[int, float]:
        from bench.results import parse_wrk
        from bench.run import wrk_command

        command = wrk_command(
            self.url,
            "verify.lua",
            (str(self.bodies),),
            threads=1,
            connections=self.connections,
            duration=seconds,
        )
        done = self._subprocess.run(command, capture_output=True, text=True, check=True)
        report = parse_wrk(done.stdout)
        self.p99_ms = max(self.p99_ms, report["latency_ms"]["p99"])
        self.failures += report["bad"] + report["non_2xx_3xx"]
        return report["requests"] - report["bad"], report["duration_s"]

    def stop(self) -> None:
        self.server.stop()
        problems = self.server.log_problems()
        if problems:
            print(f"server log: {problems} problems\n{self.server.log_tail()}")


if __name__ == "__main__":
    main()

"""Run the benchmarks against the production server on a fresh installation.

    .venv/bin/python bench/run.py [--database sqlite|postgres] [--duration 10] [--connections 16]

Each target is paired with the ceiling (``GET /bench/bare/read``: a bare Django view doing one
primary-key read on the same database) measured right after it in the same run, and printed
as a ratio. The load generator (wrk, else bench/loadgen.py) runs on the same machine as the
server: on a 2-core box the two share the cores. See bench/README.md.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import loadgen  # noqa: E402
from bench.results import format_table, merge, parse_wrk, ratio  # noqa: E402
from tongban.settings.env import rsa_private_key_pem  # noqa: E402

HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_DB = "tongban_bench"
CEILING = ("ceiling: GET /bench/bare/read", "/bench/bare/read")
REFERENCE = ("ref.: GET /bench/bare/hello (no DB)", "/bench/bare/hello")
WRK_DIR = REPO / "bench" / "wrk"
RESULTS_DIR = REPO / "bench" / "results"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per run")
    parser.add_argument("--slices", type=int, default=5, help="alternating slices per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (cores are shared)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers; 0: 2*cores+1")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--codes", type=int, default=0, help="authorization codes to pre-create")
    parser.add_argument("--only", nargs="*", choices=["home", "token", "login"], default=None)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait (up to SECONDS) until the machine is idle (<10%% busy for 3 s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary TONGBAN_HOME")
    args = parser.parse_args(argv)
    args.workers = args.workers or (os.cpu_count() or 1) * 2 + 1
    args.codes = args.codes or int(600 * args.duration)
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    elif args.loadgen == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    args.threads = min(args.threads, args.connections)
    return args


# The installation ---------------------------------------------------------------------------


def bench_env(home: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("WEB_CONCURRENCY", None)
    env.update(
        TONGBAN_HOME=str(home),
        TONGBAN_BENCH="1",
        TONGBAN_DEBUG="0",
        DJANGO_SETTINGS_MODULE="tongban.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        TONGBAN_FIELD_KEY=secrets.token_urlsafe(50),
        TONGBAN_OIDC_KEY=rsa_private_key_pem(),
        PYTHONPATH=str(REPO),
    )
    if database == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{POSTGRES_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{home / 'tongban.sqlite3'}"
    return env


def postgres_recreate() -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {POSTGRES_DB}")


def tongban(*argv: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("tongban")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "tongban.cli"]
    return subprocess.run([*command, *argv], env=env, check=True, cwd=REPO, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`tongban serve` (gunicorn, sync workers) as a child process."""

    def __init__(self, *, env, port: int, workers: int, log_path: Path):
        self.port = port
        self.log_path = log_path
        executable = Path(sys.executable).with_name("tongban")
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [str(executable), "serve", "--bind", f"{HOST}:{port}", "--workers", str(workers)],
            env=env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", CEILING[1])
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer in {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> int:
        text = self.log_path.read_text(errors="replace")
        return sum(text.count(word) for word in ("Traceback", "WORKER TIMEOUT", "[ERROR]"))


# Load -----------------------------------------------------------------------------------------


class Load:
    def __init__(self, args, port: int, workdir: Path, prepared: dict, cpu: "CpuMeter"):
        self.args = args
        self.cpu = cpu
        self.port = port
        self.workdir = workdir
        self.prepared = prepared

    def _wrk(self, path: str, duration: float, script: str, script_args=(), headers=()) -> dict:
        command = [
            "wrk",
            f"-t{self.args.threads}",
            f"-c{self.args.connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(WRK_DIR / script),
        ]
        for header in headers:
            command += ["-H", header]
        command.append(f"http://{HOST}:{self.port}{path}")
        if script_args:
            command += ["--", *script_args]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        return parse_wrk(done.stdout)

    def _python(self, scenario: loadgen.Scenario, duration: float) -> dict:
        return loadgen.run(
            host=HOST,
            port=self.port,
            scenario=scenario,
            connections=self.args.connections,
            duration=duration,
        )

    def get(self, path: str, duration: float) -> dict:
        if self.args.loadgen == "wrk":
            return self._wrk(path, duration, "get.lua")
        return self._python(loadgen.Scenario("GET", path), duration)

    def token(self, which: str, duration: float) -> dict:
        bodies = self.workdir / f"token-bodies-{which}.txt"
        auth = self.prepared["authorization"]
        if self.args.loadgen == "wrk":
            return self._wrk(
                "/oidc/token/",
                duration,
                "token.lua",
                (str(bodies), str(self.args.threads)),
                headers=(f"Authorization: {auth}",),
            )
        scenario = loadgen.Scenario(
            "POST",
            "/oidc/token/",
            headers={
                "Authorization": auth,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            bodies=tuple(bodies.read_text().split()),
            consume=True,
            expect_body='"id_token"',
        )
        return self._python(scenario, duration)

    def login(self, duration: float) -> dict:
        login = self.prepared["login"]
        form = {"identifier": "", "password": login["password"], "csrfmiddlewaretoken": "{csrf}"}
        if self.args.loadgen == "wrk":
            lines = []
            for _ in range(self.args.threads):  # one GET /login/ per wrk thread
                conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
                cookie, token = loadgen.csrf_fetch(conn, "/login/")
                conn.close()
                bodies = [
                    urlencode({**form, "identifier": ident, "csrfmiddlewaretoken": token})
                    for ident in login["identifiers"]
                ]
                lines.append(" ".join([cookie, *bodies]))
            sessions = self.workdir / "login-sessions.txt"
            sessions.write_text("\n".join(lines) + "\n")
            return self._wrk("/login/", duration, "login.lua", (str(sessions),))
        bodies = tuple(
            urlencode({**form, "identifier": ident}).replace("%7Bcsrf%7D", "{csrf}")
            for ident in login["identifiers"]
        )
        scenario = loadgen.Scenario(
            "POST",
            "/login/",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            bodies=bodies,
            csrf_from="/login/",
            expect_status=302,
            expect_location="/me/",
        )
        return self._python(scenario, duration)


class CpuMeter:
    """Where the machine's CPU went during a measurement: the server (its process group), the
    benchmark's PostgreSQL backends, the load generator (our waited-for children), and
    everything else. The machine is shared; a large "other" share means the run's absolute
    numbers are low (the ratio less so)."""

    def __init__(self, server_pgid: int):
        self.pgid = server_pgid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _machine_busy(self) -> float:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / self.tick

    def _processes(self) -> tuple[float, float]:
        """CPU seconds so far of the server's processes, and of our database's backends."""
        server = database = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    comm, rest = stat.read().rsplit(")", 1)
                fields = rest.split()
                ticks = int(fields[11]) + int(fields[12])  # utime, stime
                if int(fields[2]) == self.pgid:
                    server += ticks
                elif comm.endswith("(postgres"):
                    with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                        title = cmdline.read().decode(errors="replace")
                    if f" {POSTGRES_DB} " in title:
                        database += ticks
            except OSError:
                continue
        return server / self.tick, database / self.tick

    @staticmethod
    def _ours() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        return children.ru_utime + children.ru_stime + own.ru_utime + own.ru_stime

    def start(self) -> None:
        self._at = (time.monotonic(), self._machine_busy(), *self._processes(), self._ours())

    def stop(self) -> dict:
        wall, busy, server, database, ours = self._at
        wall = time.monotonic() - wall
        cores = os.cpu_count() or 1
        now_server, now_database = self._processes()
        busy = self._machine_busy() - busy
        server, database = now_server - server, now_database - database
        ours = self._ours() - ours
        share = lambda seconds: round(100 * seconds / (wall * cores), 1)  # noqa: E731
        return {
            "machine_busy_pct": share(busy),
            "server_pct": share(server),
            "database_pct": share(database),
            "loadgen_pct": share(ours),
            "other_pct": share(max(0.0, busy - server - database - ours)),
        }


def measure(load: Load, group: list[tuple[str, object]]) -> list[dict]:
    """Measure a target, its ceiling (and any reference point) in alternating slices.

    ``group``: [(label, run)], ``run(kind, seconds)`` with kind "warm" or "run-<slice>". Each
    is warmed up once; then the measured time is cut into ``--slices`` slices, run in turn
    (target, ceiling, target, ceiling, ...), so that load from other processes on a shared
    machine falls on both alike, and the slices are merged."""
    args = load.args
    seconds = max(1, round(args.duration / args.slices))
    if args.warmup > 0:
        for _, run in group:
            run("warm", args.warmup)
    slices: dict[str, list[dict]] = {label: [] for label, _ in group}
    for k in range(args.slices):
        for label, run in group:
            load.cpu.start()
            result = run(f"run-{k}", seconds)
            result["cpu"] = load.cpu.stop()
            slices[label].append(result)
    merged = []
    for label, _ in group:
        result = merge(slices[label])
        result["cpu"] = {
            key: round(statistics.mean(s["cpu"][key] for s in slices[label]), 1)
            for key in slices[label][0]["cpu"]
        }
        result["target"] = label
        log(
            f"{label}: {result['rps']:.1f} req/s (slices {result['slices_rps']}),"
            f" p50 {result['latency_ms']['p50']:.2f} ms, p99 {result['latency_ms']['p99']:.2f} ms,"
            f" errors {result['errors']} (statuses {result['statuses']});"
            f" CPU % of all cores: {result['cpu']}"
        )
        merged.append(result)
    return merged


def run_targets(load: Load, only) -> list[dict]:
    ceiling = (CEILING[0], lambda kind, d: load.get(CEILING[1], d))
    groups = [
        ("home", [("a. portal home: GET /", lambda kind, d: load.get("/", d)), ceiling]),
        ("token", [("b. OIDC token (code+PKCE)", load.token), ceiling]),
        ("login", [("c. password login POST /login/", lambda kind, d: load.login(d)), ceiling]),
    ]
    # A reference point beside the first pair, against the same ceiling runs.
    groups[0][1].append((REFERENCE[0], lambda kind, d: load.get(REFERENCE[1], d)))
    pairs = []
    for key, group in groups:
        if only and key not in only:
            continue
        ours, ceiling_result, *references = measure(load, group)
        pairs.append({"key": key, "target": ours, "ceiling": ceiling_result})
        for reference in references:
            pairs.append({"key": "reference", "target": reference, "ceiling": ceiling_result})
    return pairs


def machine() -> dict:
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        wrk_version = (out.stdout or out.stderr).splitlines()[0]
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "wrk": wrk_version,
    }


def machine_busy_pct(seconds: float) -> float:
    meter = CpuMeter(server_pgid=-1)
    meter.start()
    time.sleep(seconds)
    return meter.stop()["machine_busy_pct"]


def wait_quiet(limit: float) -> None:
    deadline = time.monotonic() + limit
    while True:
        busy = machine_busy_pct(3)
        if busy < 10:
            log(f"machine quiet ({busy:.0f}% busy)")
            return
        if time.monotonic() > deadline:
            log(f"machine still {busy:.0f}% busy after {limit:.0f}s; running anyway")
            return
        log(f"machine {busy:.0f}% busy; waiting")
        time.sleep(7)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-"))
    home = workdir / "home"
    env = bench_env(home, args.database)
    log(f"TONGBAN_HOME={home}, database {args.database}, load generator {args.loadgen}")
    if args.keep:  # to poke at the installation afterwards (throwaway secrets)
        (workdir / "env.json").write_text(json.dumps(env, indent=2))
    server = None
    try:
        if args.database == "postgres":
            postgres_recreate()
        tongban("migrate", "--noinput", "-v", "0", env=env)
        tongban("seed", env=env, stdout=subprocess.DEVNULL)
        log(f"migrated and seeded; pre-creating {args.codes} authorization codes, timing hashers")
        warm_codes = max(200, args.codes // 4)
        prepare = ["--out", str(workdir), "--codes", str(args.codes), "--warm-codes"]
        subprocess.run(
            [sys.executable, "-m", "bench.prepare", *prepare, str(warm_codes)],
            env=env,
            cwd=REPO,
            check=True,
        )
        prepared = json.loads((workdir / "prepare.json").read_text())
        bodies = (workdir / "token-bodies-run.txt").read_text().splitlines(keepends=True)
        per_slice = len(bodies) // args.slices
        for k in range(args.slices):
            chunk = bodies[k * per_slice : (k + 1) * per_slice]
            (workdir / f"token-bodies-run-{k}.txt").write_text("".join(chunk))
        port = free_port()
        server = Server(env=env, port=port, workers=args.workers, log_path=workdir / "server.log")
        server.wait_ready()
        log(f"server up on {HOST}:{port} with {args.workers} sync workers")
        load = Load(args, port, workdir, prepared, CpuMeter(server.process.pid))
        pairs = run_targets(load, args.only)
        server.stop()
        problems = server.log_problems()
        server = None
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = []
    for pair in pairs:
        ours, ceiling = pair["target"], pair["ceiling"]
        pair["ratio"] = ratio(ours["rps"], ceiling["rps"])
        rows.append(
            {
                "target": ours["target"],
                "rps": ours["rps"],
                "p50": ours["latency_ms"]["p50"],
                "p99": ours["latency_ms"]["p99"],
                "errors": ours["errors"],
                "ceiling_rps": ceiling["rps"],
                "ratio": pair["ratio"],
                "other_pct": (ours["cpu"]["other_pct"], ceiling["cpu"]["other_pct"]),
            }
        )
        for result in (ours, ceiling):
            result.pop("quantiles_ms", None)
    info = machine()
    print()
    print(
        f"Tongban bench, {args.database}, {datetime.date.today()}: {args.workers} gunicorn sync"
        f" workers, {args.loadgen} ({args.threads} thread(s), {args.connections} connections),"
        f" {args.duration:g}s per target in {args.slices} slices alternating with the"
        f" ceiling; load generator and server share {info['cores']} cores."
    )
    print(format_table(rows))
    busiest = max((max(row["other_pct"]) for row in rows), default=0)
    if busiest > 10:
        print(
            f"WARNING: other processes took up to {busiest:.0f}% of the machine's CPU during"
            " these runs: absolute numbers are low; ratios less affected. Rerun when quiet"
            " (--wait-quiet)."
        )
    print()
    print("One password check, in-process, one core:")
    for cost in prepared["hashers"]:
        print(f"  {cost['hasher']:<44} {cost['median_ms']:>8.1f} ms   {cost['params']}")
    errors = sum(row["errors"] for row in rows)
    exhausted = sum(pair["target"]["exhausted"] for pair in pairs)
    print(f"\nerrors: {errors}; server log problems: {problems}", end="")
    print(f"; codes exhausted: {exhausted} (raise --codes)" if exhausted else "")
    elapsed = time.monotonic() - started
    print(f"bench took {elapsed:.0f}s")

    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": args.database,
        "machine": info,
        "config": {
            "workers": args.workers,
            "loadgen": args.loadgen,
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "slices": args.slices,
            "warmup_s": args.warmup,
            "codes": args.codes,
        },
        "pairs": pairs,
        "hashers": prepared["hashers"],
        "errors": errors,
        "server_log_problems": problems,
        "elapsed_s": round(elapsed, 1),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    (RESULTS_DIR / "latest.json").write_text(text)
    (RESULTS_DIR / f"latest-{args.database}.json").write_text(text)
    return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())

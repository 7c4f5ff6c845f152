"""Run the benchmarks against the production server on a fresh installation.

    .venv/bin/python bench/run.py [--database sqlite|postgres] [--duration 10] [--connections 16]

Each target is paired with a ceiling measured right after it in the same run, and printed as a
ratio: a bare Django view doing what the target does at the least (``GET /bench/bare/read``:
one primary-key read on the same database; for the home page, which makes no query,
``GET /bench/bare/hello``). The load generator (wrk, else bench/loadgen.py) runs on the same
machine as the server: on a 2-core box the two share the cores. See bench/README.md.
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
from bench.results import (  # noqa: E402
    chain_count,
    count_errors,
    format_table,
    merge,
    parse_wrk,
    ratio,
)
from tongban.settings.env import rsa_private_key_pem  # noqa: E402

HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_DB = "tongban_bench"
CASES_DB = "tongban_bench_cases"  # kept between runs: filling a million cases takes minutes
INSERT_CEILING = ("ceiling: POST /bench/bare/insert", "/bench/bare/insert")
CASE_TARGETS = ("submit", "submit-region", "status", "lifecycle", "wallet", "verify")
# Environment of the server on the cases database: the production task backend (messages wait
# in the database for `tongban worker`; no worker runs during the load), and the public status
# query's per-address limit lifted (wrk queries from one address).
CASES_SERVER_ENV = {"TONGBAN_TASK_BACKEND": "database", "TONGBAN_STATUS_QUERY_RATE": "1000000000/s"}
CEILING = ("ceiling: GET /bench/bare/read", "/bench/bare/read")
HELLO_CEILING = ("ceiling: GET /bench/bare/hello (no query)", "/bench/bare/hello")
LIFECYCLE_STEPS = 5
# How long a chained run's connections may take, once told to stop, to finish the step they are
# in (wrk's own --timeout is 10 s).
CHAIN_GRACE_S = 30
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
    parser.add_argument(
        "--only", nargs="*", choices=["home", "token", "login", *CASE_TARGETS], default=None
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=0,
        metavar="N",
        help=f"the cases benchmarks on PostgreSQL database {CASES_DB} holding N cases (filled"
        " once, then reused)",
    )
    parser.add_argument("--refill", action="store_true", help="with --cases: fill afresh")
    parser.add_argument(
        "--licences",
        type=int,
        default=1_000_000,
        metavar="N",
        help="with --cases: licences with signed credentials filled into the database once,"
        " for the wallet and verify targets",
    )
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
    if args.cases and args.loadgen != "wrk":
        parser.error(
            "--cases runs on wrk only (each connection a wrk thread keeping its sessions and"
            " its lifecycle), and wrk is not installed or --loadgen python was asked for;"
            " install it (Debian: apt-get install wrk)"
        )
    args.threads = min(args.threads, args.connections)
    if args.cases:
        args.database = "postgres"
        args.only = [t for t in (args.only or CASE_TARGETS) if t in CASE_TARGETS]
    elif args.only and set(args.only) & set(CASE_TARGETS):
        parser.error("the cases targets (" + ", ".join(CASE_TARGETS) + ") need --cases N")
    return args


# The installation ---------------------------------------------------------------------------


def bench_env(home: Path, database: str, name: str = POSTGRES_DB, secrets_=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("WEB_CONCURRENCY", None)
    env.update(
        TONGBAN_HOME=str(home),
        TONGBAN_BENCH="1",
        TONGBAN_DEBUG="0",
        DJANGO_SETTINGS_MODULE="tongban.settings",
        # This checkout's code, also where the installed package is another's (a worktree).
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "src")]),
    )
    env.update(
        secrets_
        or {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "TONGBAN_FIELD_KEY": secrets.token_urlsafe(50),
            "TONGBAN_OIDC_KEY": rsa_private_key_pem(),
        }
    )
    if database == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{home / 'tongban.sqlite3'}"
    return env


def postgres_recreate(name: str = POSTGRES_DB) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


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

    def _wrk(
        self, path: str, duration: float, script: str, script_args=(), headers=(), threads=0
    ) -> dict:
        command = wrk_command(
            f"http://{HOST}:{self.port}{path}",
            script,
            script_args,
            threads=threads or self.args.threads,
            connections=self.args.connections,
            duration=duration,
            headers=headers,
        )
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


def wrk_command(
    url: str, script: str, script_args=(), *, threads, connections, duration, headers=()
) -> list[str]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(WRK_DIR / script),
    ]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    return [*command, "--", *script_args] if script_args else command


def wrk_chained(
    command: list[str], *, stop: Path, state_out: Path, threads: int, seconds: float, grace: float
) -> tuple[str, int]:
    """Run one slice of a chained wrk script (bench/wrk/lifecycle.lua; ``command``'s own
    duration must exceed ``seconds + grace``) and end it between two requests: after
    ``seconds`` the ``stop`` file is made, and each thread stops after its next response,
    writing where its chain stands into ``state_out``. Once all ``threads`` have (or ``grace``
    seconds passed), wrk is interrupted with SIGINT, on which it reports as at the end of its
    duration, over the time it actually ran. So no request is in flight when the slice ends:
    none is cut off and left to the server, and the next slice goes on from the states.
    Returns wrk's report and how many threads stopped between two requests."""
    stop.unlink(missing_ok=True)
    state_out.mkdir(parents=True)
    stopped = lambda: sum(1 for p in state_out.iterdir() if p.suffix != ".part")  # noqa: E731
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until = time.monotonic() + seconds
        while time.monotonic() < until and stopped() < threads and process.poll() is None:
            time.sleep(0.01)
        stop.touch()
        until = time.monotonic() + grace
        while stopped() < threads and time.monotonic() < until and process.poll() is None:
            time.sleep(0.01)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, out, err)
    return out, stopped()


def chain_states(state_dir: Path | None) -> list[int]:
    """The steps done of each chain under way in a chained slice's state files (0-based: a
    thread about to apply has done none and is not under way)."""
    if state_dir is None:
        return []
    steps = [int(p.read_text().split()[0]) - 1 for p in state_dir.iterdir() if p.suffix != ".part"]
    return [n for n in steps if n > 0]


class CasesLoad(Load):
    """The cases targets (wrk only). Each connection is a wrk thread of its own, so that it
    keeps its applicant's (and staff member's) session, and the lifecycle's steps follow one
    another on it; the ceilings run the same way. The lifecycle goes on across its slices
    (``wrk_chained``): ``chains`` keeps each slice's state directory by kind ("warm",
    "run-<k>")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chains: dict[str, Path] = {}

    def _each(self, path, duration, script, script_args=()) -> dict:
        return self._wrk(path, duration, script, script_args, threads=self.args.connections)

    def get(self, path: str, duration: float) -> dict:
        return self._each(path, duration, "get.lua")

    def insert(self, duration: float) -> dict:
        return self._each(INSERT_CEILING[1], duration, "post.lua")

    def submit(self, duration: float, sessions: str = "apply-sessions.txt") -> dict:
        path = self.workdir / sessions
        return self._each("/api/v1/cases/apply", duration, "apply.lua", (str(path),))

    def status(self, duration: float) -> dict:
        paths = self.workdir / "status-paths.txt"
        return self._each("/api/v1/cases/status", duration, "status.lua", (str(paths),))

    def wallet(self, duration: float) -> dict:
        sessions = self.workdir / "wallet-sessions.txt"
        return self._each("/me/licences/", duration, "wallet.lua", (str(sessions),))

    def verify(self, duration: float) -> dict:
        bodies = self.workdir / "verify-bodies.txt"
        return self._each("/api/v1/licences/verify", duration, "verify.lua", (str(bodies),))

    def lifecycle(self, kind: str, duration: float) -> dict:
        sessions = self.workdir / "lifecycle-sessions.txt"
        state_in = self.chains[list(self.chains)[-1]] if self.chains else None
        state_out = self.workdir / "lifecycle-state" / kind
        threads = self.args.connections
        command = wrk_command(
            f"http://{HOST}:{self.port}/api/v1/cases/apply",
            "lifecycle.lua",
            (str(sessions), str(self.workdir / "stop"), str(state_in or "-"), str(state_out)),
            threads=threads,
            connections=threads,
            duration=duration + CHAIN_GRACE_S + 5,
        )
        out, stopped = wrk_chained(
            command,
            stop=self.workdir / "stop",
            state_out=state_out,
            threads=threads,
            seconds=duration,
            grace=CHAIN_GRACE_S,
        )
        self.chains[kind] = state_out
        result = parse_wrk(out)
        result["unstopped"] = threads - stopped
        result["errors"] = count_errors(result)
        return result


class CpuMeter:
    """Where the machine's CPU went during a measurement: the server (its process group), the
    benchmark's PostgreSQL backends, the load generator (our waited-for children), and
    everything else. The machine is shared; a large "other" share means the run's absolute
    numbers are low (the ratio less so)."""

    def __init__(self, server_pgid: int, database: str = POSTGRES_DB):
        self.pgid = server_pgid
        self.database = database
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
                    if f" {self.database} " in title:
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
    """Measure a target and its ceiling in alternating slices.

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
    # The home page makes no query for an anonymous visitor: its ceiling is the view that makes
    # none either (against a one-query read its ratio would say more about the read).
    hello = (HELLO_CEILING[0], lambda kind, d: load.get(HELLO_CEILING[1], d))
    groups = [
        ("home", [("a. portal home: GET /", lambda kind, d: load.get("/", d)), hello]),
        ("token", [("b. OIDC token (code+PKCE)", load.token), ceiling]),
        ("login", [("c. password login POST /login/", lambda kind, d: load.login(d)), ceiling]),
    ]
    pairs = []
    for key, group in groups:
        if only and key not in only:
            continue
        ours, ceiling_result = measure(load, group)
        pairs.append({"key": key, "target": ours, "ceiling": ceiling_result})
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


# The cases benchmarks (--cases N) ----------------------------------------------------------


def cases_database(args, home: Path) -> tuple[dict[str, str], dict]:
    """The environment for the kept cases database, filling it first if it does not hold
    ``--cases`` cases yet (or ``--refill``). The secrets the people's data was sealed with live
    in the database itself (table ``bench_env``), so a later run can reuse it."""
    import psycopg

    url = f"postgres://postgres@127.0.0.1:5432/{CASES_DB}"
    kept, info = None, None
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [CASES_DB]).fetchone()
    if exists and not args.refill:
        with psycopg.connect(url) as conn:
            if conn.execute(
                "SELECT to_regclass('bench_env'), to_regclass('bench_fill')"
            ).fetchone()[1]:
                info = conn.execute("SELECT info FROM bench_fill ORDER BY id DESC LIMIT 1")
                info = (info.fetchone() or [None])[0]
                kept = dict(conn.execute("SELECT key, value FROM bench_env").fetchall())
    if info and info.get("cases") == args.cases and kept:
        env = bench_env(home, "postgres", CASES_DB, kept)
        log(f"reusing {CASES_DB}: {info['cases']} cases, filled in {info['total_s']} s")
        tongban("migrate", "--noinput", "-v", "0", env=env)
        return env, {**info, "reused": True, "licences": licences_fill(args, env, url)}
    started = time.monotonic()
    env = bench_env(home, "postgres", CASES_DB)
    postgres_recreate(CASES_DB)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_env (key text PRIMARY KEY, value text)")
        for key in ("SECRET_KEY", "TONGBAN_FIELD_KEY", "TONGBAN_OIDC_KEY"):
            conn.execute("INSERT INTO bench_env VALUES (%s, %s)", [key, env[key]])
    tongban("migrate", "--noinput", "-v", "0", env=env)
    tongban("seed", env=env, stdout=subprocess.DEVNULL)
    seeded = time.monotonic() - started
    log(f"migrated and seeded in {seeded:.0f} s; filling {args.cases} cases")
    subprocess.run(
        [sys.executable, "-m", "bench.cases_data", "--cases", str(args.cases)],
        env=env,
        cwd=REPO,
        check=True,
    )
    with psycopg.connect(url) as conn:
        info = conn.execute("SELECT info FROM bench_fill ORDER BY id DESC LIMIT 1").fetchone()[0]
    info["migrate_seed_s"] = round(seeded, 1)
    info["preparation_s"] = round(time.monotonic() - started, 1)
    log(f"{CASES_DB} prepared in {info['preparation_s']} s")
    return env, {**info, "reused": False, "licences": licences_fill(args, env, url)}


def licences_fill(args, env: dict[str, str], url: str) -> dict:
    """Fill ``--licences`` licences (bench/licences_data.py) unless the database holds a fill
    already (afresh with ``--refill``); returns what the fill recorded, with ``reused``."""
    import psycopg

    def recorded():
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT to_regclass('bench_licences_fill')").fetchone()[0] is None:
                return None
            row = conn.execute("SELECT info FROM bench_licences_fill ORDER BY id DESC LIMIT 1")
            return (row.fetchone() or [None])[0]

    info = recorded()
    if info and not args.refill:
        log(f"reusing {info['licences']} licences, filled in {info['total_s']} s")
        return {**info, "reused": True}
    log(f"filling {args.licences} licences")
    command = [sys.executable, "-m", "bench.licences_data", "--licences", str(args.licences)]
    subprocess.run(
        [*command, *(["--refill"] if args.refill else [])], env=env, cwd=REPO, check=True
    )
    info = recorded()
    log(f"{info['licences']} licences filled in {info['total_s']} s ({info['rows_per_s']} rows/s)")
    return {**info, "reused": False}


def drain(port: int, limit: float = 60) -> float:
    """Wait until the server has worked off what the last run left queued (wrk gives up on the
    requests in flight when its time is up, but the workers still serve them): until two
    requests in a row to ``/bench/bare/hello`` answer within 50 ms. Returns the seconds waited."""
    started = time.monotonic()
    quick = 0
    while quick < 2 and time.monotonic() - started < limit:
        conn = http.client.HTTPConnection(HOST, port, timeout=limit)
        asked = time.monotonic()
        conn.request("GET", HELLO_CEILING[1])
        conn.getresponse().read()
        conn.close()
        quick = quick + 1 if time.monotonic() - asked < 0.05 else 0
    return time.monotonic() - started


def cases_groups(load: "CasesLoad", only) -> list[tuple[str, list]]:
    def drained(run):
        def inner(kind, seconds):
            result = run(kind, seconds)
            result["drain_s"] = round(drain(load.port), 2)
            return result

        return inner

    insert = (INSERT_CEILING[0], drained(lambda kind, d: load.insert(d)))
    read = (CEILING[0], drained(lambda kind, d: load.get(CEILING[1], d)))
    submit = drained(lambda kind, d: load.submit(d))
    submit_region = drained(lambda kind, d: load.submit(d, "apply-one-region-sessions.txt"))
    status = drained(lambda kind, d: load.status(d))
    groups = [
        ("submit", [("1. apply: POST /api/v1/cases/apply", submit), insert]),
        ("submit-region", [("1b. apply, items of one region", submit_region), insert]),
        ("status", [("2. status: GET /api/v1/cases/status", status), read]),
        ("lifecycle", [("3. lifecycle (5 requests)", drained(load.lifecycle)), insert]),
        ("wallet", [("5. wallet: GET /me/licences/", drained(lambda k, d: load.wallet(d))), read]),
        (
            "verify",
            [
                ("6. verify: POST /api/v1/licences/verify", drained(lambda k, d: load.verify(d))),
                read,
            ],
        ),
    ]
    return [(key, group) for key, group in groups if key in only]


def queue_explain(env, workdir: Path) -> dict:
    out = workdir / "queue.json"
    subprocess.run(
        [sys.executable, "-m", "bench.cases_queue", "--out", str(out)],
        env=env,
        cwd=REPO,
        check=True,
    )
    return json.loads(out.read_text())


PREPARE_CASES = (sys.executable, "-m", "bench.cases_prepare")
PREPARE_LICENCES = (sys.executable, "-m", "bench.licences_prepare")


def table_row(pair: dict) -> dict:
    """One printed row of a measured pair (its ratio already set); drops the raw quantiles
    from the pair's results, which the JSON does not keep."""
    ours, ceiling = pair["target"], pair["ceiling"]
    for result in (ours, ceiling):
        result.pop("quantiles_ms", None)
    return {
        "target": ours["target"],
        "rps": ours["rps"],
        "p50": ours["latency_ms"]["p50"],
        "p99": ours["latency_ms"]["p99"],
        "errors": ours["errors"],
        "ceiling_rps": ceiling["rps"],
        "ratio": pair["ratio"],
        "other_pct": (ours["cpu"]["other_pct"], ceiling["cpu"]["other_pct"]),
    }


def cases_main(args, started: float) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-cases-"))
    home = workdir / "home"
    server, pairs = None, []
    try:
        env, fill_info = cases_database(args, home)
        if args.keep:
            (workdir / "env.json").write_text(json.dumps(env, indent=2))
        if args.wait_quiet:  # the fill kept the machine busy
            wait_quiet(args.wait_quiet)
        subprocess.run(
            [*PREPARE_CASES, "--out", str(workdir), "--connections", str(args.connections)],
            env=env,
            cwd=REPO,
            check=True,
        )
        prepared = json.loads((workdir / "cases-prepare.json").read_text())
        if {"wallet", "verify"} & set(args.only):
            subprocess.run(
                [*PREPARE_LICENCES, "--out", str(workdir), "--connections", str(args.connections)],
                env=env,
                cwd=REPO,
                check=True,
            )
            prepared["licences"] = json.loads((workdir / "licences-prepare.json").read_text())
        port = free_port()
        server = Server(
            env={**env, **CASES_SERVER_ENV},
            port=port,
            workers=args.workers,
            log_path=workdir / "server.log",
        )
        server.wait_ready()
        log(f"server up on {HOST}:{port} with {args.workers} sync workers")
        load = CasesLoad(args, port, workdir, prepared, CpuMeter(server.process.pid, CASES_DB))
        for key, group in cases_groups(load, args.only):
            ours, ceiling = measure(load, group)
            pairs.append({"key": key, "target": ours, "ceiling": ceiling})
            if key == "lifecycle":
                pairs[-1]["lifecycles"] = chain_count(
                    ours,
                    length=LIFECYCLE_STEPS,
                    before=chain_states(load.chains.get("warm")),
                    after=chain_states(load.chains[f"run-{args.slices - 1}"]),
                )
        server.stop()
        problems = server.log_problems()
        if problems:
            print(server.log_tail(60))
        server = None
        queues = queue_explain(env, workdir)
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = []
    for pair in pairs:
        ours, ceiling = pair["target"], pair["ceiling"]
        # A ceiling stuck behind a backlog the target left (requests wrk gave up on at the end
        # of a slice) measures nothing: the row then shows ratio 0 instead of failing the run.
        pair["ratio"] = ratio(ours["rps"], ceiling["rps"]) if ceiling["rps"] else 0.0
        rows.append(table_row(pair))
    info = machine()
    print()
    print(
        f"Tongban cases bench, PostgreSQL {CASES_DB} ({fill_info['cases']:,} cases,"
        f" {fill_info['licences']['licences']:,} licences filled),"
        f" {datetime.date.today()}: {args.workers} gunicorn sync workers, wrk ({args.connections}"
        f" connections, one thread each), {args.duration:g}s per target in {args.slices} slices"
        f" alternating with the ceiling; load generator, server and database share"
        f" {info['cores']} cores."
    )
    print(format_table(rows))
    for pair in pairs:
        ceiling = pair["ceiling"]
        print(
            f"  {pair['target']['target']}: ceiling {ceiling['target']} p50"
            f" {ceiling['latency_ms']['p50']:.2f} ms, p99 {ceiling['latency_ms']['p99']:.2f} ms"
        )
        if "lifecycles" in pair:
            chains = pair["lifecycles"]
            print(
                f"  lifecycles completed: {chains['completed']} = {chains['per_s']:.1f}"
                f" lifecycles/s; under way when the measurement began:"
                f" {chains['open_before']['chains']} ({chains['open_before']['steps']} steps done"
                f" in the warm-up), when it ended: {chains['open_after']['chains']}"
                f" ({chains['open_after']['steps']} steps done); abandoned steps"
                f" {chains['abandoned_steps']}; balanced: {chains['balanced']}"
            )
    busiest = max((max(row["other_pct"]) for row in rows), default=0)
    if busiest > 10:
        print(f"WARNING: other processes took up to {busiest:.0f}% of the CPU during these runs.")
    print(
        f"\nQueues of {queues['department']['code']} ({queues['department']['name']}),"
        f" {queues['cases']:,} cases in the database; the department holds"
        f" {queues['department']['cases']}, open tasks {queues['open_tasks']}:"
    )
    for queue in queues["queues"]:
        counts = ", ".join(
            f"page size {size}: {c['rows']} rows, {c['queue']} queries (page {c['page']})"
            for size, c in queue["queries"].items()
        )
        print(f"\n-- {queue['kind']}: {counts}\n{queue['plan']}")
    errors = sum(row["errors"] for row in rows)
    unbalanced = sum(1 for p in pairs if "lifecycles" in p and not p["lifecycles"]["balanced"])
    print(f"\nerrors: {errors}; server log problems: {problems}", end="")
    print("; lifecycle steps do not add up (a chain lost)" if unbalanced else "")
    elapsed = time.monotonic() - started
    print(f"bench took {elapsed:.0f}s")
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": f"postgres {CASES_DB}",
        "fill": fill_info,
        "machine": info,
        "config": {
            "workers": args.workers,
            "connections": args.connections,
            "duration_s": args.duration,
            "slices": args.slices,
            "warmup_s": args.warmup,
            "server_env": CASES_SERVER_ENV,
        },
        "prepared": prepared,
        "pairs": pairs,
        "queues": queues,
        "errors": errors,
        "server_log_problems": problems,
        "elapsed_s": round(elapsed, 1),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    (RESULTS_DIR / "latest-cases.json").write_text(text)
    return 1 if errors or problems or unbalanced else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if args.cases:
        return cases_main(args, started)
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
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
        rows.append(table_row(pair))
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

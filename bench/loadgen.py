"""A small multi-process HTTP load generator: the fallback when ``wrk`` is not installed.

One process per connection, each a closed loop on one keep-alive ``http.client`` connection,
for a fixed duration. It judges every response like the wrk Lua scripts do and returns the
same result dict as ``results.parse_wrk``. Python costs more CPU per request than wrk, and the
generator shares the machine's cores with the server: prefer wrk.
"""

import http.client
import multiprocessing
import re
import time
from dataclasses import dataclass, field

from .results import count_errors, percentile, quantiles

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")


@dataclass(frozen=True)
class Scenario:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    bodies: tuple[str, ...] = ()  # form bodies; "{csrf}" is replaced by the form's token
    consume: bool = False  # each body used once (authorization codes) rather than in turn
    csrf_from: str | None = None  # GET this page first, on each connection
    expect_status: int = 200
    expect_body: str | None = None
    expect_location: str | None = None


def csrf_fetch(conn: http.client.HTTPConnection, path: str) -> tuple[str, str]:
    """GET a form page: its ``csrftoken`` cookie and the form's ``csrfmiddlewaretoken``."""
    conn.request("GET", path)
    response = conn.getresponse()
    html = response.read().decode("utf-8", "replace")
    cookie = _CSRF_COOKIE.search(response.getheader("Set-Cookie") or "")
    token = _CSRF_INPUT.search(html)
    if response.status != 200 or not cookie or not token:
        raise RuntimeError(f"GET {path}: no CSRF cookie and token (status {response.status})")
    return cookie.group(1), token.group(1)


def _judge(scenario: Scenario, status: int, location: str | None, body: bytes) -> bool:
    if status != scenario.expect_status:
        return False
    if scenario.expect_location is not None and location != scenario.expect_location:
        return False
    return scenario.expect_body is None or scenario.expect_body.encode() in body


def _connection_loop(index, connections, host, port, scenario, duration, queue):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = dict(scenario.headers)
    bodies = list(scenario.bodies[index::connections] if scenario.consume else scenario.bodies)
    csrf = ""
    if scenario.csrf_from:
        cookie, csrf = csrf_fetch(conn, scenario.csrf_from)
        headers["Cookie"] = f"csrftoken={cookie}"
    latencies, statuses = [], {}
    bad = exhausted = socket_errors = sent = 0
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        body = None
        if scenario.method == "POST":
            if scenario.consume:
                if sent >= len(bodies):
                    exhausted += 1
                    body = "grant_type=authorization_code&code=exhausted"
                else:
                    body = bodies[sent]
            else:
                body = bodies[sent % len(bodies)].replace("{csrf}", csrf)
        sent += 1
        started = time.perf_counter()
        try:
            conn.request(scenario.method, scenario.path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            socket_errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        if not _judge(scenario, response.status, response.getheader("Location"), payload):
            bad += 1
    conn.close()
    queue.put((latencies, statuses, bad, exhausted, socket_errors))


def run(*, host: str, port: int, scenario: Scenario, connections: int, duration: float) -> dict:
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(
            target=_connection_loop,
            args=(i, connections, host, port, scenario, duration, queue),
        )
        for i in range(connections)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    parts = [queue.get() for _ in workers]
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    latencies = sorted(x for part in parts for x in part[0])
    statuses: dict[str, int] = {}
    for part in parts:
        for status, n in part[1].items():
            statuses[status] = statuses.get(status, 0) + n
    result = {
        "requests": len(latencies),
        "duration_s": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 2),
        "latency_ms": {f"p{p}": round(percentile(latencies, p), 3) for p in (50, 75, 90, 99)},
        "quantiles_ms": quantiles(latencies),
        "socket_errors": {"connect": 0, "read": sum(p[4] for p in parts), "write": 0, "timeout": 0},
        "non_2xx_3xx": sum(n for s, n in statuses.items() if int(s) >= 400),
        "statuses": statuses,
        "bad": sum(p[2] for p in parts),
        "exhausted": sum(p[3] for p in parts),
    }
    result["errors"] = count_errors(result)
    return result

"""The harness's pure pieces: reading wrk's report, percentiles, merging slices, ratios, the
results table.

A run's result is a dict with the same keys whichever load generator produced it:
``requests``, ``duration_s``, ``rps``, ``latency_ms`` (``p50``/``p75``/``p90``/``p99``),
``quantiles_ms`` (the latency quantile function on ``GRID``: [percent, ms] pairs, so that
runs made in slices can be merged), ``socket_errors`` (``connect``/``read``/``write``/
``timeout``), ``non_2xx_3xx`` (wrk's own count), ``statuses`` (status code → responses,
counted by the Lua script), ``bad`` (responses that were not the expected success: wrong
status, or a 200 without an ``id_token``), ``exhausted`` (requests sent after the pre-created
codes ran out), ``completed`` (chained sequences finished, e.g. case lifecycles; 0 for others),
``abandoned`` (the successful requests of chained sequences given up after a failed one),
``unstopped`` (connections of a chained run that did not end their slice between two requests:
their chain's state is lost; set by bench/run.py) and ``errors``.
"""

import json
import math
import re

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([0-9.]+)(us|ms|s|m|h)"
MARKER = "TONGBAN "
# The percentiles kept per run (the same grid as bench/wrk/common.lua): 0.5 % steps to 99 %,
# then 0.1 % steps; 100 is the maximum.
GRID = [round(i * 0.5, 1) for i in range(1, 199)] + [round(99 + i * 0.1, 1) for i in range(1, 10)]
GRID.append(100.0)
REPORTED = (50, 75, 90, 99)
CHAINED = ("completed", "abandoned", "unstopped")  # counts of chained runs (0 for others)


def time_ms(text: str) -> float:
    """``'812.00us'`` → 0.812; ``'1.23ms'`` → 1.23; ``'2.00s'`` → 2000.0."""
    match = re.fullmatch(_TIME, text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _TIME_UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict:
    """Parse the report of ``wrk --latency`` (and the ``TONGBAN {json}`` line our Lua scripts'
    ``done()`` prints, when present)."""
    requests = re.search(r"^\s*(\d+) requests in " + _TIME, output, re.M)
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    if not requests or not rps:
        raise ValueError("not a wrk report (no 'requests in' or 'Requests/sec' line)")
    latency = {
        f"p{int(pct)}": round(time_ms(value), 3)
        for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M)
    }
    if set(latency) != {"p50", "p75", "p90", "p99"}:
        raise ValueError("no latency distribution: run wrk with --latency")
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = dict(
        zip(
            ("connect", "read", "write", "timeout"),
            (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0),
            strict=True,
        )
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result = {
        "requests": int(requests.group(1)),
        "duration_s": round(time_ms(requests.group(2) + requests.group(3)) / 1000, 3),
        "rps": float(rps.group(1)),
        "latency_ms": latency,
        "quantiles_ms": [],
        "socket_errors": socket_errors,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "statuses": {},
        "bad": 0,
        "exhausted": 0,
        "completed": 0,
        "abandoned": 0,
        "unstopped": 0,
    }
    for line in output.splitlines():
        if line.startswith(MARKER):
            counted = json.loads(line[len(MARKER) :])
            result["statuses"] = {str(k): int(v) for k, v in counted["statuses"].items()}
            result["bad"] = int(counted["bad"])
            result["exhausted"] = int(counted.get("exhausted", 0))
            result["completed"] = int(counted.get("completed", 0))
            result["abandoned"] = int(counted.get("abandoned", 0))
            result["quantiles_ms"] = [
                [float(pct), us / 1000] for pct, us in counted.get("quantiles_us", [])
            ]
    result["errors"] = count_errors(result)
    return result


def count_errors(result: dict) -> int:
    """Everything that was not the expected success. Our Lua scripts (and the Python
    generator) judge each response; without their count, wrk's own status count stands in. A
    connection that did not end its slice between two requests (``unstopped``) is one too."""
    judged = result["bad"] if result["statuses"] else result["non_2xx_3xx"]
    return judged + sum(result["socket_errors"].values()) + result.get("unstopped", 0)


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def quantiles(sorted_values: list[float]) -> list[list[float]]:
    """The quantile function on ``GRID`` of an already sorted list (as the Lua scripts give)."""
    if not sorted_values:
        return []
    return [[pct, percentile(sorted_values, pct)] for pct in GRID]


def merged_percentile(parts: list[tuple[int, list[list[float]]]], pct: float) -> float:
    """A percentile of several runs together, from each run's request count and quantile
    function: each grid point stands for the share of requests between it and the one below.
    Exact at the grid's points for a single run; within one grid step for several."""
    weighted = []
    for count, points in parts:
        below = 0.0
        for point_pct, value in points:
            weighted.append((value, count * (point_pct - below) / 100))
            below = point_pct
    if not weighted:
        return 0.0
    weighted.sort()
    total = sum(weight for _, weight in weighted)
    target = pct / 100 * total - 1e-9 * total
    running = 0.0
    for value, weight in weighted:
        running += weight
        if running >= target:
            return value
    return weighted[-1][0]


def merge(slices: list[dict]) -> dict:
    """One result from several slices of the same target (run alternately with its ceiling)."""
    if len(slices) == 1:
        return {**slices[0], "slices_rps": [slices[0]["rps"]]}
    requests = sum(s["requests"] for s in slices)
    duration = sum(s["duration_s"] for s in slices)
    statuses: dict[str, int] = {}
    for s in slices:
        for status, n in s["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    parts = [(s["requests"], s["quantiles_ms"]) for s in slices if s["quantiles_ms"]]
    merged = {
        "requests": requests,
        "duration_s": round(duration, 3),
        "rps": round(requests / duration, 2) if duration else 0.0,
        "latency_ms": {f"p{p}": round(merged_percentile(parts, p), 3) for p in REPORTED},
        "quantiles_ms": [[p, merged_percentile(parts, p)] for p in GRID] if parts else [],
        "socket_errors": {
            kind: sum(s["socket_errors"][kind] for s in slices)
            for kind in ("connect", "read", "write", "timeout")
        },
        "non_2xx_3xx": sum(s["non_2xx_3xx"] for s in slices),
        "statuses": statuses,
        "bad": sum(s["bad"] for s in slices),
        "exhausted": sum(s["exhausted"] for s in slices),
        **{key: sum(s.get(key, 0) for s in slices) for key in CHAINED},
        "slices_rps": [s["rps"] for s in slices],
    }
    merged["errors"] = count_errors(merged)
    return merged


def chain_count(result: dict, *, length: int, before: list[int], after: list[int]) -> dict:
    """The lifecycles of a chained target measured in slices whose connections carry their
    chain on from one slice to the next (bench/wrk/lifecycle.lua), from its merged ``result``.

    A lifecycle is counted in the slice its last step answered in, whichever slice its earlier
    steps fell in; only the measurement's two ends cut chains. ``before``: for each chain under
    way when the first measured slice began (carried on from the warm-up), the steps it had done
    then; ``after``: the same for each chain under way when the last slice ended. Every
    successful response belongs to exactly one chain, so the successful responses must equal
    ``length`` × completed − steps before + steps after + abandoned steps (``balanced``); a
    chain lost at a slice end (an ``unstopped`` connection) or a step repeated breaks it."""
    answered = sum(result["statuses"].values()) - result["bad"]
    duration = result["duration_s"]
    expected = length * result["completed"] - sum(before) + sum(after) + result["abandoned"]
    return {
        "completed": result["completed"],
        "per_s": round(result["completed"] / duration, 2) if duration else 0.0,
        "open_before": {"chains": len(before), "steps": sum(before)},
        "open_after": {"chains": len(after), "steps": sum(after)},
        "abandoned_steps": result["abandoned"],
        "answered_steps": answered,
        "balanced": answered == expected,
    }


def ratio(value: float, ceiling: float) -> float:
    """Our endpoint's throughput as a fraction of the ceiling's, measured in the same run."""
    if ceiling <= 0:
        raise ValueError("the ceiling measured no throughput")
    return round(value / ceiling, 4)


def format_table(rows: list[dict]) -> str:
    """``rows``: {"target", "rps", "p50", "p99", "errors", "ceiling_rps", "ratio"} and, when
    measured, "other_pct": the CPU share other processes on the machine took meanwhile (target
    runs / ceiling runs, in % of all cores)."""
    header = (
        f"{'target':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
        f" {'ceiling req/s':>13} {'ratio':>6} {'other CPU %':>11}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        other = row.get("other_pct")
        lines.append(
            f"{row['target']:<36} {row['rps']:>8.1f} {row['p50']:>8.2f} {row['p99']:>8.2f}"
            f" {row['errors']:>6d} {row['ceiling_rps']:>13.1f} {row['ratio']:>6.3f}"
            f" {f'{other[0]:.0f} / {other[1]:.0f}' if other else '-':>11}"
        )
    return "\n".join(lines)

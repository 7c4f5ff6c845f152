"""The benchmark harness's pieces (bench/): no Tongban server, no load. The lifecycle script's
slices run wrk (when installed) against a stand-in server of a few lines.

The wrk reports below were captured from real runs of bench/wrk/*.lua against `tongban serve`.
"""

import base64
import hashlib
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from bench import run
from bench.cases_data import person_rows
from bench.oidc import client_create, codes_create, pkce_pair
from bench.results import (
    chain_count,
    count_errors,
    format_table,
    merge,
    merged_percentile,
    parse_wrk,
    percentile,
    quantiles,
    ratio,
    time_ms,
)
from tests import factories
from tongban.core.bench_urls import bare_insert
from tongban.identity.validators import id_number_check_char

# Password logins with too many connections for two workers: some requests time out.
WRK_LOGIN_WITH_TIMEOUTS = """\
Running 3s test @ http://127.0.0.1:18931/login/
  2 threads and 12 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   616.09ms  164.77ms 937.89ms   62.16%
    Req/Sec    11.31      9.64    39.00     80.77%
  Latency Distribution
     50%  604.11ms
     75%  723.85ms
     90%  879.97ms
     99%  937.89ms
  44 requests in 3.12s, 24.88KB read
  Socket errors: connect 0, read 0, write 0, timeout 7
Requests/sec:     14.12
Transfer/sec:      7.99KB
TONGBAN {"statuses":{"302":44},"bad":0,"exhausted":0}
"""

# GET of a page that does not exist: every response a 404. (The quantile list in the TONGBAN
# line is cut down to 7 of its 208 points to keep this readable.)
WRK_NOT_FOUND = """\
Running 1s test @ http://127.0.0.1:18999/missing
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.23ms    2.92ms  19.18ms   84.50%
    Req/Sec     1.42k   204.24     1.81k    60.00%
  Latency Distribution
     50%    1.84ms
     75%    4.76ms
     90%    7.59ms
     99%   12.51ms
  1427 requests in 1.01s, 724.65KB read
  Non-2xx or 3xx responses: 1427
Requests/sec:   1418.83
Transfer/sec:    720.50KB
TONGBAN {"statuses":{"404":1427},"bad":1427,"exhausted":0,"quantiles_us":[["0.5",451],\
["50.0",1835],["75.0",4761],["90.0",7594],["99.0",12508],["99.9",18710],["100.0",19179]]}
"""


def test_parse_wrk_report_with_socket_errors():
    result = parse_wrk(WRK_LOGIN_WITH_TIMEOUTS)
    assert result == {
        "requests": 44,
        "duration_s": 3.12,
        "rps": 14.12,
        "latency_ms": {"p50": 604.11, "p75": 723.85, "p90": 879.97, "p99": 937.89},
        "quantiles_ms": [],
        "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 7},
        "non_2xx_3xx": 0,
        "statuses": {"302": 44},
        "bad": 0,
        "exhausted": 0,
        "completed": 0,
        "abandoned": 0,
        "unstopped": 0,
        "errors": 7,  # every 302 went to /me/, but 7 requests timed out
    }


def test_parse_wrk_report_with_error_statuses_and_quantiles():
    result = parse_wrk(WRK_NOT_FOUND)
    assert result["requests"] == 1427
    assert result["duration_s"] == 1.01
    assert result["rps"] == 1418.83
    assert result["latency_ms"] == {"p50": 1.84, "p75": 4.76, "p90": 7.59, "p99": 12.51}
    assert result["non_2xx_3xx"] == 1427
    assert result["statuses"] == {"404": 1427}
    assert result["bad"] == 1427
    assert result["errors"] == 1427
    assert result["quantiles_ms"] == [
        [0.5, 0.451],
        [50.0, 1.835],
        [75.0, 4.761],
        [90.0, 7.594],
        [99.0, 12.508],
        [99.9, 18.71],
        [100.0, 19.179],
    ]


def test_without_the_lua_count_wrk_own_status_count_stands_in():
    plain = WRK_NOT_FOUND.split("TONGBAN")[0]
    result = parse_wrk(plain)
    assert result["statuses"] == {}
    assert result["quantiles_ms"] == []
    assert result["errors"] == 1427


def test_wrk_time_units_and_bad_input():
    assert time_ms("812.00us") == pytest.approx(0.812)
    assert time_ms("1.50s") == 1500.0
    assert time_ms("2.00m") == 120_000.0
    with pytest.raises(ValueError):
        time_ms("fast")
    with pytest.raises(ValueError, match="latency"):
        parse_wrk(WRK_NOT_FOUND.replace("     99%   12.51ms\n", ""))
    with pytest.raises(ValueError, match="not a wrk report"):
        parse_wrk("wrk: connection refused")


def test_count_errors_counts_judged_responses_and_socket_errors():
    result = {
        "statuses": {"200": 10, "400": 2},
        "bad": 2,
        "non_2xx_3xx": 2,
        "socket_errors": {"connect": 1, "read": 0, "write": 0, "timeout": 3},
    }
    assert count_errors(result) == 6


def test_ratio_and_percentile():
    assert ratio(350.0, 1400.0) == 0.25
    assert ratio(1, 3) == 0.3333
    with pytest.raises(ValueError):
        ratio(10.0, 0.0)
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_merged_slices_sum_counts_and_pool_latencies():
    fast = [float(v) for v in range(1, 1001)]  # 1..1000 ms
    slow = [2 * v for v in fast]
    slices = [
        {
            "requests": 1000,
            "duration_s": 2.0,
            "rps": 500.0,
            "latency_ms": {},
            "quantiles_ms": quantiles(values),
            "socket_errors": {"connect": 0, "read": 1, "write": 0, "timeout": 0},
            "non_2xx_3xx": 0,
            "statuses": {"200": 1000},
            "bad": 0,
            "exhausted": 0,
        }
        for values in (fast, slow)
    ]
    merged = merge(slices)
    assert merged["requests"] == 2000
    assert merged["duration_s"] == 4.0
    assert merged["rps"] == 500.0
    assert merged["statuses"] == {"200": 2000}
    assert merged["socket_errors"]["read"] == 2
    assert merged["errors"] == 2
    assert merged["slices_rps"] == [500.0, 500.0]
    pooled = sorted(fast + slow)
    # Exact where the grid allows, within one grid step (0.5 %) elsewhere.
    assert merged["latency_ms"]["p99"] == percentile(pooled, 99) == 1960.0
    assert abs(merged["latency_ms"]["p50"] - percentile(pooled, 50)) <= 10
    one = merge(slices[:1])
    assert one["latency_ms"] == {} and one["slices_rps"] == [500.0]
    assert merged_percentile([(1000, quantiles(fast))], 90) == 900.0


def test_format_table_prints_the_ratio():
    table = format_table(
        [
            {
                "target": "a. portal home: GET /",
                "rps": 800.0,
                "p50": 1.5,
                "p99": 9.25,
                "errors": 0,
                "ceiling_rps": 1600.0,
                "ratio": 0.5,
            }
        ]
    )
    row = table.splitlines()[2].split()
    assert row[-7:] == ["800.0", "1.50", "9.25", "0", "1600.0", "0.500", "-"]


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_pre_created_codes_are_redeemed_once_by_the_real_token_endpoint(db, client):
    person = factories.person(name="王测试")
    bench_client = client_create()
    first, second = codes_create(client=bench_client, account=person.account, count=2)
    assert first.code != second.code and first.verifier != second.verifier

    response = client.post(
        "/oidc/token/",
        data=first.token_body(bench_client),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=bench_client.basic_auth(),
    )
    assert response.status_code == 200, response.content
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"openid", "profile"}
    claims = _claims(token["id_token"])
    assert claims["aud"] == bench_client.client_id
    assert claims["nonce"]

    again = client.post(
        "/oidc/token/",
        data=first.token_body(bench_client),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=bench_client.basic_auth(),
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"

    wrong_verifier = dict(second.token_form(bench_client), code_verifier=first.verifier)
    refused = client.post(
        "/oidc/token/",
        data=urlencode(wrong_verifier),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=bench_client.basic_auth(),
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_completed_lifecycles_are_read_and_summed_over_slices():
    line = 'TONGBAN {"statuses":{"201":4,"200":16},"bad":0,"exhausted":0,"completed":4}'
    report = WRK_LOGIN_WITH_TIMEOUTS.replace(WRK_LOGIN_WITH_TIMEOUTS.splitlines()[-1], line)
    result = parse_wrk(report)
    assert (result["completed"], result["statuses"]) == (4, {"201": 4, "200": 16})
    assert merge([result, dict(result, completed=6)])["completed"] == 10
    assert parse_wrk(WRK_NOT_FOUND)["completed"] == 0  # scripts without chained requests


def test_fill_people_are_distinct_with_valid_id_numbers_and_mobiles():
    rows = list(person_rows(45_000))
    assert len({r[1] for r in rows}) == len({r[2] for r in rows}) == 45_000
    for name, id_number, mobile in rows[::997]:
        assert 2 <= len(name) <= 3
        assert id_number[17] == id_number_check_char(id_number[:17])
        assert len(mobile) == 11 and mobile[:2] == "16"


def test_licence_fill_signs_genuine_credentials_that_verify_online(db):
    import datetime as dt

    from bench.licences_data import Issuance, licence_row
    from tongban.core.crypto import decrypt
    from tongban.credentials import statuslist
    from tongban.credentials.models import StatusList
    from tongban.credentials.services import signing_key_rotate
    from tongban.credentials.verify import verify
    from tongban.licences import services as licences
    from tongban.licences.models import LicenceType

    department = factories.department(code="sh-police", name="上海市公安局")
    (residence,) = [t for t in licences.builtin_licence_types() if t["name"] == "居住证"]
    residence = {**residence, "defining_department": "sh-police"}
    licences.licence_types_load(types=[{**residence, "issuing_departments": ["sh-police"]}])
    key = signing_key_rotate(by=None, department=department)
    status_list = StatusList.objects.create(
        department=department, bits=2, capacity=64, next_index=3, data=statuslist.empty(64, 2)
    )
    issuance = Issuance(LicenceType.objects.get(name="居住证"), department, key)
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    for index in range(3):
        id_number = factories.id_number()
        serial = f"{today.year}{index + 1:06d}"
        spec = (1, "王小明", id_number, today, serial, status_list.pk, index, index)
        row = licence_row(issuance, spec, now)
        assert row[2] == serial and row[16:18] == (status_list.pk, index)
        assert decrypt(row[6], purpose="licences.licence.holder_code") == id_number
        data = json.loads(row[8])
        assert set(data["id_number"]) == {"$sealed"} and data["name"] == "王小明"
        checked = verify(decrypt(row[15], purpose="licences.licence.credential"))
        assert checked.valid, checked.result
        assert checked.kid == key.kid
        assert checked.disclosed["licence_identifier"] == row[0]
        assert checked.disclosed["holder_code"] == id_number
        assert checked.disclosed["valid_until"] == row[11].isoformat()
        assert checked.disclosed["address"].startswith("上海市浦东新区世纪大道")


def test_bare_insert_view_commits_one_expired_session_row(db, rf):
    from django.contrib.sessions.models import Session

    response = bare_insert(rf.post("/bench/bare/insert"))
    assert response.status_code == 201
    (row,) = Session.objects.all()
    assert row.session_data == "" and len(row.session_key) == 32
    assert bare_insert(rf.get("/bench/bare/insert")).status_code == 405
    assert Session.objects.count() == 1


def test_count_errors_counts_connections_that_did_not_stop_between_two_requests():
    result = parse_wrk(WRK_NOT_FOUND.replace('"bad":1427', '"bad":0'))
    assert count_errors(result) == 0
    assert count_errors(dict(result, unstopped=2)) == 2


def _slice(statuses: dict[str, int], *, bad=0, completed=0, abandoned=0, duration=2.0) -> dict:
    return {
        "requests": sum(statuses.values()),
        "duration_s": duration,
        "rps": sum(statuses.values()) / duration,
        "latency_ms": {},
        "quantiles_ms": [],
        "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
        "non_2xx_3xx": 0,
        "statuses": statuses,
        "bad": bad,
        "exhausted": 0,
        "completed": completed,
        "abandoned": abandoned,
        "unstopped": 0,
    }


def test_lifecycles_straddling_slice_ends_are_counted_where_they_finish():
    # Two connections, 2 measured slices of 2 s. Connection A came out of the warm-up with
    # 2 steps of lifecycle 1 done: slice 1 answers its steps 3-5 (lifecycle 1 complete) and
    # steps 1-2 of lifecycle 2; slice 2 its steps 3-5 (complete) and step 1 of lifecycle 3,
    # under way at the end. Connection B started fresh: slice 1 steps 1-4 of lifecycle 4,
    # slice 2 its step 5 (complete), then lifecycle 5's apply, whose accept fails (409): the
    # apply is abandoned, and B's next apply is under way at the end.
    first = _slice({"201": 2, "200": 7}, completed=1)  # A: 3 + 2 steps, B: 4
    second = _slice({"201": 3, "200": 4, "409": 1}, bad=1, completed=2, abandoned=1)
    merged = merge([first, second])
    assert chain_count(merged, length=5, before=[2], after=[1, 1]) == {
        "completed": 3,  # lifecycles 1, 2 and 4: each counted once, in the slice of its step 5
        "per_s": 0.75,
        "open_before": {"chains": 1, "steps": 2},
        "open_after": {"chains": 2, "steps": 2},
        "abandoned_steps": 1,
        "answered_steps": 16,  # 5 × 3 − 2 + 2 + 1
        "balanced": True,
    }
    # Had slice 2 started B afresh (its chain lost at the slice end, as the harness used to),
    # B would apply instead of querying lifecycle 4's status: 2 lifecycles instead of 3, and
    # the steps no longer add up.
    lost = _slice({"201": 3, "200": 3, "409": 1}, bad=1, completed=1, abandoned=1)
    assert not chain_count(merge([first, lost]), length=5, before=[2], after=[1, 1])["balanced"]


class _StandIn(BaseHTTPRequestHandler):
    """The five lifecycle requests, answered as the API does, one case after another; the
    test's ``stop_after`` (request numbers) makes the slice's stop file before answering, and
    ``refuse`` (request numbers) answers 409."""

    protocol_version = "HTTP/1.1"

    def _answer(self, status: int, body: dict) -> None:
        server = self.server
        server.log.append(f"{self.command} {self.path}")
        n = len(server.log)
        if n in server.refuse:
            status, body = 409, {"detail": "conflict"}
        if n in server.stop_after:
            server.stop.touch()
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/api/v1/cases/apply":
            self.server.cases += 1
            case = self.server.cases
            self._answer(201, {"id": case, "number": f"31010420261202{case:04d}"})
        else:
            self._answer(200, {})

    def do_GET(self):
        self._answer(200, {"state": "decided"})

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_a_lifecycle_under_way_at_a_slice_end_goes_on_in_the_next_slice(tmp_path):
    body = tmp_path / "apply.body"
    body.write_bytes(b"answers")
    sessions = tmp_path / "sessions.txt"
    fields = ["sessionid=a", "ta", str(body), "text/plain", "sessionid=s", "ts", "%E6%B5%8B"]
    sessions.write_text("\t".join(fields) + "\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    server.log, server.cases, server.stop = [], 0, tmp_path / "stop"
    server.stop_after, server.refuse = {2, 6, 13}, {12}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/cases/apply"
    results, state_in = [], "-"
    try:
        for kind in ("warm", "run-0", "run-1"):
            state_out = tmp_path / "state" / kind
            args = (str(sessions), str(server.stop), state_in, str(state_out))
            command = run.wrk_command(
                url, "lifecycle.lua", args, threads=1, connections=1, duration=60
            )
            out, stopped = run.wrk_chained(
                command, stop=server.stop, state_out=state_out, threads=1, seconds=30, grace=10
            )
            assert stopped == 1
            results.append(parse_wrk(out))
            state_in = str(state_out)
    finally:
        server.shutdown()
        server.server_close()
    staff = "POST /api/v1/cases/staff/cases/"
    status = "GET /api/v1/cases/status?number=31010420261202{}&name=%E6%B5%8B"
    assert server.log == [
        # warm-up: stopped after case 1's accept
        "POST /api/v1/cases/apply",
        f"{staff}1/accept",
        # slice 1: case 1 goes on from its review; stopped after case 2's apply
        f"{staff}1/review-start",
        f"{staff}1/decide",
        status.format("0001"),
        "POST /api/v1/cases/apply",
        # slice 2: case 2 goes on; case 3's accept is refused, case 4 applied
        f"{staff}2/accept",
        f"{staff}2/review-start",
        f"{staff}2/decide",
        status.format("0002"),
        "POST /api/v1/cases/apply",
        f"{staff}3/accept",
        "POST /api/v1/cases/apply",
    ]
    _, first, second = results
    assert [r["completed"] for r in results] == [0, 1, 1]
    assert [r["statuses"] for r in results] == [
        {"201": 1, "200": 1},
        {"200": 3, "201": 1},
        {"200": 4, "201": 2, "409": 1},
    ]
    assert (second["bad"], second["abandoned"]) == (1, 1)
    assert (tmp_path / "state" / "run-1" / "0").read_text() == "2 4 310104202612020004\n"
    assert run.chain_states(tmp_path / "state" / "warm") == [2]
    assert run.chain_states(tmp_path / "state" / "run-1") == [1]
    chains = chain_count(merge([first, second]), length=5, before=[2], after=[1])
    assert (chains["completed"], chains["answered_steps"], chains["balanced"]) == (2, 10, True)


def test_cases_refuse_to_run_without_wrk(monkeypatch, capsys):
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit) as exit_:
        run.parse_args(["--cases", "1000"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--cases runs on wrk only" in err and "(Debian: apt-get install wrk)" in err
    monkeypatch.setattr(run.shutil, "which", lambda name: "/usr/bin/wrk")
    with pytest.raises(SystemExit):
        run.parse_args(["--cases", "1000", "--loadgen", "python"])
    assert run.parse_args(["--cases", "1000"]).loadgen == "wrk"
    assert run.parse_args([]).loadgen == "wrk"


class _RecordingLoad:
    """Stands in for bench/run.py's Load: records the paths it is asked to GET."""

    token = None  # the token pair is not run here

    def __init__(self):
        self.args = run.parse_args(["--duration", "2", "--slices", "2", "--warmup", "0"])
        self.paths = []
        self.cpu = self

    def start(self):
        pass

    def stop(self):
        return {"other_pct": 0.0}

    def get(self, path, duration):
        self.paths.append(path)
        return parse_wrk(WRK_LOGIN_WITH_TIMEOUTS)


def test_the_home_page_is_measured_against_the_no_query_view():
    load = _RecordingLoad()
    (pair,) = run.run_targets(load, ["home"])
    assert load.paths == ["/", "/bench/bare/hello", "/", "/bench/bare/hello"]
    assert pair["target"]["target"] == "a. portal home: GET /"
    assert pair["ceiling"]["target"] == "ceiling: GET /bench/bare/hello (no query)"

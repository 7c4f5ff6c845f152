"""The benchmark harness's pure pieces (bench/): no server, no load.

The wrk reports below were captured from real runs of bench/wrk/*.lua against `tongban serve`.
"""

import base64
import hashlib
import json
from urllib.parse import urlencode

import pytest

from bench.cases_data import person_rows
from bench.oidc import client_create, codes_create, pkce_pair
from bench.results import (
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


def test_bare_insert_view_commits_one_expired_session_row(db, rf):
    from django.contrib.sessions.models import Session

    response = bare_insert(rf.post("/bench/bare/insert"))
    assert response.status_code == 201
    (row,) = Session.objects.all()
    assert row.session_data == "" and len(row.session_key) == 32
    assert bare_insert(rf.get("/bench/bare/insert")).status_code == 405
    assert Session.objects.count() == 1

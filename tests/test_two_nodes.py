"""Two nodes on one PostgreSQL database (and, with rq, one Redis): two `tongban serve` and two
`tongban worker` processes, started as an operator starts them, agree on what must be shared.

- a rate limit (the public status query) counts the requests of both web nodes together;
- wrong passwords on node A lock the account's password login on node B;
- a periodic job is run once although both workers run the scheduler;
- a worker killed (SIGKILL of its whole process group: a lost node) in the middle of a task
  loses nothing: the other worker re-runs it, and every message is sent exactly once.

Parametrised over the two queues: ``database`` (the database cache, django-tasks-db) and
``rq`` (``REDIS_URL``: the Redis cache and django-tasks-rq). On SQLite the test is skipped (the
PostgreSQL run of CI runs it); on PostgreSQL a missing Redis skips the rq case, or fails it
under ``CI=true``. Redis is ``TONGBAN_TEST_REDIS_URL`` (default database 15 on localhost),
emptied before and after.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.conftest import IN_CI
from tests.factories import PASSWORD

TONGBAN = str(Path(sys.executable).with_name("tongban"))
REDIS_URL = os.environ.get("TONGBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STATUS_RATE = 6
MESSAGES = 40

pytestmark = pytest.mark.django_db(transaction=True)


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"no Redis at {REDIS_URL} ({error}): set TONGBAN_TEST_REDIS_URL"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


class Cluster:
    """The processes of the test, each in its own process group (so that a kill takes all of
    it, as losing the machine would), stopped at the end."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs, self.processes = env, logs, []

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        out = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(
            [TONGBAN, *argv],
            env={**self.env, "TONGBAN_HOME": str(self.logs / name)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def shell(self, code: str) -> None:
        subprocess.run(
            [TONGBAN, "shell", "-v", "0", "-c", code],
            env={**self.env, "TONGBAN_HOME": str(self.logs / "shell")},
            check=True,
            timeout=120,
        )

    def stop(self) -> None:
        for _name, process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def output(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.logs / f'{name}.log').read_text()[-3000:]}"
            for name, _process in self.processes
        )


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def cluster(tmp_path, request):
    if connection.vendor != "postgresql":
        pytest.skip("two nodes share one PostgreSQL database: run with DATABASE_URL=postgres://…")
    backend = request.param
    logs = tmp_path / "nodes"
    logs.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.nodes.settings",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
        # what every node of one installation shares: its secrets
        "SECRET_KEY": settings.SECRET_KEY,
        "TONGBAN_FIELD_KEY": settings.TONGBAN_FIELD_KEY,
        "TONGBAN_OIDC_KEY": settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"],
        "TONGBAN_TASK_BACKEND": backend,
        "TONGBAN_STATUS_QUERY_RATE": f"{STATUS_RATE}/h",
        "TONGBAN_SCHEDULER_INTERVAL": "0.5",
        "TONGBAN_WORKER_LEASE_SECONDS": "3",
        "TONGBAN_TEST_SENT_LOG": str(tmp_path / "sent.log"),
        "TONGBAN_TEST_TICK_LOG": str(tmp_path / "tick.log"),
    }
    env.pop("REDIS_URL", None)
    redis_client = None
    if backend == "rq":
        redis_client = _redis_or_skip()
        redis_client.flushdb()
        env["REDIS_URL"] = REDIS_URL
    nodes = Cluster(env, logs)
    try:
        yield nodes
    except BaseException:
        print(nodes.output())
        raise
    finally:
        nodes.stop()
        if redis_client is not None:
            redis_client.flushdb()


def _serve(cluster: Cluster, name: str) -> str:
    port = _free_port()
    cluster.start(name, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1")
    return f"http://127.0.0.1:{port}"


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def _status_query(url: str) -> int:
    return requests.get(
        f"{url}/api/v1/cases/status", params={"number": "NOPE", "name": "无名"}, timeout=10
    ).status_code


def _login(url: str, identifier: str, password: str) -> requests.Response:
    with requests.Session() as browser:
        browser.get(f"{url}/login/", timeout=10)
        return browser.post(
            f"{url}/login/",
            data={
                "identifier": identifier,
                "password": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )


@pytest.mark.parametrize("cluster", ["database", "rq"], indirect=True)
def test_two_nodes_share_limits_lock_outs_the_schedule_and_the_queue(cluster, make, tmp_path):
    from tongban.notify.models import Message

    person = make.person()
    a, b = _serve(cluster, "web-a"), _serve(cluster, "web-b")
    worker_ids = {f"worker-{side}-{uuid.uuid4().hex[:8]}": side for side in "ab"}
    worker_args = {"database": ["--no-startup-delay", "--interval", "0.2"], "rq": []}[
        cluster.env["TONGBAN_TASK_BACKEND"]
    ]
    workers = {
        cluster.start(f"worker-{side}", "worker", "--worker-id", worker_id, *worker_args).pid: side
        for worker_id, side in worker_ids.items()
    }
    _wait_for(lambda: _up(a) and _up(b), seconds=60, what="both web nodes")

    # A rate limit counts the requests of both nodes together.
    if time.time() % 3600 > 3590:  # do not straddle the hourly window
        time.sleep(11)
    answers = [_status_query(a if i % 2 else b) for i in range(STATUS_RATE)]
    assert 429 not in answers, answers
    assert (_status_query(a), _status_query(b)) == (429, 429)

    # Wrong passwords on node A lock the account's password login on node B.
    for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
        assert _login(a, person.mobile, "Wrong-pass1").status_code == 401
    locked = _login(b, person.mobile, PASSWORD)
    assert locked.status_code == 429
    assert "此账号在您当前网络的密码错误次数过多" in locked.text

    # Both workers run the scheduler: the periodic job ran once.
    tick_log = tmp_path / "tick.log"
    _wait_for(tick_log.exists, seconds=30, what="the periodic job")

    # A worker is killed in the middle of a task: the other runs it, and all the others.
    cluster.shell(
        "from django.db import transaction\n"
        "from tongban.notify.services import message_queue\n"
        "with transaction.atomic():\n"
        f"    for i in range({MESSAGES}):\n"
        "        message_queue(channel='sms', recipient='13800001234',"
        " recipient_masked='138****1234', body='slow' if i == 5 else f'第{i}条')\n"
    )
    slow = tmp_path / "sent.slow"
    holder = int(_wait_for(lambda: slow.exists() and slow.read_text(), seconds=30, what="slow"))
    assert holder in workers
    os.killpg(holder, signal.SIGKILL)
    sent_log = tmp_path / "sent.log"
    _wait_for(
        lambda: sent_log.exists() and len(sent_log.read_text().split()) >= MESSAGES,
        seconds=40,
        what="every message to be sent",
    )
    time.sleep(1.5)  # a second delivery, were there one, would land meanwhile
    messages = sorted(Message.objects.values_list("pk", flat=True))
    assert sorted(map(int, sent_log.read_text().split())) == messages
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert len(tick_log.read_text().split()) == 1
    survivor = "b" if workers[holder] == "a" else "a"
    survivor_log = (cluster.logs / f"worker-{survivor}.log").read_text()
    assert "re-queued tasks of dead workers" in survivor_log

"""The README's demo command and the production server, run as a user runs them."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

TONGBAN = str(Path(sys.executable).with_name("tongban"))


def _env(home: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {**env, "TONGBAN_HOME": str(home)}


def _audit_count(home: Path) -> int:
    verify = subprocess.run(
        [TONGBAN, "audit", "verify"],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(verify.stdout.split("intact: ")[1].split()[0])


def test_demo_sets_up_a_seeded_city_idempotently(tmp_path):
    first = subprocess.run(
        [TONGBAN, "demo", "--no-serve"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "demo city seeded" in first.stdout
    assert "http://127.0.0.1:8000/" in first.stdout and "clerk.weifang" in first.stdout
    assert "grid.weifang" in first.stdout and "handler.pdhbj" in first.stdout
    assert (tmp_path / "tongban.sqlite3").exists() and (tmp_path / "secret_key").exists()
    after_first = _audit_count(tmp_path)
    subprocess.run(
        [TONGBAN, "demo", "--no-serve"],
        env=_env(tmp_path),
        capture_output=True,
        timeout=300,
        check=True,
    )
    assert _audit_count(tmp_path) == after_first > 0
    shell = subprocess.run(
        [
            TONGBAN,
            "shell",
            "-v",
            "0",
            "-c",
            "from tongban.identity.models import Person, Staff, Region;"
            "print(Person.objects.count(), Staff.objects.count(), Region.objects.count())",
        ],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    persons, staff, regions = map(int, shell.stdout.split())
    # 3 citizens; 14 case and hotline-office staff, the hotline's handler and grid inspector,
    # and 3 data stewards (the police provider's, 浦东's and 黄浦's)
    assert (persons, staff) == (3, 19)
    assert regions >= 17 + 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_gunicorn_sync_workers(tmp_path):
    env = _env(tmp_path)
    subprocess.run([TONGBAN, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [TONGBAN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, body = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    assert response.headers["Server"].startswith("gunicorn")
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert "一网通办" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/tongban/site.css") as css:
            assert css.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/services/search/?q=jzz") as found:
            assert found.status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    # the worker built its search index once, at start-up (TONGBAN_SEARCH_WARM), not per search
    assert output.count("search index built: 0 items, 0 themes in") == 1, output


@pytest.mark.parametrize("argv", [["--help"], []])
def test_help(argv):
    done = subprocess.run([TONGBAN, *argv], capture_output=True, text=True, timeout=60, check=True)
    assert "tongban" in done.stdout


def test_worker_delivers_what_the_database_queue_holds(tmp_path):
    """Production mode: messages wait in the database queue until `tongban worker` runs."""
    env = {**_env(tmp_path), "TONGBAN_TASK_BACKEND": "database"}
    subprocess.run([TONGBAN, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    status = (
        "from tongban.notify.models import Message;"
        "print(','.join(Message.objects.values_list('status', flat=True)))"
    )
    queue = (
        "from tongban.notify.services import message_queue;"
        "message_queue(channel='sms', recipient='13800001234', recipient_masked='138****1234',"
        " body='您好')"
    )
    shell = [TONGBAN, "shell", "-v", "0", "-c"]
    subprocess.run([*shell, queue], env=env, check=True, timeout=120)
    queued = subprocess.run([*shell, status], env=env, capture_output=True, text=True, check=True)
    assert queued.stdout.strip() == "queued"
    subprocess.run(
        [TONGBAN, "worker", "--batch", "--no-startup-delay"],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    sent = subprocess.run([*shell, status], env=env, capture_output=True, text=True, check=True)
    assert sent.stdout.strip() == "sent"


def _database_url() -> str:
    """The test database this process uses, for a worker started beside it."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_tasks_are_run_by_the_next_worker_once(tmp_path):
    """kill -9 of `tongban worker` in the middle of a batch of 200 messages: the task it held
    is re-queued when its lease expires, and every message is sent exactly once."""
    from django_tasks_db.models import DBTaskResult

    from tongban.notify.models import Message

    sent_log = tmp_path / "sent.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.notify.worker_settings",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
        "TONGBAN_TASK_BACKEND": "database",
        "TONGBAN_WORKER_LEASE_SECONDS": "2",
        "TONGBAN_TEST_SENT_LOG": str(sent_log),
    }
    queue = (
        "from django.db import transaction\n"
        "from tongban.notify.services import message_queue\n"
        "with transaction.atomic():\n"
        "    for i in range(200):\n"
        "        message_queue(channel='sms', recipient='13800001234',"
        " recipient_masked='138****1234', body='slow' if i == 100 else f'第{i}条')\n"
    )
    subprocess.run([TONGBAN, "shell", "-v", "0", "-c", queue], env=env, check=True, timeout=120)
    worker = [TONGBAN, "worker", "--no-scheduler", "--no-startup-delay", "--interval", "0.2"]

    first = subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(sent_log.with_suffix(".slow").exists, seconds=60, what="the slow message")
    finally:
        first.kill()
        first.wait(timeout=10)
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    assert len(sent_log.read_text().split()) == 100

    second = subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(
            lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(),
            seconds=45,
            what="every task to succeed",
        )
    finally:
        second.terminate()
        second.wait(timeout=20)
    messages = list(Message.objects.values_list("pk", flat=True))
    assert sorted(map(int, sent_log.read_text().split())) == sorted(messages)
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
    [reclaimed] = [r for r in DBTaskResult.objects.all() if len(r.worker_ids) == 2]
    assert reclaimed.args_kwargs["kwargs"]["message_id"] == sorted(messages)[100]

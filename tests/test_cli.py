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
    from tongban.demo.seed import CITIZENS, STAFF

    assert (persons, staff) == (len(CITIZENS), len(STAFF)) and regions >= 17 + 40


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

"""A delivery worker killed mid-delivery (SIGKILL of its process group, as losing the node
would) loses no event: its lease ends, another worker process sends the event again, and the
receiver keeps it once by its event id. PostgreSQL only (the processes share its database)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tongban.exchange import services
from tongban.exchange.models import DeliveryEvent
from tongban.registries import services as registry_services

from .conftest import USCC, publish

pytestmark = pytest.mark.django_db(transaction=True)
TONGBAN = str(Path(sys.executable).with_name("tongban"))
LEASE_SECONDS = 2


class Receiver(ThreadingHTTPServer):
    """Records every body; the first request hangs (the worker is then mid-delivery)."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.bodies.append(body)
                if len(outer.bodies) == 1:
                    outer.release.wait(30)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True


def _env(tmp_path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "tongban.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "TONGBAN_FIELD_KEY": settings.TONGBAN_FIELD_KEY,
        "TONGBAN_OIDC_KEY": settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"],
        "TONGBAN_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "TONGBAN_HOME": str(tmp_path),
    }


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_killed_worker_loses_no_event(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share one PostgreSQL database: run with DATABASE_URL")
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}/events"
    resource = publish(
        world, staff=world.amr_steward, code="entities", name="法人基本信息",
        dataset="legal_entities", fields=["uscc", "status"],
    )  # fmt: skip
    asked = services.grant_request(
        staff=world.requester, resource_id=resource.pk, fields=["uscc", "status"],
        purpose="经营状况核查", legal_basis="《社会救助暂行办法》",
    )  # fmt: skip
    services.grant_approve(staff=world.amr_steward, grant_id=asked.pk, fields=["status"], days=9)
    exchange_client, _secret = services.client_register(staff=world.requester, name="核查系统")
    services.subscription_create(
        client=exchange_client, resource="entities", endpoint=endpoint, keys=[USCC]
    )
    registry_services.registry_entity_status_set(uscc=USCC, status="deregistered")
    env = _env(tmp_path)
    log = (tmp_path / "dying.log").open("w")
    dying = subprocess.Popen(
        [TONGBAN, "exchange", "deliver"], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for(lambda: receiver.bodies, 60, "the first delivery to reach the receiver")
        os.killpg(dying.pid, signal.SIGKILL)
        dying.wait(timeout=10)
    finally:
        receiver.release.set()
    event = DeliveryEvent.objects.get()
    assert (event.status, event.attempts) == ("pending", 1)
    assert event.leased_by.endswith(f":{dying.pid}")
    time.sleep(LEASE_SECONDS + 0.5)
    done = subprocess.run(
        [TONGBAN, "exchange", "deliver"], env=env, capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    assert "delivered: 1" in done.stdout, done.stdout + done.stderr
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("delivered", 2)
    assert [b["event_id"] for b in receiver.bodies] == [str(event.event_id)] * 2
    kept = {b["event_id"]: b for b in receiver.bodies}
    assert list(kept) == [str(event.event_id)]
    assert (kept[str(event.event_id)]["key"], kept[str(event.event_id)]["fields"]) == (
        USCC, ["status"],
    )  # fmt: skip
    receiver.shutdown()

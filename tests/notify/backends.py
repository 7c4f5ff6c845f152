"""Delivery backends for tests: a gateway that is down, and one that records what it sent."""

import os
import time
from pathlib import Path


class GatewayDownBackend:
    def deliver(self, message) -> None:
        raise ConnectionError("短信网关不可用 (HTTP 503)")


class RecordingBackend:
    """Appends each sent message's id to ``$TONGBAN_TEST_SENT_LOG``. A message whose body is
    "slow" blocks its first delivery (after writing its process id to ``<log>.slow``) so that a
    test can kill the worker in the middle of it."""

    def deliver(self, message) -> None:
        log = Path(os.environ["TONGBAN_TEST_SENT_LOG"])
        marker = log.with_suffix(".slow")
        if message.body == "slow" and not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(120)
        with log.open("a") as sent:
            sent.write(f"{message.pk}\n")

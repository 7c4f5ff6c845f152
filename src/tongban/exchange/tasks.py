"""Background work of the exchange: pump registry changes into the outbox and deliver due
events, and link logged calls' audit entries into the chain (registered in
``ExchangeConfig.ready``), thin wrappers around idempotent services."""

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import services


@task()
def deliver_task() -> int:
    services.subscriptions_pump()
    return services.events_deliver().delivered


@task()
def chain_task() -> int:
    return services.calls_chain()


_lock = threading.Lock()
# time.monotonic() until which a chain task enqueued by this process is still to run
_chain_pending_until = 0.0


def chain_soon() -> None:
    """A call was logged: have its audit entry chained. The first call of each
    ``TONGBAN_EXCHANGE_CHAIN_DELAY`` seconds enqueues one task to run that long after it, which
    chains every call committed by then (this one's row was committed before it asked); a
    backend that cannot defer (the in-process one) chains at once."""
    global _chain_pending_until
    backend = chain_task.get_backend()
    if not backend.supports_defer:
        chain_task.enqueue()
        return
    delay = settings.TONGBAN_EXCHANGE_CHAIN_DELAY
    with _lock:
        now = time.monotonic()
        if now < _chain_pending_until:
            return
        _chain_pending_until = now + delay
    chain_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue()

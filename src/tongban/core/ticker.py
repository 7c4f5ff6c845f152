"""Work done every so often beside a server or worker (the scheduler, the worker lease): one
loop, so that each tick gets fresh database connections and a failing tick is logged and retried
at the next one instead of ending the loop."""

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections

log = logging.getLogger(__name__)


def tick_forever(tick: Callable[[], None], *, interval: float, stop: threading.Event) -> None:
    """Call ``tick`` every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        close_old_connections()
        try:
            tick()
        except Exception:  # a failed tick must not end the loop; the next one tries again
            log.exception("%s failed", getattr(tick, "__name__", "tick"))
        finally:
            close_old_connections()
        stop.wait(interval)


def tick_in_thread(tick: Callable[[], None], *, interval: float, name: str) -> threading.Event:
    """``tick_forever`` in a daemon thread (it dies with its process); set the event to stop."""
    stop = threading.Event()
    threading.Thread(
        target=tick_forever,
        args=(tick,),
        kwargs={"interval": interval, "stop": stop},
        name=name,
        daemon=True,
    ).start()
    return stop

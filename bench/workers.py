"""Forked workers for the in-process benchmarks (``exchange_query``, ``hotline_lifecycle``):
the target and its ceiling run with the same number of processes, so the ratio compares like
with like."""

import multiprocessing
from collections.abc import Callable


def forked(work: Callable[[int], tuple[int, float]], workers: int) -> tuple[int, float]:
    """``work(worker)`` — returning what it did and in how many seconds — in ``workers``
    forked processes started together: what they did in all, over the longest one's time."""
    from django.db import connection, connections

    context = multiprocessing.get_context("fork")
    ready, results = context.Barrier(workers), context.Queue()

    def child(worker: int) -> None:
        connection.ensure_connection()  # its own, opened before the clock starts
        ready.wait()
        try:
            results.put(work(worker))
        except BaseException:
            results.put(None)  # the parent stops rather than wait forever
            raise
        finally:
            connections.close_all()

    connections.close_all()  # a forked child must not share the parent's socket
    children = [context.Process(target=child, args=(w,)) for w in range(workers)]
    for process in children:
        process.start()
    done = [results.get() for _ in children]
    for process in children:
        process.join()
    if None in done:
        raise SystemExit("a worker failed (its traceback is above)")
    return sum(n for n, _s in done), max(s for _n, s in done)

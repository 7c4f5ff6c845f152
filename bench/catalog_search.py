"""Catalog search: quality on the labelled query set, and latency at 20,000 items.

    .venv/bin/python bench/catalog_search.py [--items 20000] [--repeat 5] [--home DIR]

On a fresh TONGBAN_HOME (a temporary one unless --home is given) it migrates, seeds the demo
city and its catalog (~400 items), measures recall@1, recall@5 and MRR on
``src/tongban/catalog/data/queries.json``, then grows the catalog with ``seed --catalog-scale``
to ``--items`` and measures again: quality, and the latency of every query (``--repeat`` rounds,
in-process, through ``catalog.search.search`` including its per-call index-version check)
beside the time of a plain substring scan over the same item names (the ceiling a ``LIKE
'%q%'`` would give, with no segmentation, pinyin, synonyms, typo tolerance or ranking).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--home", help="TONGBAN_HOME to use (default: a temporary directory)")
    parser.add_argument("--misses", action="store_true", help="print the queries missed at 5")
    args = parser.parse_args(argv)

    home = args.home or tempfile.mkdtemp(prefix="tongban-catalog-bench-")
    os.environ["TONGBAN_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tongban.catalog import quality, search, selectors
    from tongban.demo.catalog_seed import seed_catalog_scale
    from tongban.demo.seed import seed

    print(f"TONGBAN_HOME={home}", flush=True)
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    seed()
    print(f"demo city and catalog seeded in {time.perf_counter() - started:.1f} s", flush=True)

    def report_quality(label: str) -> None:
        index = search.current_index()
        q = quality.evaluate(index)
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(q.by_kind.items()))
        print(
            f"{label:>22}: {len(index.docs):>6} items  {q.n} queries  "
            f"recall@1 {q.recall_at_1:.3f}  recall@5 {q.recall_at_5:.3f}  MRR {q.mrr:.3f}"
            f"  (recall@5 by kind: {kinds})"
        )
        if args.misses:
            for miss in q.misses:
                print(f"{'':>24}miss: {miss['q']!r} expected {miss['expected']} got {miss['got']}")

    report_quality("demo catalog")

    started = time.perf_counter()
    seed_catalog_scale(args.items)
    print(
        f"catalog grown to {selectors.items_count()} items in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    search.reset_index()
    index = search.current_index()
    print(f"index built in {time.perf_counter() - started:.1f} s ({len(index.postings)} terms)")
    report_quality(f"{len(index.docs)} items")

    queries = [q["q"] for q in quality.queries()]
    names = [(doc.id, doc.name_norm) for doc in index.docs.values()]
    for q in queries[:20]:  # warm caches (jieba, pinyin) as a running server would be
        search.search(q)
    engine, scan = [], []
    for _round in range(args.repeat):
        for q in queries:
            t = time.perf_counter()
            search.search(q, limit=10)
            engine.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            search.substring_scan(names, q, limit=10)
            scan.append((time.perf_counter() - t) * 1000)

    def line(label, values):
        return (
            f"{label:>34}: p50 {statistics.median(values):6.2f} ms  "
            f"p95 {percentile(values, 95):6.2f} ms  p99 {percentile(values, 99):6.2f} ms  "
            f"max {max(values):6.2f} ms"
        )

    print(f"latency over {len(engine)} queries ({args.repeat} rounds of {len(queries)}):")
    print(line("search (index, in-process)", engine))
    print(line("ceiling: substring scan of names", scan))
    ratio = percentile(engine, 95) / percentile(scan, 95)
    print(f"{'p95 ratio search / substring scan':>34}: {ratio:.2f}×   (target: search p95 < 20 ms)")
    return 0 if percentile(engine, 95) < 20 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    sys.exit(main())

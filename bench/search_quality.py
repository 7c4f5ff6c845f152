"""Catalog search quality, in-sample beside held-out, and the time to build the index.

    .venv/bin/python bench/search_quality.py [--home DIR] [--misses]

On a fresh TONGBAN_HOME (a temporary one unless --home is given) it migrates, seeds the demo
city and its catalog (~400 items), times a full build of the search index (what a process does
at start-up, or on its first search when not warmed), and scores recall@1, recall@5 and MRR on
the in-sample set ``data/queries.json`` (search was tuned on it) and on the held-out set
``data/queries_heldout.json`` (written without looking at the dictionary; never tuned to).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="TONGBAN_HOME to use (default: a temporary directory)")
    parser.add_argument("--misses", action="store_true", help="print the queries missed at 5")
    args = parser.parse_args(argv)

    home = args.home or tempfile.mkdtemp(prefix="tongban-search-quality-")
    os.environ["TONGBAN_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tongban.catalog import quality, search
    from tongban.demo.seed import seed

    call_command("migrate", interactive=False, verbosity=0)
    seed()
    search.reset_index()
    started = time.perf_counter()
    index = search.current_index()
    built = time.perf_counter() - started
    print(
        f"index of the demo catalog built in {built:.2f} s "
        f"({len(index.docs)} documents, {len(index.postings)} terms; "
        "includes loading jieba and pypinyin, as a fresh process does)"
    )
    for label, query_set in (
        ("in-sample", quality.queries()),
        ("held-out", quality.heldout_queries()),
    ):
        q = quality.evaluate(index, query_set)
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(q.by_kind.items()))
        print(
            f"{label:>9}: {q.n:>3} queries  recall@1 {q.recall_at_1:.3f}  "
            f"recall@5 {q.recall_at_5:.3f}  MRR {q.mrr:.3f}  (recall@5 by kind: {kinds})"
        )
        if args.misses:
            for miss in q.misses:
                print(f"{'':>11}miss: {miss['q']!r} expected {miss['expected']} got {miss['got']}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    sys.exit(main())

"""Search quality on the labelled query sets: recall@1, recall@5, MRR.

A query counts as found at rank r when the r-th result's name is one of its expected item names
(the same item implemented by several districts shares its name, and any of them is right),
or at rank 1 when an expected name is a theme the search returns (themes are shown first).

Two sets, reported side by side:

- ``data/queries.json`` (``queries()``), **in-sample**: the synonym dictionary and the items'
  aliases were written with these queries in view, so its figures are an upper bound.
- ``data/queries_heldout.json`` (``heldout_queries()``), **held-out**: written from the item
  names without looking at the dictionary, the aliases or the search code, committed before
  any tuning. Never tune search to it (no query, and no word taken from one, goes into the
  dictionary or the aliases); its figures are the honest estimate.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


def _load(name: str) -> list[dict]:
    text = resources.files("tongban.catalog").joinpath(f"data/{name}").read_text("utf-8")
    return json.loads(text)


@cache
def queries() -> list[dict]:
    return _load("queries.json")


@cache
def heldout_queries() -> list[dict]:
    return _load("queries_heldout.json")


@dataclass
class Quality:
    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    misses: list[dict] = field(default_factory=list)
    by_kind: dict[str, float] = field(default_factory=dict)


def evaluate(index, query_set: list[dict] | None = None, *, depth: int = 10) -> Quality:
    query_set = query_set if query_set is not None else queries()
    at1 = at5 = 0
    rr = 0.0
    misses = []
    kinds: dict[str, list[int]] = {}
    for case in query_set:
        result = index.search(case["q"], limit=depth)
        names = [h.name for h in result.hits]
        rank = next((i + 1 for i, n in enumerate(names) if n in case["expected"]), None)
        if any(t.name in case["expected"] for t in result.themes):
            rank = 1  # themes are shown above the items
        at1 += rank == 1
        at5 += rank is not None and rank <= 5
        rr += 1 / rank if rank else 0.0
        kinds.setdefault(case["kind"], []).append(int(rank is not None and rank <= 5))
        if rank is None or rank > 5:
            misses.append({"q": case["q"], "expected": case["expected"], "got": names[:5]})
    n = len(query_set) or 1
    return Quality(
        n=len(query_set),
        recall_at_1=at1 / n,
        recall_at_5=at5 / n,
        mrr=rr / n,
        misses=misses,
        by_kind={k: sum(v) / len(v) for k, v in kinds.items()},
    )

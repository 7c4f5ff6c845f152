"""Search quality on the labelled query set (``data/queries.json``): recall@1, recall@5, MRR.

A query counts as found at rank r when the r-th result's name is one of its expected item names
(the same item implemented by several districts shares its name, and any of them is right)."""

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@cache
def queries() -> list[dict]:
    text = resources.files("tongban.catalog").joinpath("data/queries.json").read_text("utf-8")
    return json.loads(text)


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
        names = [h.name for h in index.search(case["q"], limit=depth).hits]
        rank = next((i + 1 for i, n in enumerate(names) if n in case["expected"]), None)
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

"""Dispatch accuracy of the hotline classifier on the held-out labelled set, beside a
keyword-only baseline in the same run.

    PYTHONPATH=src .venv/bin/python bench/hotline_dispatch.py [--select]

Trains on ``hotline/data/train.json`` (``--select`` first picks the hyperparameters on a
validation split of the training set; the held-out ``test.json`` is only ever scored) and
prints top-1 / top-3 for category and department, for the model and the baseline, and the
margin. The department of a suggestion is the responsibility list's answer for the category at
the ticket's street (``dataset.department_for``), as the dispatch desk resolves it."""

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--select", action="store_true", help="choose C and n-grams first")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from tongban.hotline import classifier, dataset

    train, test = dataset.load("train"), dataset.load("test")
    duty = {leaf["code"]: leaf["duty"] for leaf in dataset.leaves()}
    params = {}
    if args.select:
        start = time.perf_counter()
        params, scores = classifier.select(train)
        for tried, score in scores:
            print(f"validation {tried}: top-1 {score:.3f}")
        print(f"chosen {params} in {time.perf_counter() - start:.1f} s")
    trained = classifier.train(train, **params)
    baseline = classifier.KeywordBaseline(train)
    print(f"train {len(train)} tickets, held-out {len(test)}; training {trained.seconds:.1f} s")

    def scores_for(rank):
        hits = {"category@1": 0, "category@3": 0, "department@1": 0, "department@3": 0}
        for row in test:
            categories = rank(row["text"])
            codes = [c for c, _ in categories]
            departments = [
                d
                for d, _ in classifier.rank_departments(
                    categories,
                    lambda c, row=row: dataset.department_for(
                        duty[c], row["district"], row["street"]
                    ),
                )
            ]
            hits["category@1"] += codes[0] == row["category"]
            hits["category@3"] += row["category"] in codes[:3]
            hits["department@1"] += departments[0] == row["department"]
            hits["department@3"] += row["department"] in departments[:3]
        return {k: v / len(test) for k, v in hits.items()}

    start = time.perf_counter()
    model = scores_for(lambda t: classifier.suggest(t, top=49, trained=trained).categories)
    per_ticket = (time.perf_counter() - start) / len(test) * 1000
    base = scores_for(baseline.rank)
    print(f"{'':14}{'model':>8}{'keywords':>10}{'margin':>9}")
    for key in model:
        print(f"{key:14}{model[key]:8.3f}{base[key]:10.3f}{(model[key] - base[key]) * 100:+8.1f}")
    print(f"suggestion with explanation: {per_ticket:.1f} ms per ticket")
    ok = model["department@1"] >= 0.85 and model["department@3"] >= 0.95
    ok = ok and model["department@1"] - base["department@1"] >= 0.15
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""``tongban hotline train [--select] | load-duties | summarize | open311-key NAME``.

``train`` fits the dispatch classifier on the shipped labelled tickets and the dispatchers'
corrections (``Correction`` rows), and writes it with joblib to
``TONGBAN_HOME/hotline/dispatch-model.joblib``; ``--select`` first chooses its
hyperparameters on a validation split of the training rows (the held-out test set is never
used). ``load-duties`` writes the shipped responsibility list for the departments that exist;
``summarize`` rebuilds the summary table (``TicketWeek``) from the tickets."""

import time

from django.core.management.base import BaseCommand

from tongban.hotline import classifier, dataset, selectors, services


class Command(BaseCommand):
    help = "The 12345 hotline: train the dispatch classifier, load the responsibility list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train and save the dispatch classifier")
        train.add_argument("--select", action="store_true", help="choose hyperparameters first")
        sub.add_parser("load-duties", help="load the shipped responsibility list")
        sub.add_parser("summarize", help="rebuild the summary table from the tickets")
        key = sub.add_parser("open311-key", help="a new Open311 client; prints its api_key once")
        key.add_argument("name")

    def handle(self, *args, **options):
        if options["action"] == "open311-key":
            _client, key = services.open311_client_create(name=options["name"])
            self.stdout.write(key)
            return
        if options["action"] == "summarize":
            start = time.perf_counter()
            rows = services.ticket_summary_rebuild()
            self.stdout.write(f"{rows} summary rows written in {time.perf_counter() - start:.1f} s")
            return
        if options["action"] == "load-duties":
            rows = services.responsibilities_load()
            self.stdout.write(f"{rows} responsibility rows written")
            return
        rows = dataset.load("train") + selectors.training_rows()
        params = {}
        if options["select"]:
            start = time.perf_counter()
            params, scores = classifier.select(rows)
            for tried, score in scores:
                self.stdout.write(f"validation {tried}: top-1 {score:.3f}")
            self.stdout.write(f"chosen {params} in {time.perf_counter() - start:.1f} s")
        trained = classifier.train(rows, **params)
        path = classifier.save(trained)
        classifier.current.cache_clear()
        self.stdout.write(
            f"trained on {len(rows)} tickets in {trained.seconds:.1f} s, written to {path}"
        )

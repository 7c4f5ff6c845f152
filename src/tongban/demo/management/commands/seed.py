import argparse
import sys
import time

from django.core.management.base import BaseCommand

from tongban.demo.seed import DEFAULT_SEED, DEMO_REGISTRY_SCALE, DEMO_TICKETS, registry_totals
from tongban.demo.seed import seed as seed_city
from tongban.hotline.services.seeding import MAX_TICKETS
from tongban.registries.services import MAX_SCALE


def _scale(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"expected 0 to {MAX_SCALE}, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _tickets(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_TICKETS:
        raise argparse.ArgumentTypeError(f"expected 0 to {MAX_TICKETS}, got {value}")
    return value


class _Bar:
    """A progress bar on stderr, one line per stage, redrawn at most five times a second."""

    def __init__(self, totals: dict[str, int], stream) -> None:
        self.totals, self.stream = totals, stream
        self.done: dict[str, int] = {}
        self.stage: str | None = None
        self.drawn = 0.0

    def __call__(self, stage: str, count: int) -> None:
        if stage != self.stage:
            if self.stage is not None:
                self._draw(final=True)
            self.stage = stage
        self.done[stage] = self.done.get(stage, 0) + count
        if time.monotonic() - self.drawn > 0.2:
            self._draw()

    def _draw(self, final: bool = False) -> None:
        stage = self.stage or ""
        done, total = self.done.get(stage, 0), max(self.totals.get(stage, 0), 1)
        filled = min(30, done * 30 // total)
        line = f"\r{stage:<9} [{'#' * filled}{'.' * (30 - filled)}] {done:>9,}/{total:,}"
        self.stream.write(line + ("\n" if final else ""))
        self.stream.flush()
        self.drawn = time.monotonic()

    def close(self) -> None:
        if self.stage is not None:
            self._draw(final=True)


class Command(BaseCommand):
    help = (
        "Seed the demo city (idempotent). --scale N grows its base registries to N synthetic "
        f"persons and N/5 legal entities (at least {DEMO_REGISTRY_SCALE}), drawn from --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=_scale, default=0, help="registry persons")
        parser.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="random seed")
        parser.add_argument("--catalog-scale", type=int, default=0, help="catalog items (≤20000)")
        parser.add_argument(
            "--tickets",
            type=_tickets,
            default=0,
            help=f"12345 tickets over the past year (the demo seeds {DEMO_TICKETS})",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, scale, seed: int, catalog_scale, tickets, no_progress, **options):
        bar = None
        if (scale or tickets) and not no_progress:
            bar = _Bar(registry_totals(scale) | {"tickets": tickets}, sys.stderr)
        started = time.perf_counter()
        run = seed_city(
            scale=scale,
            catalog_scale=catalog_scale,
            registry_seed=seed,
            progress=bar,
            tickets=tickets,
        )
        if bar is not None:
            bar.close()
        counts = run.counts
        added = counts.places + counts.persons + counts.entities
        rate = added / run.seconds if run.seconds > 0 else 0.0
        self.stdout.write(
            f"registries: {counts.places} places, {counts.persons} persons, "
            f"{counts.entities} entities added, {counts.skipped} already held; "
            f"{run.seconds:.1f} s, {rate:,.0f} rows/s"
        )
        self.stdout.write(
            f"hotline: {run.tickets} tickets added; {time.perf_counter() - started:.1f} s in all"
        )
        self.stdout.write(self.style.SUCCESS("demo city seeded"))

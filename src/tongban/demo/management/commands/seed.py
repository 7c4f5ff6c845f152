from django.core.management.base import BaseCommand

from tongban.demo.seed import seed


class Command(BaseCommand):
    help = (
        "Seed the demo city (idempotent). --scale N adds N×100 synthetic residents and enterprises."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0)
        parser.add_argument("--catalog-scale", type=int, default=0, help="catalog items (≤20000)")

    def handle(self, *args, scale, catalog_scale, **options):
        seed(scale=scale, catalog_scale=catalog_scale)
        self.stdout.write(self.style.SUCCESS("demo city seeded"))

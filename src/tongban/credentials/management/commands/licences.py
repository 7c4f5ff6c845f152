"""`tongban licences verify FILE|- [--keys KEYSET.json]`: verify a licence's credential."""

from django.core.management.base import BaseCommand

from tongban.credentials.cli import add_verify_arguments, verify_run


class Command(BaseCommand):
    help = "Electronic licences. `licences verify` checks a credential; exit 0 only if valid."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add_verify_arguments(actions.add_parser("verify", help="verify a credential"))

    def handle(self, *args, **options):
        status = verify_run(options, self.stdout)
        if status:
            raise SystemExit(status)

"""`tongban credentials rotate-key DEPT` and `tongban credentials keyset DEPT > keys.json`."""

import json

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.credentials import selectors, services
from tongban.identity.selectors import department_by_code


class Command(BaseCommand):
    help = (
        "Signing keys of issuing departments. `rotate-key DEPT` retires the key in use and "
        "makes a new one (old keys stay published); `keyset DEPT` prints the issuer's public "
        "key set and current status lists, for verifying offline."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for name in ("rotate-key", "keyset"):
            actions.add_parser(name).add_argument("department", help="the department's code")

    def handle(self, *args, **options):
        try:
            department = department_by_code(options["department"])
            if options["action"] == "rotate-key":
                key = services.signing_key_rotate(by=None, department=department)
                self.stdout.write(f"{department.code}: new key {key.kid} ({key.alg})")
            else:
                keyset = selectors.issuer_keyset(department.code)
                self.stdout.write(json.dumps(keyset, ensure_ascii=False, indent=2))
        except DomainError as exc:
            raise CommandError(exc.message) from None

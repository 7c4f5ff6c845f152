"""``tongban licences list | import FILE | export ID --staff USERNAME | verify FILE|-``.

``export`` prints the licence's signed credential (an SD-JWT VC with every disclosure);
``verify`` checks one, online or offline (``tongban.credentials.cli``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.credentials.cli import add_verify_arguments, verify_run
from tongban.identity import selectors as identity_selectors
from tongban.licences import selectors, services


class Command(BaseCommand):
    help = "E-licences: list them, import a JSON or CSV file, export or verify a credential."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="identifier, type and masked holder, one a line")
        listing.add_argument("--staff", required=True, help="whose department's licences")
        imports = sub.add_parser("import", help="import licences (all or nothing)")
        imports.add_argument("file")
        imports.add_argument("--staff", required=True, help="the issuing staff member")
        export = sub.add_parser("export", help="print a licence's credential")
        export.add_argument("id", type=int)
        export.add_argument("--staff", required=True, help="who reads it (audited)")
        add_verify_arguments(sub.add_parser("verify", help="verify a credential; exit 0 if valid"))

    def handle(self, *args, **options):
        if options["action"] == "verify":
            status = verify_run(options, self.stdout)
            if status:
                raise SystemExit(status)
            return
        staff = identity_selectors.staff_by_username(options["staff"])
        if staff is None:
            raise CommandError(f"no staff member {options['staff']!r}")
        try:
            getattr(self, f"_{options['action']}")(staff, options)
        except DomainError as exc:
            for problem in getattr(exc, "rows", []):
                self.stderr.write(f"row {problem['row']}: {problem['field']}: {problem['reason']}")
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _list(self, staff, options):
        for licence in selectors.licences_for_staff(staff=staff, limit=1000):
            self.stdout.write(
                f"{licence.identifier}\t{licence.licence_type.name}\t{licence.holder_code_masked}"
            )

    def _import(self, staff, options):
        path = Path(options["file"])
        fmt = path.suffix.lower().lstrip(".")
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from None
        rows = services.import_rows(content=content, fmt=fmt)
        result = services.licences_import(staff=staff, rows=rows)
        self.stdout.write(self.style.SUCCESS(f"imported {result.created} licence(s)"))

    def _export(self, staff, options):
        licence = selectors.licence_for_staff(staff=staff, licence_id=options["id"])
        self.stdout.write(licence.credential)

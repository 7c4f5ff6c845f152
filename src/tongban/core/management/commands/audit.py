from django.core.management.base import BaseCommand, CommandError

from tongban.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and exits 1 on any break."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        report = audit_verify()
        if report.intact:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} entries"))
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(f"audit chain broken: {len(report.problems)} problem(s)")

from django.core.management.base import BaseCommand

from tongban.cases.selectors import materials_eliminated_for_operator


def rates_line(report: dict) -> str:
    """The overall 免提交率 in one line (the catalog's and the submitted cases')."""
    catalog, cases = report["overall"]["catalog"], report["overall"]["cases"]
    return (
        f"catalog: {catalog['licence'] + catalog['data']}/{catalog['materials']} materials "
        f"not submitted = {catalog['rate']}% (e-licence {catalog['licence']}, "
        f"data sharing {catalog['data']}; {catalog['prefilled_fields']} form fields prefilled)"
        f" | cases: {cases['spared']}/{cases['supplied']} materials without an upload = "
        f"{cases['rate']}% over {cases['cases']} cases (e-licence {cases['licence']}, "
        f"data sharing {cases['data']}, earlier cases {cases['earlier']}; "
        f"uploads {cases['uploads']})"
    )


class Command(BaseCommand):
    help = "Reports. `report materials` prints the overall materials-eliminated rates (免提交率)."

    def add_arguments(self, parser):
        parser.add_argument("report", choices=["materials"])

    def handle(self, *args, **options):
        self.stdout.write(rates_line(materials_eliminated_for_operator()))

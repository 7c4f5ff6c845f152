"""免提交率 of the demo city: seeds the demo into a temporary ``TONGBAN_HOME`` (SQLite, as
``tongban demo --no-serve`` does) and prints the rates ``tongban report materials`` prints.

    .venv/bin/python -m bench.materials_eliminated

The catalog's rate is the share of the published items' materials an e-licence or data sharing
supplies (data sharing: a material whose code names a published exchange resource of which the
item's department holds a live grant); the cases' rate is the share of the materials of the
demo's submitted cases that reached them without an upload (e-licence, data sharing, an
earlier case). See ``cases.selectors.materials_eliminated_report`` for what counts.
"""

import os
import tempfile


def main() -> None:
    home = tempfile.mkdtemp(prefix="tongban-bench-materials-")
    os.environ["TONGBAN_HOME"] = home
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("TONGBAN_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tongban.cases.management.commands.report import rates_line
    from tongban.cases.selectors import materials_eliminated_for_operator

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed", verbosity=0)
    report = materials_eliminated_for_operator()
    print(rates_line(report))
    unmapped = report["overall"]["catalog"]["data_unmapped"]
    print(f"  catalog materials naming data sharing but no granted resource: {unmapped}")
    from tongban.cases.models import CaseMaterial

    read = CaseMaterial.objects.filter(supplied__isnull=False)
    cases = read.values("case_id").distinct().count()
    print(f"  submitted cases with a material read through the exchange: {cases} ({read.count()})")
    for row in report["departments"]:  # those the demo's cases went to
        catalog, cases = row["catalog"], row["cases"]
        if not cases["cases"]:
            continue
        print(
            f"  {row['department']}: catalog {catalog['rate']}% of {catalog['materials']}"
            f" | cases {cases['rate']}% of {cases['supplied']}"
        )


if __name__ == "__main__":
    main()

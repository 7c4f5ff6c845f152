"""Workbench reports that span contexts: 免提交率 (materials eliminated)."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.cases import selectors as case_selectors
from tongban.identity.access import staff_of

from .views import staff_login_required


@staff_login_required
def materials(request):
    """免提交率 of the published catalog and of submitted cases, per department and overall:
    department heads their department, platform admins all (``?format=csv`` downloads it)."""
    staff = staff_of(request.user)
    report = case_selectors.materials_eliminated_report(staff=staff)
    if request.GET.get("format") == "csv":
        return _csv(report)
    return render(request, "workbench/reports/materials.html", {"staff": staff, **report})


def _csv(report: dict) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="materials-eliminated.csv"'
    response.write("\ufeff")  # a BOM, so spreadsheet programs read the Chinese as UTF-8
    out = csv.writer(response)
    out.writerow(
        [
            _("部门"),
            _("目录材料数"),
            _("电子证照获取"),
            _("数据共享获取"),
            _("目录免提交率（%）"),
            _("预填字段数"),
            _("办件数"),
            _("上传材料数"),
            _("电子证照提供"),
            _("数据共享提供"),
            _("前序流程已收取"),
            _("办件免提交率（%）"),
        ]
    )
    for row in [*report["departments"], report["overall"]]:
        catalog, cases = row["catalog"], row["cases"]
        out.writerow(
            [
                row["department"],
                catalog["materials"],
                catalog["licence"],
                catalog["data"],
                catalog["rate"],
                catalog["prefilled_fields"],
                cases["cases"],
                cases["uploads"],
                cases["licence"],
                cases["data"],
                cases["earlier"],
                cases["rate"],
            ]
        )
    return response

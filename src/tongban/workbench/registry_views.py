"""The base registries' pages for their data stewards: a provider department's data quality
and the corrections applicants reported against its records (一数一源: only it corrects them)."""

from django.shortcuts import redirect, render

from tongban.identity import selectors as identity_selectors
from tongban.identity.access import staff_of
from tongban.registries import access as registries_access
from tongban.registries import selectors as registries

from .views import staff_login_required


@staff_login_required
def home(request):
    """To the steward's own department's page (another role: refused there)."""
    staff = staff_of(request.user)
    return redirect("workbench:registry_department", code=staff.department.code)


@staff_login_required
def department(request, code: str):
    """A provider department's latest quality run per dataset (counts per rule, masked
    samples), the trend of its last runs, and the corrections reported (values masked)."""
    staff = staff_of(request.user)
    provider = identity_selectors.department_by_code(code)
    report = registries.quality_for_steward(staff=staff, provider=provider)
    corrections = registries.corrections_for_provider(staff=staff, provider=provider)
    datasets = []
    for dq in report:
        top = max((run.findings for run in dq.trend), default=0) or 1
        latest = dq.latest
        rules = [
            {"rule": rule, "label": label, "count": latest.counts[rule],
             "samples": latest.samples[rule]}
            for rule, label in registries.FINDING_LABELS.items()
        ] if latest is not None else []  # fmt: skip
        trend = []
        for i, run in enumerate(dq.trend):  # bars 10 px wide, at most 40 high, on a 44 px line
            height = round(40 * run.findings / top)
            trend.append({"run": run, "height": height, "x": 4 + 14 * i, "y": 44 - height})
        datasets.append(
            {
                "dataset": dq.dataset,
                "label": registries.DATASET_LABELS[dq.dataset],
                "latest": latest,
                "rules": rules,
                "trend": trend,
                "width": 8 + 14 * len(trend),
            }
        )
    return render(
        request,
        "workbench/registries/department.html",
        {
            "staff": staff,
            "provider": provider,
            "datasets": datasets,
            "corrections": corrections,
            "can_steward": registries_access.can_steward(staff),
        },
    )

"""一窗受理: a counter clerk finds an item the center may accept, identifies the walk-in applicant
by ID number, fills the item's form, scans in the papers and hands the case to the responsible
department (受办分离); the receipt carries the case number. The clerk's center is recorded on
the case; the department's processing pages stay the department's."""

import uuid

from django.shortcuts import redirect, render

from tongban.cases import selectors, services
from tongban.catalog import schema_forms
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.choices import MaterialSource
from tongban.core.errors import DomainError
from tongban.identity.access import require_role, staff_of
from tongban.identity.choices import StaffRoleName

from .case_forms import CounterApplicantForm, CounterSearchForm
from .case_views import mask_name
from .views import staff_login_required


@staff_login_required
def find_item(request):
    staff = staff_of(request.user)
    form = CounterSearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    items = selectors.counter_items(staff=staff, q=q)
    return render(
        request,
        "workbench/cases/counter_find.html",
        {"staff": staff, "form": form, "q": q, "items": items},
    )


def _scannable(version) -> list:
    """The materials the applicant brings on paper (not those an e-licence or data sharing
    supplies)."""
    return [m for m in version.materials.all() if m.source == MaterialSource.APPLICANT]


@staff_login_required
def intake(request, item_id: int):
    staff = staff_of(request.user)
    require_role(staff, StaffRoleName.COUNTER_CLERK)
    item = catalog_selectors.item_public(item_id)
    version = item.published
    schema, materials = version.form_schema or {}, _scannable(version)
    applicant = CounterApplicantForm(request.POST or None)
    data, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        data = schema_forms.coerce(schema, request.POST)
        errors = schema_forms.validate(schema, data)
        if applicant.is_valid() and not errors:
            scans = [
                (m.pk, m.name, request.FILES[f"material-{m.pk}"])
                for m in materials
                if f"material-{m.pk}" in request.FILES
            ]
            try:
                case = services.case_counter_intake(
                    staff=staff,
                    item_id=item.pk,
                    id_number=applicant.cleaned_data["id_number"],
                    form_data=data,
                    scans=scans,
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
            except DomainError as exc:
                error = exc
                errors = {
                    k.removeprefix("form_data."): v
                    for k, v in exc.fields.items()
                    if k.startswith("form_data.")
                }
            else:
                return redirect("workbench:counter_receipt", case_id=case.pk)
        status = error.status if error else (422 if errors else 400)
    scan_errors = error.fields if error else {}
    return render(
        request,
        "workbench/cases/counter_intake.html",
        {
            "staff": staff,
            "item": item,
            "version": version,
            "applicant": applicant,
            "fields": schema_forms.fields(schema, version.form_ui, data, errors),
            "materials": [
                {"material": m, "error": scan_errors.get(f"materials.{m.pk}", "")}
                for m in materials
            ],
            "error": error,
            "form_errors": errors,
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        },
        status=status,
    )


@staff_login_required
def receipt(request, case_id: int):
    staff = staff_of(request.user)
    case = selectors.counter_receipt_for_staff(staff=staff, case_id=case_id)
    return render(
        request,
        "workbench/cases/counter_receipt.html",
        {"staff": staff, "case": case, "applicant": mask_name(case.applicant.name)},
    )

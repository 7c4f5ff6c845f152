"""一窗受理: a counter clerk finds an item the center may accept, identifies the walk-in applicant
by ID number, fills the item's form, scans in the papers and hands the case to the responsible
department (受办分离); the receipt carries the case number. The clerk's center is recorded on
the case; the department's processing pages stay the department's."""

import uuid

from django.shortcuts import redirect, render

from tongban.cases import selectors, services
from tongban.catalog import schema_forms
from tongban.catalog import selectors as catalog_selectors
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
    """The checklist entries the applicant brings on paper (not those an e-licence or data
    sharing supplies), each with its condition."""
    return [e for e in selectors.material_entries(item_version=version) if e.uploaded_by_applicant]


def _by_licence(version) -> list:
    """The checklist entries an e-licence supplies: taken from the applicant's valid licence at
    intake; when it cannot be used (expired, suspended, revoked), the paper copy is scanned."""
    return selectors.licence_entries(selectors.material_entries(item_version=version))


def _from_applicant(schema: dict) -> dict[str, str]:
    """The form's fields bound to the applicant (``x-bind: applicant.…``), which the page does not
    ask for (the service fills them from the person the ID card names), each with its field of
    the applicant lookup."""
    bindings = catalog_selectors.form_bindings(schema)
    return {
        f: b.removeprefix("applicant.") for f, b in bindings.items() if b.startswith("applicant.")
    }


def _show_errors(exc: DomainError, applicant: CounterApplicantForm, schema: dict) -> dict:
    """A refusal's field messages where the page shows them: on the applicant's fields (also
    those the service names in the form, which the page takes from the applicant) and on the
    form's fields; the rest stays in the page's top message."""
    on_applicant = {**_from_applicant(schema), "name": "name"}
    form_errors = {}
    for key, message in exc.fields.items():
        field = key.removeprefix("form_data.")
        if field in on_applicant:
            applicant.add_error(on_applicant[field], message)
        elif field != key:
            form_errors[field] = message
    return form_errors


@staff_login_required
def intake(request, item_id: int):
    staff = staff_of(request.user)
    require_role(staff, StaffRoleName.COUNTER_CLERK)
    item = catalog_selectors.item_public(item_id)
    version = item.published
    schema, entries = version.form_schema or {}, _scannable(version)
    by_licence = _by_licence(version)
    from_applicant = _from_applicant(schema)
    applicant = CounterApplicantForm(request.POST or None)
    data, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        data = schema_forms.coerce(schema, request.POST)
        errors = {
            k: v
            for k, v in schema_forms.validate(schema, data).items()
            if k not in from_applicant  # filled in from the applicant
        }
        if applicant.is_valid() and not errors:
            scans = [
                (e.id, e.name, request.FILES[f"material-{e.id}"])
                for e in [*entries, *by_licence]
                if f"material-{e.id}" in request.FILES
            ]
            try:
                case = services.case_counter_intake(
                    staff=staff,
                    item_id=item.pk,
                    id_number=applicant.cleaned_data["id_number"],
                    name=applicant.cleaned_data["name"],
                    mobile=applicant.cleaned_data["mobile"],
                    form_data=data,
                    scans=scans,
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
            except DomainError as exc:
                error, errors = exc, _show_errors(exc, applicant, schema)
            else:
                return redirect("workbench:counter_receipt", case_id=case.pk)
        status = error.status if error else (422 if errors else 400)
    scan_errors = error.fields if error else {}
    fields = schema_forms.fields(schema, version.form_ui, data, errors)
    return render(
        request,
        "workbench/cases/counter_intake.html",
        {
            "staff": staff,
            "item": item,
            "version": version,
            "applicant": applicant,
            "fields": [f for f in fields if f["name"] not in from_applicant],
            "filled_from_applicant": [f["title"] for f in fields if f["name"] in from_applicant],
            "materials": [
                {"entry": e, "error": scan_errors.get(f"materials.{e.id}", "")} for e in entries
            ],
            # the e-licence's refusal (``cases.selectors.REUSE_REFUSALS``) asks for the paper
            "by_licence": [
                {
                    "entry": e,
                    "refusal": scan_errors.get(f"materials.{e.id}", ""),
                    "upload": bool(scan_errors.get(f"materials.{e.id}"))
                    or f"material-{e.id}" in request.FILES,
                }
                for e in by_licence
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
        {
            "staff": staff,
            "case": case,
            "receipt": selectors.case_receipt(case),
            "applicant": mask_name(case.applicant.name),
        },
    )

"""Workbench pages of the catalog: stewards draft and submit item versions, platform admins
review and publish; import and export. Every page is department-scoped through ``access``."""

import csv
import io
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError
from tongban.identity.access import staff_of

from . import access, selectors, services
from .content import content_of
from .forms import ImportForm, NewItemForm, ReasonForm, ReviewForm, VersionForm

staff_login_required = login_required(login_url="workbench:login")
CSV_COLUMNS = ["implementation_code", "basic_code", "department", "name", "summary", "keywords",
               "item_type", "case_type", "audience", "life_event", "enterprise_stage",
               "legal_limit_days", "promised_limit_days", "visits", "online_depth", "channels",
               "conditions", "consult_phone", "complaint_phone", "citywide", "commitment",
               "accept_with_gaps", "result", "legal_basis", "process_steps", "fees", "locations",
               "faq", "intermediary_services", "materials", "form_schema", "form_ui"]  # fmt: skip


def _csv_cell(key: str, value):
    if isinstance(value, list) and key in ("keywords", "online_depth", "channels"):
        return "|".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _place_error(form, exc: DomainError) -> None:
    """A domain error on the field it names (``materials[2].source`` → ``materials``)."""
    placed = False
    for field, message in exc.fields.items():
        name = field.split("[")[0].split(".")[0]
        if name in form.fields:
            form.add_error(name, f"{field}：{message}" if name != field else message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _page(request, template, context, status=200):
    return render(request, f"catalog/workbench/{template}", context, status=status)


@staff_login_required
def desk(request):
    staff = staff_of(request.user)
    access.require_steward(staff, staff.department)
    return _page(request, "desk.html", {
        "staff": staff,
        "versions": selectors.versions_for_steward(staff=staff),
        "is_publisher": access.is_publisher(staff),
    })  # fmt: skip


@staff_login_required
def item_new(request):
    staff = staff_of(request.user)
    access.require_steward(staff, staff.department)
    form = NewItemForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            version = services.item_create(
                staff=staff,
                department=staff.department,
                basic_code=form.cleaned_data["basic_code"],
                implementation_code=form.cleaned_data["implementation_code"],
                content={
                    k: v
                    for k, v in form.content().items()
                    if k not in ("basic_code", "implementation_code")
                },
                reason=form.cleaned_data["reason"],
            )
            return redirect("catalog_workbench:version", version.pk)
        except DomainError as exc:
            _place_error(form, exc)
            status = exc.status
    if form.errors and status == 200:
        status = 400
    return _page(request, "edit.html", {"staff": staff, "form": form, "version": None}, status)


@staff_login_required
def version_detail(request, version_id: int):
    staff = staff_of(request.user)
    version = selectors.version_for_staff(staff=staff, version_id=version_id)
    return _page(request, "version.html", {
        "staff": staff, "version": version, "history": selectors.item_history(item=version.item),
        "is_publisher": access.is_publisher(staff), "review_form": ReviewForm(),
        "reason_form": ReasonForm(),
    })  # fmt: skip


@staff_login_required
def version_edit(request, version_id: int):
    staff = staff_of(request.user)
    version = selectors.version_for_staff(staff=staff, version_id=version_id)
    access.require_steward(staff, version.item.department)
    form = VersionForm(request.POST or None, initial=VersionForm.initial_from(content_of(version)))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update(
                staff=staff,
                version=version,
                content=form.content(),
                reason=form.cleaned_data["reason"],
            )
            return redirect("catalog_workbench:version", version.pk)
        except DomainError as exc:
            _place_error(form, exc)
            status = exc.status
    if form.errors and status == 200:
        status = 400
    return _page(request, "edit.html", {"staff": staff, "form": form, "version": version}, status)


def _act(request, version_id: int, verb):
    staff = staff_of(request.user)
    version = selectors.version_for_staff(staff=staff, version_id=version_id)
    verb(staff, version)
    return redirect("catalog_workbench:version", version.pk)


@require_POST
@staff_login_required
def version_submit(request, version_id: int):
    return _act(request, version_id, lambda s, v: services.version_submit(staff=s, version=v))


@require_POST
@staff_login_required
def version_publish(request, version_id: int):
    note = request.POST.get("note", "")
    return _act(
        request, version_id, lambda s, v: services.version_publish(staff=s, version=v, note=note)
    )


@require_POST
@staff_login_required
def version_reject(request, version_id: int):
    note = request.POST.get("note", "")
    return _act(
        request, version_id, lambda s, v: services.version_reject(staff=s, version=v, note=note)
    )


@require_POST
@staff_login_required
def item_draft(request, item_id: int):
    staff = staff_of(request.user)
    item = selectors.item_for_staff(staff=staff, item_id=item_id)
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    version = services.version_draft(staff=staff, item=item, reason=reason)
    return redirect("catalog_workbench:version_edit", version.pk)


@staff_login_required
def review_queue(request):
    staff = staff_of(request.user)
    return _page(
        request, "review.html", {"staff": staff, "versions": selectors.review_queue(staff=staff)}
    )


@staff_login_required
def items_import(request):
    staff = staff_of(request.user)
    access.require_steward(staff, staff.department)
    form = ImportForm(request.POST or None, request.FILES or None)
    rows, result, status = [], None, 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        fmt = "csv" if upload.name.lower().endswith(".csv") else "json"
        try:
            parsed = services.parse_import(data=upload.read(), fmt=fmt)
            result = services.items_import(
                staff=staff, rows=parsed, reason=form.cleaned_data["reason"]
            )
        except services.ImportRejected as exc:
            rows, status = exc.rows, exc.status
            form.add_error(None, exc.message)
        except DomainError as exc:
            _place_error(form, exc)
            status = exc.status
    if form.errors and status == 200:
        status = 400
    return _page(
        request,
        "import.html",
        {"staff": staff, "form": form, "rows": rows, "result": result},
        status,
    )


@staff_login_required
def items_export(request, fmt: str):
    staff = staff_of(request.user)  # who asks comes first: the public learns nothing of formats
    if fmt not in ("json", "csv"):
        raise Http404
    rows = selectors.items_export(staff=staff)
    name = f"catalog-{staff.department.code}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(rows, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(k, v) for k, v in row.items()})
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

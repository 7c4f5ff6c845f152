"""电子证照库: the department's licences for its staff. The list (filters, masked holders),
the licence page (opening it is an audited staff read the holder sees in 安全记录) with its
status history and one POST view for its actions (``ACTIONS``, by slug), issuing by hand from
the type's JSON Schema (``catalog.schema_forms``) and importing a file. Who may do what is
``licences.access``'s; a refused or lost action (a colleague was faster, a double click)
re-renders the page with the service's own message and status."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongban.catalog import schema_forms
from tongban.core.errors import DomainError
from tongban.core.web import form_add_domain_error
from tongban.identity.access import require_role, staff_of
from tongban.licences import access, selectors, services
from tongban.licences.choices import HOLDER_OWN_FIELDS, HolderKind

from . import licence_forms as f
from .case_views import mask_name
from .views import staff_login_required

# --- the list -------------------------------------------------------------------------------


@staff_login_required
def licence_list(request):
    staff = staff_of(request.user)
    types = selectors.licence_types_for_staff(staff)
    form = f.LicenceFilterForm(request.GET or None, types=[(t.code, t.name) for t in types])
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    error, status = None, 200 if not form.errors else 400
    try:
        page = selectors.licences_page_for_staff(
            staff=staff,
            type_code=filters.get("type_code") or "",
            status=filters.get("status") or "",
            holder_code=filters.get("holder_code") or "",
            issued_from=filters.get("issued_from"),
            issued_to=filters.get("issued_to"),
            page=request.GET.get("page"),
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        error, status = exc, exc.status
        page = selectors.licences_page_for_staff(staff=staff, page=1)
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    rows = [
        {"licence": lic, "holder": mask_name(lic.holder_name), "status": lic.status_on(today)}
        for lic in page.object_list
    ]
    return render(
        request,
        "workbench/licences/list.html",
        {
            "staff": staff,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "error": error,
            "desks": selectors.licence_desks_for_staff(staff),
        },
        status=status,
    )


# --- the licence page and its actions -------------------------------------------------------


def _forms(page, bound: dict) -> dict:
    forms = {
        "suspend": f.ReasonForm(prefix="suspend"),
        "restore": f.ReasonForm(prefix="restore"),
        "revoke": f.RevokeForm(prefix="revoke"),
        "renew": f.RenewForm(prefix="renew"),
        "change": f.ReasonForm(prefix="change"),
    }
    forms.update(bound)
    return forms


def _change_fields(page, data=None, errors=None) -> list[dict]:
    """The data fields a change may set (the holder's own stay the holder's); prefilled with
    what is not personal data (a masked value would be saved as the new one)."""
    licence = page.licence
    schema = licence.licence_type.data_schema
    own = HOLDER_OWN_FIELDS[HolderKind(licence.licence_type.holder_kind)]
    sealed = licence.sealed_fields()
    if data is None:
        data = {k: v for k, v in licence.data.items() if k not in sealed}
    return [
        field
        for field in schema_forms.fields(schema, {}, data, errors or {})
        if field["name"] not in own
    ]


def _render_licence(request, staff, page, *, bound=None, error=None, status=200, change=None):
    return render(
        request,
        "workbench/licences/licence.html",
        {
            "staff": staff,
            "p": page,
            "licence": page.licence,
            "forms": _forms(page, bound or {}),
            "change_fields": change if change is not None else _change_fields(page),
            "error": error,
            "form_invalid": bool(bound) and error is None and status >= 400,
        },
        status=status,
    )


@staff_login_required
def licence_page(request, licence_id: int):
    staff = staff_of(request.user)
    page = selectors.licence_page_for_staff(staff=staff, licence_id=licence_id)
    return _render_licence(request, staff, page)


def _act(request, licence_id: int, *, name: str, form_class, call, done: str, fields=None):
    """Load the page (which refuses staff who may not see the licence), bind the posted form,
    call the service; on success to the resulting licence with a message, else the page with
    the reason (a lost race or a double click: the service's conflict, nothing changed)."""
    staff = staff_of(request.user)
    page = selectors.licence_page_for_staff(staff=staff, licence_id=licence_id, audit=False)
    form = form_class(request.POST, prefix=name)
    error, change = None, None
    if form.is_valid():
        try:
            licence = call(staff, form.cleaned_data, page)
        except DomainError as exc:
            error = exc
            form_add_domain_error(form, exc)
            if fields is not None:
                change = fields(page, exc)
        else:
            messages.success(request, done)
            return redirect("workbench:licence", licence_id=licence.pk)
    elif fields is not None:
        change = fields(page, None)
    # the page as it stands now (a lost race shows the winner's change), its reading audited
    page = selectors.licence_page_for_staff(staff=staff, licence_id=licence_id)
    return _render_licence(
        request,
        staff,
        page,
        bound={name: form},
        error=error,
        status=error.status if error else 400,
        change=change,
    )


def _change(request, licence_id: int):
    """The change action's extra: the licence's own data fields, posted beside the reason and
    re-rendered with their errors when the service refuses them."""

    def posted(page) -> dict:
        schema = page.licence.licence_type.data_schema
        own = HOLDER_OWN_FIELDS[HolderKind(page.licence.licence_type.holder_kind)]
        return {k: v for k, v in schema_forms.coerce(schema, request.POST).items() if k not in own}

    def fields(page, exc):
        errors = {k.removeprefix("data."): v for k, v in (exc.fields if exc else {}).items()}
        return _change_fields(page, posted(page), errors)

    def call(staff, data, page):
        return services.licence_change(
            staff=staff, licence_id=licence_id, data=posted(page), reason=data["reason"]
        )

    return call, fields


def _simple(verb, *names):
    """An action whose service takes the licence and the named form fields, nothing else."""

    def for_request(_request, licence_id: int):
        def call(staff, data, _page):
            return verb(staff=staff, licence_id=licence_id, **{n: data[n] for n in names})

        return call, None

    return for_request


# slug → (form, how to call the service for this request, the message when done)
ACTIONS = {
    "suspend": (
        f.ReasonForm,
        _simple(services.licence_suspend, "reason"),
        gettext_lazy("证照已暂停使用，持证人已收到通知。"),
    ),
    "restore": (
        f.ReasonForm,
        _simple(services.licence_restore, "reason"),
        gettext_lazy("证照已恢复使用，持证人已收到通知。"),
    ),
    "revoke": (
        f.RevokeForm,
        _simple(services.licence_revoke, "reason", "legal_basis"),
        gettext_lazy("证照已撤销，持证人已收到通知。"),
    ),
    "renew": (
        f.RenewForm,
        _simple(services.licence_renew, "valid_from"),
        gettext_lazy("已换发新证，原证照已被替换。"),
    ),
    "change": (f.ReasonForm, _change, gettext_lazy("证照已变更，新版本已颁发。")),
}


@staff_login_required
@require_POST
def licence_action(request, licence_id: int, action: str):
    staff_of(request.user)  # who is not staff is refused before learning which actions exist
    if action not in ACTIONS:
        raise Http404
    form_class, calling, done = ACTIONS[action]
    call, fields = calling(request, licence_id)
    return _act(
        request,
        licence_id,
        name=action,
        form_class=form_class,
        call=call,
        done=str(done),
        fields=fields,
    )


# --- issuing by hand ------------------------------------------------------------------------


def _issue_fields(licence_type, data=None, errors=None) -> list[dict]:
    own = HOLDER_OWN_FIELDS[HolderKind(licence_type.holder_kind)]
    return [
        field
        for field in schema_forms.fields(licence_type.data_schema, {}, data or {}, errors or {})
        if field["name"] not in own
    ]


@staff_login_required
def licence_issue(request):
    """Choose a type the department issues (``?type=``), then fill its form. The hidden
    idempotency key makes a double submit return the first licence."""
    staff = staff_of(request.user)
    require_role(staff, *access.ISSUERS)
    code = request.POST.get("type_code") or request.GET.get("type") or ""
    if not code:
        return render(
            request,
            "workbench/licences/issue_choose.html",
            {"staff": staff, "types": access.types_issued_by(staff)},
        )
    licence_type = access.type_for_issuer_or_404(staff=staff, type_code=code)
    form = f.IssueForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    data, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        own = HOLDER_OWN_FIELDS[HolderKind(licence_type.holder_kind)]
        data = {
            k: v
            for k, v in schema_forms.coerce(licence_type.data_schema, request.POST).items()
            if k not in own
        }
        if form.is_valid():
            try:
                licence = services.licence_issue(
                    staff=staff,
                    type_code=licence_type.code,
                    holder_code=form.cleaned_data["holder_code"],
                    data=data,
                    valid_from=form.cleaned_data["valid_from"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except DomainError as exc:
                error = exc
                form_add_domain_error(form, exc)
                errors = {
                    k.removeprefix("data."): v
                    for k, v in exc.fields.items()
                    if k.startswith("data.")
                }
            else:
                messages.success(request, _("已颁发电子证照 %(i)s。") % {"i": licence.identifier})
                return redirect("workbench:licence", licence_id=licence.pk)
        else:
            errors = {
                k: v
                for k, v in schema_forms.validate(licence_type.data_schema, data).items()
                if k not in own
            }
        status = error.status if error else 400
    return render(
        request,
        "workbench/licences/issue.html",
        {
            "staff": staff,
            "licence_type": licence_type,
            "form": form,
            "fields": _issue_fields(licence_type, data, errors),
            "error": error,
            "form_errors": errors,
            "own": HOLDER_OWN_FIELDS[HolderKind(licence_type.holder_kind)],
        },
        status=status,
    )


# --- import ---------------------------------------------------------------------------------


@staff_login_required
def licence_import(request):
    """Upload a JSON or CSV file: every row is checked first, and one wrong row imports
    nothing; the rows' errors are listed (row, field, message)."""
    staff = staff_of(request.user)
    require_role(staff, *access.ISSUERS)
    form = f.ImportForm(
        request.POST or None, request.FILES or None, initial={"idempotency_key": uuid.uuid4().hex}
    )
    problems, error, status = [], None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rows = services.import_rows(
                    content=form.cleaned_data["file"].read(), fmt=form.file_format()
                )
                result = services.licences_import(
                    staff=staff,
                    rows=rows,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except services.ImportRejected as exc:
                error, problems = exc, exc.rows
            except DomainError as exc:
                error = exc
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已导入 %(n)d 份电子证照。") % {"n": result.created}
                    if not result.repeated
                    else _("该文件已导入过（%(n)d 份），未重复导入。") % {"n": result.created},
                )
                return redirect("workbench:licences")
        status = error.status if error else 400
    return render(
        request,
        "workbench/licences/import.html",
        {"staff": staff, "form": form, "problems": problems, "error": error},
        status=status,
    )

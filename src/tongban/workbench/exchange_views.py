"""The exchange desk (数据共享交换): a provider's data steward publishes resources, decides the
requests for them (approve, possibly fewer fields; refuse with a reason) and revokes grants; a
consumer department's data steward or head asks for a resource naming the fields, purpose and
legal basis, and registers client systems (the secret shown once). Thin: parse → call the
exchange's services and selectors → render; who may do what is ``exchange.access``'s."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError
from tongban.core.web import form_add_domain_error, form_status
from tongban.exchange import access, selectors, services
from tongban.exchange.errors import resource_not_found
from tongban.identity.access import require_role, staff_of
from tongban.registries import selectors as registry_selectors
from tongban.registries.choices import Dataset

from .exchange_forms import ApproveForm, ClientForm, RequestForm, ResourceForm
from .views import staff_login_required


def _desk(request, staff, *, status=200, secret=None, error=None):
    stewards = access.can_publish(staff)
    requests_ = list(selectors.requests_for_steward(staff=staff)) if stewards else []
    for grant in requests_:
        grant.approve_form = ApproveForm(
            prefix=f"g{grant.pk}",
            initial={"fields": grant.requested_fields, "days": 365},
            field_choices=zip(
                grant.requested_fields,
                selectors.field_labels(grant.resource, grant.requested_fields),
                strict=True,
            ),
        )
    grants = list(selectors.grants_for_consumer(staff=staff)) if access.can_request(staff) else []
    for grant in [*requests_, *grants]:
        grant.field_labels = selectors.field_labels(grant.resource, grant.fields)
    context = {
        "staff": staff,
        "stewards": stewards,
        "requests": access.can_request(staff),
        "resources": selectors.resources_for_steward(staff=staff) if stewards else [],
        "open_requests": [g for g in requests_ if g.status == "requested"],
        "decided": [g for g in requests_ if g.status != "requested"],
        "catalog": selectors.catalog(staff=staff),
        "grants": grants,
        "clients": (
            selectors.clients_for_department(staff=staff) if access.can_request(staff) else []
        ),
        "client_form": ClientForm(),
        "secret": secret,
        "error": error,
        "datasets": Dataset.choices,
    }
    return render(request, "workbench/exchange/desk.html", context, status=status)


def _staff(request):
    staff = staff_of(request.user)
    require_role(staff, *access.REQUESTERS)
    return staff


@staff_login_required
def desk(request):
    return _desk(request, _staff(request))


def _dataset_fields(dataset: str):
    return [(f.name, str(f.label)) for f in registry_selectors.dataset_fields(dataset)]


@staff_login_required
def resource_new(request):
    staff = staff_of(request.user)
    access.require_steward(staff, staff.department)
    dataset = request.POST.get("dataset") or request.GET.get("dataset") or Dataset.POPULATION
    if dataset not in Dataset.values:
        dataset = Dataset.POPULATION
    form = ResourceForm(
        request.POST or None, initial={"dataset": dataset}, field_choices=_dataset_fields(dataset)
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_publish(staff=staff, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            messages.success(request, _("已发布信息资源“%(name)s”。") % {"name": resource.name})
            return redirect("workbench:exchange")
    context = {"staff": staff, "form": form, "dataset": dataset, "datasets": Dataset.choices}
    return render(
        request, "workbench/exchange/resource_new.html", context, status=form_status(form, error)
    )


@staff_login_required
def resource_request(request, resource_id: int):
    staff = staff_of(request.user)
    access.require_requester(staff)
    resource = selectors.catalog(staff=staff).filter(pk=resource_id).first()
    if resource is None:
        raise resource_not_found("resource_id")
    choices = [(f.name, f.label) for f in resource.fields.all()]
    form = RequestForm(request.POST or None, field_choices=choices)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.grant_request(
                staff=staff, resource_id=resource.pk, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            if grant.status == "approved":
                messages.success(request, _("无条件共享资源，已自动授权。"))
            else:
                messages.success(request, _("已提交申请，等待提供部门审批。"))
            return redirect("workbench:exchange")
    context = {"staff": staff, "resource": resource, "form": form}
    return render(
        request, "workbench/exchange/request.html", context, status=form_status(form, error)
    )


def _decision(request, verb):
    staff = staff_of(request.user)
    try:
        verb(staff)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _desk(request, staff, status=exc.status, error=exc)
    return redirect("workbench:exchange")


@staff_login_required
@require_POST
def grant_approve(request, grant_id: int):
    def verb(staff):
        days = request.POST.get(f"g{grant_id}-days", "").strip()
        services.grant_approve(
            staff=staff,
            grant_id=grant_id,
            fields=request.POST.getlist(f"g{grant_id}-fields"),
            days=int(days) if days.isdigit() and len(days) < 7 else days,
        )
        messages.success(request, _("已批准该申请。"))

    return _decision(request, verb)


@staff_login_required
@require_POST
def grant_refuse(request, grant_id: int):
    def verb(staff):
        reason = request.POST.get("reason", "")[:600]
        services.grant_refuse(staff=staff, grant_id=grant_id, reason=reason)
        messages.success(request, _("已拒绝该申请。"))

    return _decision(request, verb)


@staff_login_required
@require_POST
def grant_revoke(request, grant_id: int):
    def verb(staff):
        reason = request.POST.get("reason", "")[:600]
        services.grant_revoke(staff=staff, grant_id=grant_id, reason=reason)
        messages.success(request, _("已撤销该授权。"))

    return _decision(request, verb)


@staff_login_required
@require_POST
def client_register(request):
    staff = staff_of(request.user)
    form = ClientForm(request.POST)
    name = form.cleaned_data["name"] if form.is_valid() else ""
    try:
        client, secret = services.client_register(staff=staff, name=name)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _desk(request, staff, status=exc.status, error=exc)
    return _desk(request, staff, secret={"client": client, "secret": secret})

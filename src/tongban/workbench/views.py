from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from tongban.cases import selectors as case_selectors
from tongban.core.errors import DomainError
from tongban.core.web import form_add_domain_error, form_status
from tongban.identity import selectors, services, sessions
from tongban.identity.access import require_role, staff_of
from tongban.identity.choices import StaffRoleName
from tongban.licences import selectors as licence_selectors
from tongban.registries import access as registries_access

from .forms import PersonLookupForm, StaffLoginForm


def hotline_desks(staff) -> dict[str, bool]:
    from .hotline_views import hotline_desks as desks

    return desks(staff)


staff_login_required = login_required(login_url="workbench:login")


def login(request):
    form = StaffLoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            account = services.login_with_password(
                identifier=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=request.META.get("REMOTE_ADDR", ""),
                staff=True,
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
        else:
            return redirect(
                sessions.login_begin(request, account, method="password", fallback="/workbench/")
            )
    return render(request, "workbench/login.html", {"form": form}, status=form_status(form, error))


@staff_login_required
def home(request):
    staff = staff_of(request.user)
    return render(
        request,
        "workbench/home.html",
        {
            "staff": staff,
            **selectors.staff_profile(staff),
            "desks": case_selectors.case_desks_for_staff(staff),
            "licence_desks": licence_selectors.licence_desks_for_staff(staff),
            "registry_steward": registries_access.can_steward(staff),
            "hotline": hotline_desks(staff),
        },
    )


@staff_login_required
def person_lookup(request):
    staff = staff_of(request.user)
    require_role(staff, StaffRoleName.COUNTER_CLERK)
    form = PersonLookupForm(request.POST or None)
    person, error = None, None
    if request.method == "POST" and form.is_valid():
        try:
            id_number = services.clean_id_number(form.cleaned_data["id_number"])
            person = selectors.person_lookup(viewer=staff, id_number=id_number)
            form = PersonLookupForm()  # the full number is not echoed back into the page
        except DomainError as exc:
            form_add_domain_error(form, exc)
            error = exc
    return render(
        request,
        "workbench/person_lookup.html",
        {"staff": staff, "form": form, "person": person},
        status=form_status(form, error),
    )


@staff_login_required
def department_staff(request, code: str):
    staff = staff_of(request.user)
    department = selectors.department_by_code(code)
    members = selectors.staff_of_department(viewer=staff, department=department)
    return render(
        request,
        "workbench/department_staff.html",
        {"staff": staff, "department": department, "members": members},
    )

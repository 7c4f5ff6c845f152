"""Identity JSON API: the signed-in account, and department-scoped staff lists."""

from ninja import Router, Schema
from ninja.security import django_auth

from tongban.core.api import ERRORS

from . import selectors
from .access import staff_of

router = Router(tags=["identity"])


class EntityOut(Schema):
    uscc: str
    name: str
    role: str


class MeOut(Schema):
    kind: str
    name: str
    id_number_masked: str | None = None
    mobile_masked: str | None = None
    acting_for: EntityOut | None = None
    department: str | None = None
    roles: list[str] = []


class StaffOut(Schema):
    name: str
    username: str
    roles: list[str]


@router.get("/me", response={200: MeOut, **ERRORS}, auth=django_auth)
def me(request):
    account = request.auth
    person = selectors.person_for_account(account)
    if person is not None:
        acting = selectors.acting_entity(account)
        return MeOut(
            kind="person",
            name=person.name,
            id_number_masked=person.id_number_masked,
            mobile_masked=person.mobile_masked,
            acting_for=EntityOut(uscc=acting.uscc, name=acting.name, role="agent")
            if acting
            else None,
        )
    staff = staff_of(account)
    return MeOut(
        kind="staff",
        name=account.display_name,
        department=staff.department.name,
        roles=sorted(staff.role_names()),
    )


@router.get(
    "/departments/{code}/staff",
    response={200: list[StaffOut], **ERRORS},
    auth=django_auth,
)
def department_staff(request, code: str):
    """Department heads list their own department's staff; anyone else is refused (403)."""
    viewer = staff_of(request.auth)
    department = selectors.department_by_code(code)
    return [
        StaffOut(
            name=s.account.display_name,
            username=s.account.username,
            roles=[r.role for r in s.roles.all()],
        )
        for s in selectors.staff_of_department(viewer=viewer, department=department)
    ]

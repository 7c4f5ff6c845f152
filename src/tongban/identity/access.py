"""The one place that decides what a staff member may do: by role, and by department."""

from django.utils.translation import gettext as _

from tongban.core.errors import Forbidden, NotAuthenticated

from .choices import StaffRoleName
from .errors import IdentityError
from .models import Department, Staff, StaffRole


def staff_of(account) -> Staff:
    """The staff record of a signed-in account, with department and roles, or refusal."""
    if account is None or not account.is_authenticated:
        raise NotAuthenticated(IdentityError.NOT_AUTHENTICATED, _("请先以工作人员身份登录。"))
    staff = (
        Staff.objects.select_related("department", "department__region")
        .prefetch_related("roles")
        .filter(account=account)
        .first()
    )
    if staff is None:
        raise Forbidden(IdentityError.STAFF_REQUIRED, _("此页面仅限工作人员使用。"))
    staff.account = account  # the signed-in account is that row: not read again
    return staff


def is_platform_admin(account) -> bool:
    """The one test of platform admin: an active staff account holding the platform-admin role.

    Django's ``is_superuser`` and ``is_staff`` used to be set beside the role and drifted from
    it when roles were edited. Now the role is the only source: the admin site asks this
    predicate (``identity.admin``), and the two flags are derived from it whenever an account
    or a staff role is saved (``identity.signals``), so that Django's own permission checks
    (``has_perm``) agree. The site asks here rather than trusting the flags because a bulk
    UPDATE could still set a flag without the signals; such a flag then opens nothing."""
    if account is None or not account.is_authenticated or not account.is_active:
        return False
    return StaffRole.objects.filter(
        staff__account_id=account.pk, role=StaffRoleName.PLATFORM_ADMIN
    ).exists()


def require_role(staff: Staff, *roles: str) -> None:
    held = staff.role_names()
    if StaffRoleName.PLATFORM_ADMIN in held or held.intersection(roles):
        return
    names = "、".join(str(StaffRoleName(r).label) for r in roles)
    raise Forbidden(IdentityError.STAFF_ROLE, _("需要以下角色之一：%(roles)s。") % {"roles": names})


def require_department(staff: Staff, department: Department) -> None:
    """Staff act within their own department; platform admins act across departments."""
    if staff.department_id == department.pk:
        return
    if StaffRoleName.PLATFORM_ADMIN in staff.role_names():
        return
    raise Forbidden(
        IdentityError.STAFF_DEPARTMENT,
        _("您属于“%(mine)s”，无权查看“%(other)s”的数据。")
        % {"mine": staff.department.name, "other": department.name},
    )

"""Who may do what in the catalog: department stewards draft, platform admins review and publish.
Built on ``identity.access`` (the one place that decides roles and departments)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.identity.access import require_department, require_role
from tongban.identity.choices import StaffRoleName

if TYPE_CHECKING:
    from tongban.identity.models import Staff


def require_steward(staff: Staff, department) -> None:
    """A data steward of the item's department (platform admins act for any department)."""
    require_role(staff, StaffRoleName.DATA_STEWARD)
    require_department(staff, department)


def require_publisher(staff) -> None:
    require_role(staff, StaffRoleName.PLATFORM_ADMIN)


def is_publisher(staff) -> bool:
    return StaffRoleName.PLATFORM_ADMIN in staff.role_names()

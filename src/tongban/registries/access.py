"""Who may change the base registries: the one place that decides it.

One source per datum (一数一源): a record is changed only for its provider department, by a
data steward (数据管理员) of that department or a platform admin, or by the platform itself
(``actor=None``: an import run from the shell, the demo seed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.core.errors import Forbidden
from tongban.identity.access import require_department, require_role
from tongban.identity.choices import StaffRoleName

if TYPE_CHECKING:
    from tongban.identity.models import Department, Staff

MAINTAINERS = (StaffRoleName.DATA_STEWARD,)


def require_maintainer(staff: Staff | None, provider: Department) -> None:
    """Refuse (403 ``staff.role`` / ``staff.department``) a staff member who may not change a
    record whose provider is ``provider``; ``None`` is the platform itself."""
    if staff is None:
        return
    require_role(staff, *MAINTAINERS)
    require_department(staff, provider)


def can_maintain(staff: Staff | None, provider: Department) -> bool:
    try:
        require_maintainer(staff, provider)
    except Forbidden:
        return False
    return True


def require_steward(staff: Staff, provider: Department) -> None:
    """Refuse (403) a staff member who may not read ``provider``'s data-quality pages: the
    quality report and the corrections applicants reported. The same people who may correct
    its records (``MAINTAINERS`` of that department, or a platform admin)."""
    require_role(staff, *MAINTAINERS)
    require_department(staff, provider)


def can_steward(staff: Staff) -> bool:
    """Whether the workbench offers the registries' steward pages (of the staff's department)."""
    try:
        require_role(staff, *MAINTAINERS)
    except Forbidden:
        return False
    return True

"""Who may do what with licences: the one place that decides it.

- A licence is issued (by hand, by import, renewed, changed) by staff of a department the type
  lists as issuing it, holding an issuing role; the issuer is always the staff member's own
  department, a platform admin included (a licence carries its issuer's name, and no one issues
  in another department's). Suspending, restoring and revoking are the department head's.
- A holder (the person, or an agent while acting for the holding enterprise) reads, prints and
  shares their own licences and withdraws their own shares; anyone else's is "not found".
- Staff read the licences their department issued (a platform admin reads all). What the
  caller may not see is "not found", so its existence is not revealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from tongban.core.errors import Forbidden
from tongban.identity import selectors as identity_selectors
from tongban.identity.access import require_role
from tongban.identity.choices import StaffRoleName as R

from .errors import LicenceError, licence_not_found, share_not_found, type_not_found
from .models import Licence, LicenceShare, LicenceType

if TYPE_CHECKING:
    from tongban.identity.models import Account, Department, Staff

ISSUERS = (R.REVIEWER, R.DEPARTMENT_HEAD)  # issue, import, renew, change
STATUS_ROLES = (R.DEPARTMENT_HEAD,)  # suspend, restore, revoke
READERS = (R.COUNTER_CLERK, R.REVIEWER, R.DEPARTMENT_HEAD)  # list and read


def _asks(check, *args) -> bool:
    try:
        check(*args)
    except Forbidden:
        return False
    return True


def is_issuer(licence_type: LicenceType, department: Department) -> bool:
    return licence_type.issuing_departments.filter(pk=department.pk).exists()


def require_issuer(licence_type: LicenceType, department: Department) -> None:
    """Refuse unless ``department`` is listed as issuing ``licence_type``."""
    if not is_issuer(licence_type, department):
        raise Forbidden(
            LicenceError.DEPARTMENT_NOT_ISSUER,
            _("“%(d)s”不是“%(t)s”的颁发机构。") % {"d": department.name, "t": licence_type.name},
        )


def can_issue(staff: Staff, licence_type: LicenceType) -> bool:
    return _asks(require_role, staff, *ISSUERS) and is_issuer(licence_type, staff.department)


def can_read(staff: Staff) -> bool:
    """May open the 电子证照库 (the department's list and licence pages)."""
    return _asks(require_role, staff, *READERS)


def can_issue_any(staff: Staff) -> bool:
    """Holds an issuing role in a department that issues at least one type."""
    return _asks(require_role, staff, *ISSUERS) and bool(types_issued_by(staff))


def types_issued_by(staff: Staff) -> list[LicenceType]:
    """The types the staff member's department issues (by code), for an issuer; none else."""
    if not _asks(require_role, staff, *ISSUERS):
        return []
    return list(
        LicenceType.objects.filter(issuing_departments=staff.department_id).order_by("code")
    )


def can_change_status(staff: Staff, licence: Licence) -> bool:
    """Suspend, restore, revoke: the head of the issuing department."""
    return _asks(require_role, staff, *STATUS_ROLES) and licence.issuer_id == staff.department_id


def can_reissue(staff: Staff, licence: Licence) -> bool:
    """Renew, change: an issuer of the issuing department, which still issues the type."""
    return (
        _asks(require_role, staff, *ISSUERS)
        and licence.issuer_id == staff.department_id
        and is_issuer(licence.licence_type, staff.department)
    )


def sees_every_department(staff: Staff) -> bool:
    return R.PLATFORM_ADMIN in staff.role_names()


def licences_open_to(staff: Staff):
    """The licences ``staff`` may be shown: their department's (every one, for an admin)."""
    licences = Licence.objects.all()
    if not sees_every_department(staff):
        licences = licences.filter(issuer_id=staff.department_id)
    return licences


def type_for_issuer_or_404(
    *, staff: Staff, type_code: str, field: str = "type_code"
) -> LicenceType:
    """The type ``staff`` issues under, by code: the role first, then the type (missing: not
    found), then their department among its issuers."""
    require_role(staff, *ISSUERS)
    licence_type = LicenceType.objects.filter(code=str(type_code).strip().upper()).first()
    if licence_type is None:
        raise type_not_found(field)
    require_issuer(licence_type, staff.department)
    return licence_type


def licence_for_staff_or_404(
    *, staff: Staff, licence_id: int, roles=READERS, lock: bool = True
) -> Licence:
    """A licence of the staff member's department, for one of ``roles``; locked unless
    ``lock`` is false. Another department's is 'not found'."""
    require_role(staff, *roles)
    licences = licences_open_to(staff)
    if lock:
        licences = licences.select_for_update(of=("self",))
    licence = (
        licences.select_related("licence_type", "issuer", "holder_person", "holder_entity")
        .filter(pk=licence_id)
        .first()
    )
    if licence is None:
        raise licence_not_found()
    return licence


def licences_of_holder(account: Account):
    """The licences ``account`` holds: its person's, and those of the enterprise it acts for
    now (``identity_selectors.acting_entity``). None at all for an account with no person."""
    person = identity_selectors.person_for_account(account)
    if person is None:
        return Licence.objects.none()
    entity = identity_selectors.acting_entity(account)
    holders = Q(holder_person=person)
    if entity is not None:
        holders |= Q(holder_entity=entity)
    return Licence.objects.filter(holders)


def licence_for_holder_or_404(*, account: Account, licence_id: int) -> Licence:
    licence = (
        licences_of_holder(account)
        .select_related("licence_type", "issuer", "holder_person", "holder_entity")
        .filter(pk=licence_id)
        .first()
    )
    if licence is None:
        raise licence_not_found()
    return licence


def share_for_holder_or_404(*, account: Account, share_id: int) -> LicenceShare:
    """One of the holder's shares, locked (its row only)."""
    share = (
        LicenceShare.objects.select_for_update(of=("self",))
        .select_related("licence", "licence__holder_entity")
        .filter(pk=share_id, licence__in=licences_of_holder(account))
        .first()
    )
    if share is None:
        raise share_not_found()
    return share

"""Who may do what in the data exchange: the one place that decides it.

- A resource is published, changed, and its requests decided, by a data steward (数据管理员)
  of its provider department (or a platform admin).
- A department asks for a resource, and registers its client systems, through its data
  steward or its head (部门负责人).
- A client system acts for its department only: it sees the grants, calls and receipts of
  that department, and none of another's (those are "not found")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from tongban.core.errors import Forbidden
from tongban.identity.access import require_department, require_role
from tongban.identity.choices import StaffRoleName

from .choices import GrantStatus
from .errors import grant_not_found, resource_not_found, token_invalid
from .models import DataResource, ExchangeClient, Grant

if TYPE_CHECKING:
    from tongban.identity.models import Department, Staff

STEWARDS = (StaffRoleName.DATA_STEWARD,)
REQUESTERS = (StaffRoleName.DATA_STEWARD, StaffRoleName.DEPARTMENT_HEAD)


def _asks(check, *args) -> bool:
    try:
        check(*args)
    except Forbidden:
        return False
    return True


def require_steward(staff: Staff, provider: Department) -> None:
    """403 ``staff.role`` / ``staff.department`` unless a data steward of ``provider``."""
    require_role(staff, *STEWARDS)
    require_department(staff, provider)


def require_requester(staff: Staff) -> None:
    """403 ``staff.role`` unless the staff member may ask for data for their department."""
    require_role(staff, *REQUESTERS)


def can_publish(staff: Staff) -> bool:
    return _asks(require_role, staff, *STEWARDS)


def can_steward(staff: Staff, provider: Department) -> bool:
    return _asks(require_steward, staff, provider)


def can_request(staff: Staff) -> bool:
    return _asks(require_requester, staff)


def resource_for_steward_or_404(*, staff: Staff, resource_id: int, lock: bool = False):
    """The resource, if ``staff`` stewards it; another department's is refused (403)."""
    rows = DataResource.objects.select_related("provider")
    if lock:
        rows = rows.select_for_update(of=("self",))
    resource = rows.filter(pk=resource_id).first()
    if resource is None:
        raise resource_not_found("resource_id")
    require_steward(staff, resource.provider)
    return resource


def grant_for_provider_or_404(*, staff: Staff, grant_id: int, lock: bool = False) -> Grant:
    """A grant of a resource ``staff`` stewards (locked for a decision): 404 for any other."""
    require_role(staff, *STEWARDS)
    rows = Grant.objects.select_related("resource", "resource__provider", "consumer")
    if lock:
        rows = rows.select_for_update(of=("self",))
    grant = rows.filter(pk=grant_id).first()
    if grant is None or not can_steward(staff, grant.resource.provider):
        raise grant_not_found()
    return grant


def grant_for_consumer_or_404(*, staff: Staff, grant_id: int) -> Grant:
    require_requester(staff)
    grant = Grant.objects.select_related("resource", "consumer").filter(pk=grant_id).first()
    if grant is None:
        raise grant_not_found()
    require_department(staff, grant.consumer)
    return grant


def client_for_application(client_id: str) -> ExchangeClient:
    """The exchange client of a token's OAuth2 application; a token of any other application,
    or of a client since stopped, is 401 ``exchange.token_invalid``."""
    client = (
        ExchangeClient.objects.select_related("department")
        .filter(client_id=client_id, revoked_at__isnull=True)
        .first()
    )
    if client is None:
        raise token_invalid()
    return client


def live_grants(department: Department):
    """The approved, unexpired grants of ``department``."""
    return Grant.objects.filter(
        consumer=department, status=GrantStatus.APPROVED, expires_at__gt=timezone.now()
    )


def can_use(department: Department, resource: DataResource) -> bool:
    return live_grants(department).filter(resource=resource).exists()

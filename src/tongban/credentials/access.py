"""Who may do what with credentials. Issuing and setting a status are steps of the licences
context's verbs, which decide who may grant or revoke a licence; here only the keys: rotating
a department's signing key is a platform admin's (or the server operator's, from the shell)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.core.errors import Forbidden
from tongban.identity.access import require_role
from tongban.identity.choices import StaffRoleName

if TYPE_CHECKING:
    from tongban.identity.models import Staff


def authorize_key_rotation(staff: Staff) -> None:
    """Refuse (403) unless ``staff`` is a platform admin."""
    require_role(staff, StaffRoleName.PLATFORM_ADMIN)


def can_rotate_keys(staff: Staff) -> bool:
    try:
        authorize_key_rotation(staff)
    except Forbidden:
        return False
    return True

"""A licence's signed credential (SD-JWT VC, ``tongban.credentials``) and its status entry.

What a verifier always sees: the licence's identifier, its type (name and GB/T 36902 code), its
issuer and its issue date, and the validity as ``nbf``/``exp``. Everything about the holder —
the holder's name and code (GB/T 36903 持证主体, 持证主体代码) and every field of the licence's
face (照面信息) — is a disclosure the holder shows or withholds, so that a landlord can be shown
the name, the type and the validity and nothing else. The dates of validity are disclosable too,
as dates a person reads (``valid_from``, ``valid_until``).

Both functions join the caller's transaction: a licence is never written unsigned, and its
status never changes without its status-list entry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from tongban.credentials.choices import CredentialStatus
from tongban.credentials.services import credential_issue, credential_status_set

from .choices import LicenceStatus

if TYPE_CHECKING:
    from .models import Licence

# What each licence status is in the status list: a superseded licence is as invalid to a
# verifier as a revoked one (the holder has its successor); revocation is final in both.
LIST_STATUS = {
    LicenceStatus.VALID: CredentialStatus.VALID,
    LicenceStatus.SUSPENDED: CredentialStatus.SUSPENDED,
    LicenceStatus.REVOKED: CredentialStatus.INVALID,
    LicenceStatus.SUPERSEDED: CredentialStatus.INVALID,
}


def vct_for(type_code: str) -> str:
    """The credential type of a licence type: a URI under the platform's public address, one per
    GB/T 36902 type code."""
    return f"{settings.TONGBAN_PUBLIC_URL}/licence-types/{type_code}"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def credential_sign(licence: Licence) -> None:
    """Sign ``licence`` (just saved) and store its credential and status entry on the row."""
    plain = {
        "licence_identifier": licence.identifier,
        "licence_type": licence.licence_type.name,
        "licence_type_code": licence.licence_type.code,
        "issuer_name": licence.issuer.name,
        "issued_on": licence.issued_on.isoformat(),
    }
    shown_or_not = {
        "holder_name": licence.holder_name,
        "holder_code_type": licence.holder_code_type,
        "holder_code": licence.holder_code,
        "valid_from": licence.valid_from.isoformat(),
        **({"valid_until": licence.valid_until.isoformat()} if licence.valid_until else {}),
        **licence.data,
    }
    valid_until = licence.valid_until
    issued = credential_issue(
        issuer=licence.issuer,
        vct=vct_for(licence.licence_type.code),
        claims={**shown_or_not, **plain},
        disclosable=sorted(shown_or_not),
        valid_from=_start_of(licence.valid_from),
        # valid through its last day
        valid_until=None if valid_until is None else _start_of(valid_until + dt.timedelta(days=1)),
    )
    licence.credential = issued.compact
    licence.status_list_id, licence.status_index = issued.status_list_id, issued.status_index
    licence.save(update_fields=["credential", "status_list_id", "status_index"])


def credential_status_follow(licence: Licence) -> None:
    """Set ``licence``'s status-list entry to what its (just changed) status means."""
    assert licence.status_list_id is not None and licence.status_index is not None
    credential_status_set(
        status_list_id=licence.status_list_id,
        status_index=licence.status_index,
        status=LIST_STATUS[LicenceStatus(licence.status)],
    )

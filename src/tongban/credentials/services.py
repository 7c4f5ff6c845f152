"""The verbs of credentials: issue a credential, set its status, rotate a department's key.

``credential_issue`` and ``credential_status_set`` are steps of the licences context's verbs:
they join the caller's transaction (not durable) and append their audit entries to its batch.
``signing_key_rotate`` is top-level and durable. A department's first key is made when it
first issues (audited as ``credentials.key_created``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record, audited_atomic

from . import identifiers, keys, sdjwt, statuslist
from .access import authorize_key_rotation
from .choices import CredentialStatus, SigningAlgorithm
from .errors import CredentialError, invalid, status_final, status_list_not_found
from .models import SigningKey, StatusList
from .online import status_cache_clear

if TYPE_CHECKING:
    from tongban.identity.models import Department, Staff

# Claims the issuer sets itself, and the SD-JWT mechanics: never given by the caller.
RESERVED_CLAIMS = frozenset(
    {"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "status", "cnf", "_sd", "_sd_alg", "..."}
)
# 2^17 two-bit entries: a 32 KiB list, a few hundred bytes compressed while mostly valid, and
# a crowd of 131 072 credentials each one hides in when its verifier fetches the list.
STATUS_LIST_CAPACITY = 2**17
STATUS_LIST_BITS = 2
VCT_MAX_LENGTH = 200


@dataclass(frozen=True)
class IssuedCredential:
    """A credential as issued: ``compact`` is the SD-JWT with every disclosure (ending in
    ``~``), for the holder; the status list and index are what ``credential_status_set`` takes."""

    compact: str
    status_list_id: int
    status_index: int
    kid: str


def _key_create(department: Department) -> SigningKey:
    alg = SigningAlgorithm(settings.TONGBAN_CREDENTIAL_ALG)
    kid, public_jwk, pem = keys.key_generate(alg)
    key = SigningKey.objects.create(
        department=department, kid=kid, alg=alg, public_jwk=public_jwk, private_key=pem
    )
    audit_record(
        action="credentials.key_created",
        target=key,
        details={"department": department.code, "kid": kid, "alg": alg.value},
    )
    return key


def _active_key(department: Department) -> SigningKey:
    """The department's key in use, made on first need. Two first issuances at once both try
    to make it; the partial unique index lets one win and the other reads the winner's (the
    loser's INSERT fails before its audit entry is recorded, so none is left in the batch)."""
    key = SigningKey.objects.filter(department=department, retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _key_create(department)
    except IntegrityError:
        return SigningKey.objects.get(department=department, retired_at__isnull=True)


def _status_index_allocate(department: Department) -> tuple[StatusList, int]:
    """The next free index of the department's open status list (a new list once all are
    full), taken under the list's row lock: concurrent issuances never share an index."""
    status_list = (
        StatusList.objects.select_for_update()
        .filter(department=department, next_index__lt=models.F("capacity"))
        .only("id", "next_index")  # not the 32 KiB of bits
        .order_by("id")
        .first()
    )
    if status_list is None:
        status_list = StatusList.objects.create(
            department=department,
            bits=STATUS_LIST_BITS,
            capacity=STATUS_LIST_CAPACITY,
            data=statuslist.empty(STATUS_LIST_CAPACITY, STATUS_LIST_BITS),
        )
    index = status_list.next_index
    StatusList.objects.filter(pk=status_list.pk).update(next_index=index + 1)
    return status_list, index


def _check_claims(vct: str, claims: dict, disclosable: Sequence[str]) -> None:
    if not isinstance(vct, str) or not vct.strip() or len(vct) > VCT_MAX_LENGTH:
        raise invalid(
            CredentialError.VCT,
            _("凭证类型 vct 须为 1 到 %(n)d 个字符。") % {"n": VCT_MAX_LENGTH},
            "vct",
        )
    reserved = sorted(RESERVED_CLAIMS.intersection(claims))
    if reserved:
        raise invalid(
            CredentialError.CLAIMS_RESERVED,
            _("声明名 %(names)s 由签发方设定，不能作为凭证内容。") % {"names": "、".join(reserved)},
            "claims",
        )
    unknown = sorted(set(disclosable) - set(claims))
    if unknown:
        raise invalid(
            CredentialError.DISCLOSABLE_UNKNOWN,
            _("可选择披露的 %(names)s 不在凭证内容中。") % {"names": "、".join(unknown)},
            "disclosable",
        )
    try:
        json.dumps(claims, allow_nan=False)
    except (TypeError, ValueError):
        raise invalid(
            CredentialError.CLAIMS_NOT_JSON, _("凭证内容须能表示为 JSON。"), "claims"
        ) from None


def _epoch(moment: datetime, field: str) -> int:
    if timezone.is_naive(moment):
        raise invalid(CredentialError.VALIDITY, _("有效期须带时区。"), field)
    return int(moment.timestamp())


@audited_atomic
def credential_issue(
    *,
    issuer: Department,
    vct: str,
    claims: dict[str, Any],
    disclosable: Sequence[str],
    valid_from: datetime,
    valid_until: datetime | None,
) -> IssuedCredential:
    """Sign an SD-JWT VC of type ``vct`` for ``issuer`` carrying ``claims``, those named in
    ``disclosable`` behind disclosures (the holder shows them or not), valid from
    ``valid_from`` (``nbf``) until ``valid_until`` (``exp``; None: no end), with a fresh index in
    the issuer's status list. Not durable: it joins the caller's transaction."""
    _check_claims(vct, claims, disclosable)
    nbf = _epoch(valid_from, "valid_from")
    exp = None if valid_until is None else _epoch(valid_until, "valid_until")
    if exp is not None and exp <= nbf:
        raise invalid(CredentialError.VALIDITY, _("有效期截止须晚于起始。"), "valid_until")
    key = _active_key(issuer)
    status_list, index = _status_index_allocate(issuer)
    chosen = set(disclosable)
    payload: dict[str, Any] = {
        "iss": identifiers.issuer_id(issuer.code),
        "iat": int(timezone.now().timestamp()),
        "nbf": nbf,
        **({"exp": exp} if exp is not None else {}),
        "vct": vct,
        "status": {
            "status_list": {
                "idx": index,
                "uri": identifiers.status_list_uri(issuer.code, status_list.pk),
            }
        },
        **{name: value for name, value in claims.items() if name not in chosen},
    }
    header = {"alg": key.alg, "typ": "dc+sd-jwt", "kid": key.kid}
    compact = sdjwt.encode(
        payload=payload,
        disclosable={name: claims[name] for name in claims if name in chosen},
        sign=lambda body: keys.sign(header=header, payload=body, pem=key.private_key, alg=key.alg),
    )
    audit_record(
        action="credentials.issued",
        target=status_list,
        details={"vct": vct, "kid": key.kid, "status_index": index},
    )
    return IssuedCredential(
        compact=compact, status_list_id=status_list.pk, status_index=index, kid=key.kid
    )


@audited_atomic
def credential_status_set(
    *, status_list_id: int, status_index: int, status: CredentialStatus
) -> None:
    """Set one credential's entry in its status list: VALID, SUSPENDED (and back) or INVALID
    (revoked, which is final). Not durable: it joins the caller's transaction. Verifiers in
    this process see it at once, other processes within ``TONGBAN_CREDENTIAL_STATUS_TTL``
    seconds, and holders of a published list when their copy's ``ttl`` runs out."""
    status = CredentialStatus(status)
    status_list = StatusList.objects.select_for_update().filter(pk=status_list_id).first()
    if status_list is None:
        raise status_list_not_found()
    if not 0 <= status_index < status_list.next_index:
        raise invalid(CredentialError.STATUS_INDEX, _("状态列表中没有这个序号。"), "status_index")
    data = bytearray(status_list.data)
    before = statuslist.get(data, status_index, status_list.bits)
    if before == status:
        return
    if before == CredentialStatus.INVALID:
        raise status_final()
    statuslist.put(data, status_index, status_list.bits, status)
    status_list.data = bytes(data)
    status_list.updated_at = timezone.now()
    status_list.save(update_fields=["data", "updated_at"])
    audit_record(
        action="credentials.status_set",
        target=status_list,
        details={"status_index": status_index, "from": before, "to": int(status)},
    )
    status_cache_clear(status_list_id)
    transaction.on_commit(lambda: status_cache_clear(status_list_id))


@audited_atomic(durable=True)
def signing_key_rotate(*, by: Staff | None, department: Department) -> SigningKey:
    """Retire the department's key in use and make a new one, which signs from now on. The
    retired key stays published (by its kid) so that what it signed still verifies. ``by`` is
    the platform admin asking, or None for the server's operator (``tongban credentials
    rotate-key``, run by whoever holds the server and its database)."""
    if by is not None:
        authorize_key_rotation(by)
    old = (
        SigningKey.objects.select_for_update()
        .filter(department=department, retired_at__isnull=True)
        .first()
    )
    if old is not None:
        old.retired_at = timezone.now()
        old.save(update_fields=["retired_at"])
    new = _key_create(department)
    audit_record(
        action="credentials.key_rotated",
        actor=by.account if by is not None else None,
        target=new,
        details={"department": department.code, "old_kid": old.kid if old else "", "kid": new.kid},
    )
    return new

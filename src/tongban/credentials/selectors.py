"""What credentials publish: issuer metadata with its key set, and status list tokens. All of
it is public (verifiers anywhere fetch it); none of it holds a private key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from . import identifiers, keys, statuslist
from .errors import issuer_not_found, status_list_not_found
from .models import SigningKey, StatusList
from .sdjwt import dumps

STATUS_LIST_MEDIA_TYPE = "application/statuslist+jwt"


def issuer_jwks(code: str) -> dict[str, Any]:
    """Every key department ``code`` has signed with, in use and retired, as a JWK Set; each
    JWK carries its ``kid``, which a credential's header names. 404 for a department that
    has no key (it has issued nothing)."""
    jwks = list(
        SigningKey.objects.filter(department__code=code)
        .order_by("created_at", "id")
        .values_list("public_jwk", flat=True)
    )
    if not jwks:
        raise issuer_not_found()
    return {"keys": jwks}


def issuer_metadata(code: str) -> dict[str, Any]:
    """The JWT VC Issuer Metadata (SD-JWT VC, section 5): ``issuer`` exactly as credentials
    carry it in ``iss``, and its key set inline (``jwks``)."""
    return {"issuer": identifiers.issuer_id(code), "jwks": issuer_jwks(code)}


def status_list_token(code: str, list_id: int) -> str:
    """The status list token of department ``code``'s list ``list_id`` (draft-ietf-oauth-
    status-list, section 5.1), signed now with the department's key in use: ``sub`` its URI,
    ``ttl`` how long a verifier may cache it, ``exp`` when it stops counting."""
    status_list = (
        StatusList.objects.filter(pk=list_id, department__code=code).only("bits", "data").first()
    )
    key = SigningKey.objects.filter(department__code=code, retired_at__isnull=True).first()
    if status_list is None or key is None:
        raise status_list_not_found()
    now = int(timezone.now().timestamp())
    payload = {
        "iss": identifiers.issuer_id(code),
        "sub": identifiers.status_list_uri(code, list_id),
        "iat": now,
        "exp": now + settings.TONGBAN_STATUS_LIST_LIFETIME,
        "ttl": settings.TONGBAN_STATUS_LIST_TTL,
        "status_list": {
            "bits": status_list.bits,
            "lst": statuslist.encode(bytes(status_list.data)),
        },
    }
    header = {"alg": key.alg, "typ": "statuslist+jwt", "kid": key.kid}

    return keys.sign(header=header, payload=dumps(payload), pem=key.private_key, alg=key.alg)


def issuer_keyset(code: str) -> dict[str, Any]:
    """What a verifier saves to verify offline (``tongban credentials keyset``): the issuer
    metadata, and the current token of each of the issuer's status lists by its URI."""
    lists = StatusList.objects.filter(department__code=code).order_by("id")
    return {
        **issuer_metadata(code),
        "status_lists": {
            identifiers.status_list_uri(code, pk): status_list_token(code, pk)
            for pk in lists.values_list("pk", flat=True)
        },
    }

"""``POST /api/v1/licences/verify``: anyone may ask whether a presented credential holds."""

from typing import Any

from ninja import Router, Schema

from tongban.core.api import ERRORS

from .choices import VerificationResult
from .errors import too_large
from .verify import MAX_CREDENTIAL_LENGTH, verify

router = Router(tags=["licences"])


class VerifyIn(Schema):
    credential: str


class VerifyOut(Schema):
    result: VerificationResult
    issuer: str
    vct: str
    kid: str
    status_checked: bool
    disclosed: dict[str, Any]


@router.post("/verify", response={200: VerifyOut, **ERRORS}, auth=None)
def licence_verify(request, payload: VerifyIn):
    """Verify an SD-JWT VC against our issuers' keys and status lists. Every readable request
    is answered 200 with the ``result`` (``valid`` only if it holds) and, once its signature
    holds, the issuer, type, key and the claims it shows; too long a credential is 413."""
    if len(payload.credential) > MAX_CREDENTIAL_LENGTH:
        raise too_large(MAX_CREDENTIAL_LENGTH)
    checked = verify(payload.credential)
    return VerifyOut(
        result=checked.result,
        issuer=checked.issuer,
        vct=checked.vct,
        kid=checked.kid,
        status_checked=checked.status_checked,
        disclosed=checked.disclosed,
    )

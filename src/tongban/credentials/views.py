"""The public doors verifiers fetch: issuer metadata, the JWKS, status list tokens. GET and
HEAD only, no session, cacheable, and open to other origins (a wallet in a browser fetches
them)."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from tongban.core.errors import DomainError

from . import selectors

# Keys change only by rotation, and a new key signs nothing a verifier has seen until it is
# published: an hour's cache is safe.
KEYS_MAX_AGE = 3600


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=max_age)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _refused(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


@require_safe
def issuer_metadata(request, code: str):
    """``/.well-known/jwt-vc-issuer/issuers/<code>``: SD-JWT VC issuer metadata."""
    try:
        return _public(JsonResponse(selectors.issuer_metadata(code)), KEYS_MAX_AGE)
    except DomainError as exc:
        return _refused(exc)


@require_safe
def issuer_jwks(request, code: str):
    """``/issuers/<code>/jwks``: the same key set on its own (RFC 7517 media type)."""
    try:
        body = selectors.issuer_jwks(code)
    except DomainError as exc:
        return _refused(exc)
    response = JsonResponse(body, content_type="application/jwk-set+json")
    return _public(response, KEYS_MAX_AGE)


@require_safe
def status_list(request, code: str, list_id: int):
    """``/issuers/<code>/status-lists/<id>``: the signed status list token."""
    try:
        token = selectors.status_list_token(code, list_id)
    except DomainError as exc:
        return _refused(exc)
    response = HttpResponse(token, content_type=selectors.STATUS_LIST_MEDIA_TYPE)
    return _public(response, settings.TONGBAN_STATUS_LIST_TTL)

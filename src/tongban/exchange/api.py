"""The exchange API for department systems, ``/api/v1/exchange/``. Each call carries an
OAuth2 access token (RFC 6750 ``Authorization: Bearer``) that our identity provider issued
to the system by the client-credentials grant with the ``exchange`` scope. Thin: parse → call
a service → shape; every call, answered or refused (a missing or forged token included), is
recorded by the services and audited."""

import datetime as dt
import functools
import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from ninja.security import HttpBearer
from oauth2_provider.oauth2_backends import get_oauthlib_core

from tongban.core.api import ERRORS

from . import cached, selectors, services
from .errors import ExchangeError, token_invalid
from .models import ExchangeClient

SCOPE = "exchange"

router = Router(tags=["exchange"])


def _operation(request) -> str:
    parts = request.path_info.strip("/").split("/")
    name = parts[3] if len(parts) > 3 else ""
    return name if name in {"resources", "query", "receipts", "subscriptions"} else "unknown"


def _validated(request: HttpRequest) -> tuple[ExchangeClient, dt.datetime] | None:
    """django-oauth-toolkit's check of the bearer token (checksum, expiry, scope, application),
    then its registered, active exchange client: (client, the token's expiry), else None."""
    valid, oauth = get_oauthlib_core().verify_request(request, scopes=[SCOPE])
    if not valid or oauth.access_token is None or oauth.access_token.application is None:
        return None
    client = (
        ExchangeClient.objects.select_related("department")
        .filter(client_id=oauth.access_token.application.client_id, revoked_at__isnull=True)
        .first()
    )
    return (client, oauth.access_token.expires) if client is not None else None


class ClientToken(HttpBearer):
    """An exchange client's access token: valid (DOT checks its checksum and expiry), of the
    ``exchange`` scope, of a registered, active exchange client. Anything else is 401
    ``exchange.token_invalid``, recorded as a refused call.

    A token found valid is kept per process (``cached``, keyed by its SHA-256) with its client
    and expiry, for ``TONGBAN_EXCHANGE_CACHE_TTL`` seconds; its ``expires`` is compared with the
    clock on every call, and a token deleted (revoked) or a client revoked on another node stops
    working here within that TTL."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest):
        client = None
        header = request.headers.get("Authorization", "")
        raw = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if raw:
            key = ("token", hashlib.sha256(raw.encode()).hexdigest())
            held = cached.kept(key, functools.partial(_validated, request))
            if held is not None and held[1] > timezone.now():
                client = held[0]
            elif held is not None:
                cached.drop(key)
        operation = _operation(request)
        if client is None:
            services.call_refused_record(
                operation=operation, code=ExchangeError.TOKEN_INVALID, status=401
            )
            raise token_invalid()
        # input the API refuses before the operation runs is recorded as this client's call
        request.tongban_on_refusal = functools.partial(
            services.call_refused_record, operation=operation, client=client
        )
        return client

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None


client_token = ClientToken()


class ResourceOut(Schema):
    code: str
    name: str
    provider: str
    dataset: str
    fields: list[str]
    access_methods: list[str]
    expires_at: dt.datetime


class QueryIn(Schema):
    resource: str = Field("", max_length=50)
    key: str = Field("", max_length=64)
    purpose: str = Field("", max_length=500)
    fields: list[str] | None = Field(None, max_length=50)


class QueryOut(Schema):
    receipt_id: str
    resource: str
    key: str
    fields: dict[str, str | None]
    receipt: str


class ReceiptOut(Schema):
    receipt_id: str
    at: dt.datetime
    receipt: str


class SubscriptionIn(Schema):
    resource: str = Field("", max_length=50)
    endpoint: str = Field("", max_length=300)
    keys: list[str] = Field(default_factory=list, max_length=1000)


class SubscriptionOut(Schema):
    id: int
    resource: str
    endpoint: str
    keys: int


class JwksOut(Schema):
    keys: list[dict[str, Any]]


def _client(request) -> ExchangeClient:
    client = request.auth
    assert isinstance(client, ExchangeClient)
    return client


@router.get("/resources", response={200: list[ResourceOut], **ERRORS}, auth=client_token)
def resources(request):
    return services.exchange_resources(client=_client(request))


@router.post("/query", response={200: QueryOut, **ERRORS}, auth=client_token)
def query(request, payload: QueryIn):
    return services.exchange_query(client=_client(request), **payload.dict())


@router.get("/receipts/{receipt_id}", response={200: ReceiptOut, **ERRORS}, auth=client_token)
def receipt(request, receipt_id: str = Path(..., max_length=36)):
    call = services.exchange_receipt(client=_client(request), receipt_id=receipt_id)
    return selectors.receipt_body(call)


@router.post("/subscriptions", response={201: SubscriptionOut, **ERRORS}, auth=client_token)
def subscribe(request, payload: SubscriptionIn):
    subscription = services.subscription_create(client=_client(request), **payload.dict())
    body = {
        "id": subscription.pk,
        "resource": payload.resource,
        "endpoint": subscription.endpoint,
        "keys": subscription.keys.count(),
    }
    return Status(201, body)


@router.get("/jwks", response={200: JwksOut, **ERRORS}, auth=None)
def jwks(request):
    """The platform's receipt keys (public): save them to check receipts offline."""
    return selectors.jwks()

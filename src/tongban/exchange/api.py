"""The exchange API for department systems, ``/api/v1/exchange/``. Each call carries an
OAuth2 access token (RFC 6750 ``Authorization: Bearer``) that our identity provider issued
to the system by the client-credentials grant with the ``exchange`` scope. Thin: parse → call
a service → shape; every call, answered or refused (a missing or forged token included), is
recorded by the services and audited."""

import datetime as dt
import functools
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.security import HttpBearer
from oauth2_provider.oauth2_backends import get_oauthlib_core

from tongban.core.api import ERRORS

from . import selectors, services
from .errors import ExchangeError, token_invalid
from .models import ExchangeClient

SCOPE = "exchange"

router = Router(tags=["exchange"])


def _operation(request) -> str:
    parts = request.path_info.strip("/").split("/")
    name = parts[3] if len(parts) > 3 else ""
    return name if name in {"resources", "query", "receipts", "subscriptions"} else "unknown"


class ClientToken(HttpBearer):
    """An exchange client's access token: valid (DOT checks its checksum and expiry), of the
    ``exchange`` scope, of a registered, active exchange client. Anything else is 401
    ``exchange.token_invalid``, recorded as a refused call."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest):
        client = None
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            valid, oauth = get_oauthlib_core().verify_request(request, scopes=[SCOPE])
            if valid and oauth.access_token is not None:
                application = oauth.access_token.application
                if application is not None:
                    client = (
                        ExchangeClient.objects.select_related("department")
                        .filter(client_id=application.client_id, revoked_at__isnull=True)
                        .first()
                    )
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

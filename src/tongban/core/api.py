"""What every API shares: how it answers an error (``{"code", "message", "fields"}`` with the
right 4xx, documented on each operation), the strict JSON body parser, and bounded schema types
(row ids, offsets, local times) so that limits are refused as 422s and documented in OpenAPI."""

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from pydantic import AfterValidator, Field, WithJsonSchema

from . import inputs
from .errors import DomainError


class ErrorOut(Schema):
    """The one error shape: a stable dotted ``code``, a human ``message`` and, per field, what
    is wrong with it."""

    code: str
    message: str
    fields: dict[str, str]


# Every answer an operation can give besides its success: bad input (400, 422), not signed in
# (401), not allowed (403), not found (404), conflicting state (409), body too large (413),
# rate limited (429). Operations list them as ``response={200: Out, **ERRORS}``.
ERRORS = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422, 429)}


# Ids and offsets a database can hold: larger ones are refused as invalid (422), documented as
# the schema's maximum, instead of overflowing a 64-bit column (SQLite raises, a 500).
MAX_ROW_ID = 2**63 - 1
MAX_OFFSET = 100_000
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def _local(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError(_("时间不带时区（按平台所在地时间）"))
    return value


# A time of day at the platform's place, without a zone: OpenAPI's ``format: time`` would demand
# one (RFC 3339), so it is documented as a pattern.
LocalTime = Annotated[
    dt.time,
    AfterValidator(_local),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "description": "当地时间 HH:MM[:SS]，不带时区",
        }
    ),
]


class StrictParser(Parser):
    """JSON bodies by ``core.inputs.loads``: no NaN/Infinity, no overflowing numbers, no deep
    nesting, no NUL bytes or lone surrogates."""

    def parse_body(self, request):
        return inputs.loads(request.body)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "payload")]
    return ".".join(parts) or "body"


def _refusal_noted(request, *, status: int, code: str) -> None:
    """An operation whose calls are all recorded, refused ones included (the exchange's), sets
    ``request.tongban_on_refusal`` once it knows the caller: input refused before the operation
    runs (a body of wrong types, an unparseable one) is then recorded too. A domain error is
    the operation's own to record."""
    hook = getattr(request, "tongban_on_refusal", None)
    if hook is not None:
        hook(status=status, code=code)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields = {_field_name(e.get("loc", ())): e.get("msg", "") for e in exc.errors}
        body = {"code": "invalid_input", "message": _("请求参数不合法"), "fields": fields}
        _refusal_noted(request, status=422, code="invalid_input")
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        body = {"code": "not_authenticated", "message": _("请先登录"), "fields": {}}
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        body = {"code": "not_found", "message": _("未找到。"), "fields": {}}
        return api.create_response(request, body, status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # ninja wraps whatever the body parser raises; a coded refusal keeps its own code.
        if isinstance(exc.__cause__, DomainError):
            cause = exc.__cause__
            _refusal_noted(request, status=cause.status, code=cause.code)
            return domain_error(request, cause)
        body = {"code": f"http_{exc.status_code}", "message": str(exc), "fields": {}}
        _refusal_noted(request, status=exc.status_code, code=body["code"])
        return api.create_response(request, body, status=exc.status_code)

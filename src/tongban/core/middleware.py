from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from . import context
from .errors import BadRequest, DomainError, PayloadTooLarge
from .inputs import bad_text, refuse_bad_text
from .web import error_page

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class RequestContextMiddleware:
    """Binds the client address and user agent for the audit log.

    REMOTE_ADDR is used as is: behind a reverse proxy, the proxy must set it (gunicorn's
    ``--forwarded-allow-ips``); X-Forwarded-For from the open internet is never trusted here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(
            context.RequestContext(
                ip=request.META.get("REMOTE_ADDR", ""),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class InputGuardMiddleware:
    """Refuses, before any view, input no view can handle: a NUL byte or a lone surrogate in the
    path, the query or a form field, a form that cannot be parsed (multipart without a
    boundary) and a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413). API clients get the one
    JSON error shape, people the error page. JSON bodies are checked by the API's parser
    (``core.api.StrictParser``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            _check_request(request)
        except DomainError as exc:
            if request.path.startswith("/api/"):
                return JsonResponse(exc.as_dict(), status=exc.status)
            return error_page(request, exc)
        return self.get_response(request)


def _check_request(request) -> None:
    if bad_text(request.path):
        raise refuse_bad_text("path")
    _check_fields(request.GET, "query")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    try:
        if request.content_type in FORM_TYPES:
            _check_fields(request.POST, "body")
        elif request.path.startswith("/api/"):
            request.body  # noqa: B018 - reading it enforces DATA_UPLOAD_MAX_MEMORY_SIZE here
    except RequestDataTooBig:
        message = _("请求内容过大。")
        raise PayloadTooLarge("input.too_large", message, fields={"body": message}) from None
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        message = _("表单格式不正确，无法解析。")
        raise BadRequest("input.form_invalid", message, fields={"body": message}) from None


def _check_fields(data, where: str) -> None:
    """Each field by its name; a field whose very name is unsafe by where it came (query, body)."""
    for key, values in data.lists():
        if bad_text(key):
            raise refuse_bad_text(where)
        if any(bad_text(v) for v in values):
            raise refuse_bad_text(key)

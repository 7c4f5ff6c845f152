"""Who is asking, and from where: set per request by the middleware, read by the audit log."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""


_ANONYMOUS = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("tongban_request", default=_ANONYMOUS)


def current() -> RequestContext:
    return _current.get()


def bind(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)

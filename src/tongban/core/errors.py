"""Domain errors with stable codes.

Services raise these; the API handler (``core.api``) and page views turn them into 4xx
responses with ``code``, a human ``message`` (Chinese) and per-field details. A stable code
lets clients and tests tell errors apart without parsing prose.
"""

from collections.abc import Mapping


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, fields: Mapping[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = dict(fields or {})

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class BadRequest(DomainError):
    """Input refused before any rule looks at it: malformed, unsafe to store or to parse."""

    status = 400


class PayloadTooLarge(DomainError):
    status = 413


class InvalidInput(DomainError):
    status = 422


class NotAuthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Gone(DomainError):
    """What was there once and is no more (a revoked or expired link)."""

    status = 410


class Conflict(DomainError):
    status = 409


class TooManyRequests(DomainError):
    status = 429

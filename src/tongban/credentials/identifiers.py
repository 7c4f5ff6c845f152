"""The public names of issuers and status lists, and reading them back.

An issuer is ``<TONGBAN_PUBLIC_URL>/issuers/<department code>``; its metadata is at
``<origin>/.well-known/jwt-vc-issuer/issuers/<code>`` (the well-known segment inserted between
the host and the path, as SD-JWT VC says) and its status lists at ``<issuer>/status-lists/<id>``.
"""

import re

from django.conf import settings

_ISSUER = re.compile(r"/issuers/(?P<code>[-a-zA-Z0-9_]+)")
_STATUS_LIST = re.compile(
    r"/issuers/(?P<code>[-a-zA-Z0-9_]+)/status-lists/(?P<id>[1-9][0-9]{0,17})"
)


def issuer_id(code: str) -> str:
    return f"{settings.TONGBAN_PUBLIC_URL}/issuers/{code}"


def status_list_uri(code: str, list_id: int) -> str:
    return f"{issuer_id(code)}/status-lists/{list_id}"


def issuer_code(iss: object) -> str | None:
    """The department code of one of our issuer identifiers, else None."""
    base = settings.TONGBAN_PUBLIC_URL
    if not isinstance(iss, str) or not iss.startswith(base):
        return None
    match = _ISSUER.fullmatch(iss, len(base))
    return match["code"] if match else None


def status_list_id(uri: object, code: str) -> int | None:
    """The id of one of issuer ``code``'s status lists named by ``uri``, else None."""
    base = settings.TONGBAN_PUBLIC_URL
    if not isinstance(uri, str) or not uri.startswith(base):
        return None
    match = _STATUS_LIST.fullmatch(uri, len(base))
    return int(match["id"]) if match and match["code"] == code else None

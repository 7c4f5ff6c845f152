"""Signed credentials (tongban.credentials): where issuers live, how they sign, how long a
published status list may be cached.

``TONGBAN_PUBLIC_URL`` is the site's public origin (``https://zwfw.example.gov.cn``: scheme,
host and port, no path, no trailing slash). Credentials are issued by services that have no
request, and their ``iss`` must equal what the issuer metadata says, so the origin is a setting,
not the request's host: department ``code`` issues as ``<TONGBAN_PUBLIC_URL>/issuers/<code>``.
It falls back to ``TONGBAN_OIDC_ISSUER`` (the same origin when set) and then to the local demo.
"""

import os

TONGBAN_PUBLIC_URL = (
    os.environ.get("TONGBAN_PUBLIC_URL")
    or os.environ.get("TONGBAN_OIDC_ISSUER")
    or "http://127.0.0.1:8000"
).rstrip("/")
# The algorithm of keys created from now on: "Ed25519" (EdDSA over Ed25519, RFC 9864's name)
# or "ES256" (ECDSA P-256, what some wallets insist on). Existing keys keep their own.
TONGBAN_CREDENTIAL_ALG = os.environ.get("TONGBAN_CREDENTIAL_ALG", "Ed25519")
# A published status list token says verifiers may cache it this many seconds (its ``ttl``
# and the response's Cache-Control max-age), and expires this many seconds after it is made.
TONGBAN_STATUS_LIST_TTL = int(os.environ.get("TONGBAN_STATUS_LIST_TTL", 300))
TONGBAN_STATUS_LIST_LIFETIME = int(os.environ.get("TONGBAN_STATUS_LIST_LIFETIME", 24 * 3600))
# Seconds a process trusts the status bits it last read before reading them again (online
# verification); a change made in the process counts at once.
TONGBAN_CREDENTIAL_STATUS_TTL = float(os.environ.get("TONGBAN_CREDENTIAL_STATUS_TTL", 2))

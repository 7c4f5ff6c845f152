"""Pre-created OIDC authorization codes for the token-endpoint benchmark (and its test).

The authorization step (login, consent, redirect) is not what the token benchmark measures, so
the codes it would have produced are written straight through django-oauth-toolkit's models:
one ``Grant`` per code, each with its own PKCE S256 challenge, for a registered confidential
client. Every benchmark request then redeems one code, exactly as a relying party would.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

CLIENT_ID = "tongban-bench-rp"
REDIRECT_URI = "http://127.0.0.1/bench/callback"
SCOPES = "openid profile"


@dataclass(frozen=True)
class BenchClient:
    client_id: str
    client_secret: str
    redirect_uri: str

    def basic_auth(self) -> str:
        """The ``Authorization`` header value (client_secret_basic, RFC 6749 §2.3.1)."""
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


@dataclass(frozen=True)
class PreparedCode:
    code: str
    verifier: str

    def token_form(self, client: BenchClient) -> dict[str, str]:
        return {
            "grant_type": "authorization_code",
            "code": self.code,
            "redirect_uri": client.redirect_uri,
            "code_verifier": self.verifier,
        }

    def token_body(self, client: BenchClient) -> str:
        return urlencode(self.token_form(client))


def pkce_pair() -> tuple[str, str]:
    """A code verifier (RFC 7636 §4.1: 43-128 unreserved characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def client_create(*, client_id: str = CLIENT_ID, redirect_uri: str = REDIRECT_URI) -> BenchClient:
    """Register (or re-register) the bench's confidential relying party.

    The secret is stored hashed, as DOT does by default for every client, so a token request
    pays for the same client authentication it pays for in production."""
    from oauth2_provider.models import get_application_model

    application_model = get_application_model()
    secret = secrets.token_urlsafe(32)
    application_model.objects.filter(client_id=client_id).delete()
    application_model.objects.create(
        name="Tongban bench relying party",
        client_id=client_id,
        client_secret=secret,
        hash_client_secret=True,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=application_model.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return BenchClient(client_id=client_id, client_secret=secret, redirect_uri=redirect_uri)


def codes_create(
    *,
    client: BenchClient,
    account,
    count: int,
    scope: str = SCOPES,
    valid_for: timedelta = timedelta(hours=1),
) -> list[PreparedCode]:
    """``count`` single-use authorization codes for ``account``, as the authorize endpoint
    would have issued them. They stay valid for ``valid_for`` (not the 60 s a real code gets)
    because they are made before the run rather than a moment before each request."""
    from django.db import transaction
    from django.utils import timezone
    from oauth2_provider.models import get_application_model, get_grant_model

    grant_model = get_grant_model()
    application = get_application_model().objects.get(client_id=client.client_id)
    expires = timezone.now() + valid_for
    prepared, grants = [], []
    for _ in range(count):
        verifier, challenge = pkce_pair()
        code = secrets.token_urlsafe(30)
        prepared.append(PreparedCode(code=code, verifier=verifier))
        grants.append(
            grant_model(
                user=account,
                code=code,
                application=application,
                expires=expires,
                redirect_uri=client.redirect_uri,
                scope=scope,
                code_challenge=challenge,
                code_challenge_method=grant_model.CODE_CHALLENGE_S256,
                nonce=secrets.token_urlsafe(16),
            )
        )
    with transaction.atomic():
        grant_model.objects.bulk_create(grants, batch_size=500)
    return prepared

"""The OpenID Connect provider's claims, and the audit of what a user lets a client see.

Departmental systems (relying parties) log users in through django-oauth-toolkit's
authorization code flow with PKCE (S256). The same claims go into the ID token and the userinfo
response, chosen by the scopes the client was granted; a claim without a value is left out,
never sent as null.

=================  ==========  ================================================================
claim              scope       value
=================  ==========  ================================================================
sub                openid      opaque, stable per account: HMAC-SHA256 of the account id under
                               the platform's lookup-hash key (``core.crypto.lookup_hash``).
                               Not the database id, so clients cannot count or enumerate users.
account_kind       openid      ``person`` or ``staff``
id_number_masked   openid      persons: the ID number with digits 5-14 hidden, e.g.
                               ``3101**********1234``
name               profile     persons: the real name; staff: their display name
id_number          id_number   persons: the full 18-character ID number
uscc               enterprise  persons acting for an enterprise *right now* (legal
enterprise_name    enterprise  representative, or agent with a live authorization: checked
                               again at every token and userinfo request through
                               ``selectors.acting_entity``): its USCC and name
department         staff       staff: ``{"code": ..., "name": ...}`` of their department
roles              staff       staff: their role codes, sorted (``StaffRoleName``)
=================  ==========  ================================================================

Every authorization code issued is audit-logged as ``identity.oidc.authorized`` with the client
and the scopes; for a person the entry carries ``subject_person_id``, so it shows in their
security log. Logging out through a client (RP-initiated logout) is logged as
``identity.logout`` like any other logout.

Beyond django-oauth-toolkit's defaults:

- ``prompt=none`` is answered without a page: the code if the user is signed in and the client
  needs no consent (``skip_authorization``, or a live earlier grant with
  ``approval_prompt=auto``), else ``login_required`` or ``consent_required`` to the client
  (OpenID Connect Core 3.1.2.6).
- A code exchanged twice revokes the tokens of its first exchange (RFC 6749 section 4.1.2).
- Userinfo refuses an access token in the query string (RFC 9700 section 4.3.2), which DOT
  checks for resource views only.
- The Content-Security-Policy's ``form-action 'self'`` is widened, on the pages of a login into
  a client system, to that client's registered addresses (``CSPMiddleware``): browsers apply
  ``form-action`` to the redirect that follows a posted form too.
"""

import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView as DOTAuthorizationView
from oauth2_provider.views import RPInitiatedLogoutView
from oauth2_provider.views import UserInfoView as DOTUserInfoView
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError
from oauthlib.openid.connect.core.exceptions import ConsentRequired

from tongban.core.audit import audit_record
from tongban.core.crypto import lookup_hash
from tongban.core.errors import InvalidInput

from . import selectors, services
from .choices import AccountKind
from .errors import IdentityError
from .models import Account, RedeemedAuthorizationCode, Staff

CLAIM_SCOPES: dict[str, str] = {
    "sub": "openid",
    "account_kind": "openid",
    "id_number_masked": "openid",
    "name": "profile",
    "id_number": "id_number",
    "uscc": "enterprise",
    "enterprise_name": "enterprise",
    "department": "staff",
    "roles": "staff",
}


def oidc_subject(account: Account) -> str:
    """The ``sub`` of an account: stable, opaque, the same for every client.

    Derived rather than stored, so it needs no column: it is as stable as ``TONGBAN_FIELD_KEY``,
    which must never change anyway (the ID-number lookup hashes depend on it)."""
    return lookup_hash(str(account.pk), purpose="identity.oidc.sub")


def oidc_claims(account: Account, *, scopes) -> dict:
    """The claims about ``account`` that the granted ``scopes`` release (see the table above)."""
    scopes = set(scopes)
    claims: dict = {"sub": oidc_subject(account), "account_kind": account.kind}
    if account.kind == AccountKind.PERSON:
        person = selectors.person_for_account(account)
        if person is None:
            return claims
        claims["id_number_masked"] = person.id_number_masked
        if "profile" in scopes:
            claims["name"] = person.name
        if "id_number" in scopes:
            claims["id_number"] = person.id_number
        if "enterprise" in scopes:
            entity = selectors.acting_entity(account)
            if entity is not None:
                claims["uscc"], claims["enterprise_name"] = entity.uscc, entity.name
    else:
        if "profile" in scopes:
            claims["name"] = account.display_name
        if "staff" in scopes:
            staff = (
                Staff.objects.select_related("department")
                .prefetch_related("roles")
                .filter(account=account)
                .first()
            )
            if staff is not None:
                department = staff.department
                claims["department"] = {"code": department.code, "name": department.name}
                claims["roles"] = sorted(staff.role_names())
    return claims


def oidc_authorized_record(*, account: Account, application, scopes) -> None:
    """Audit an authorization code issued to a client; a person sees it in their security log."""
    person = selectors.person_for_account(account) if account.kind == AccountKind.PERSON else None
    audit_record(
        action="identity.oidc.authorized",
        actor=account,
        target=application,
        subject_person_id=person.pk if person else None,
        details={
            "client": application.name,
            "client_id": application.client_id,
            "scopes": " ".join(sorted(scopes)),
        },
    )


@transaction.atomic
def oidc_client_register(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: tuple[str, ...] | list[str] = (),
    confidential: bool = True,
    skip_authorization: bool = False,
):
    """Register a client system (relying party) for the code flow with RS256 ID tokens.

    Returns ``(application, secret)``. The secret is stored hashed: this is the only time it
    is seen (empty for a public client, which authenticates by PKCE alone)."""
    Application = get_application_model()
    secret = generate_client_secret() if confidential else ""
    application = Application(
        name=(name or "").strip(),
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=skip_authorization,
        client_secret=secret,
        hash_client_secret=True,
    )
    fields = {}
    if not application.name:
        fields["name"] = _("请填写接入系统名称。")
    if not redirect_uris:
        fields["redirect_uris"] = _("请至少填写一个回调地址。")
    try:
        application.full_clean()
    except ValidationError as exc:
        fields.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if fields:
        raise InvalidInput(
            IdentityError.OIDC_CLIENT_INVALID, _("接入系统信息有误。"), fields=fields
        )
    application.save()
    audit_record(
        action="identity.oidc.client_registered",
        target=application,
        details={
            "client": application.name,
            "client_id": application.client_id,
            "client_type": application.client_type,
            "redirect_uris": application.redirect_uris,
        },
    )
    return application, secret


def _checksum(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def code_redeemed_record(*, code: str, refresh_token: str) -> None:
    """Remember that ``code`` was exchanged, and for which token family.

    Rows are kept as long as a refresh token lives: after that the tokens to revoke are dead."""
    RefreshToken = get_refresh_token_model()
    family = (
        RefreshToken.objects.filter(token_checksum=_checksum(refresh_token))
        .values_list("token_family", flat=True)
        .first()
    )
    RedeemedAuthorizationCode.objects.create(code_checksum=_checksum(code), token_family=family)
    kept_since = timezone.now() - timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
    RedeemedAuthorizationCode.objects.filter(redeemed_at__lt=kept_since).delete()


def code_replay_revoke(*, code: str, client_id: str) -> None:
    """Revoke every token issued from an already exchanged ``code`` (its refresh token family,
    with their access tokens); nothing happens for a code never exchanged.

    A replayed code means the code leaked (a proxy log, a browser history): the person whose
    tokens were revoked sees that in their security log, and the city's security staff in the
    audit chain."""
    RefreshToken = get_refresh_token_model()
    families = list(
        RedeemedAuthorizationCode.objects.filter(code_checksum=_checksum(code)).values_list(
            "token_family", flat=True
        )
    )
    for family in families:
        token = RefreshToken.objects.filter(token_family=family).select_related("user").first()
        RefreshToken.revoke_family(family)
        person = token and selectors.person_for_account(token.user)
        audit_record(
            action="identity.oidc.code_replayed",
            actor=None,
            target_type="oauth2_provider.refreshtoken_family",
            target_id=str(family),
            subject_person_id=person.pk if person else None,
            details={"client_id": client_id},
        )


class TongbanOIDCValidator(OAuth2Validator):
    """django-oauth-toolkit's validator with our claims and the audit of issued codes."""

    oidc_claim_scope = CLAIM_SCOPES

    def get_oidc_claims(self, token, token_handler, request):
        return oidc_claims(request.user, scopes=request.scopes)

    def get_discovery_claims(self, request):
        return list(CLAIM_SCOPES)

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        if super().confirm_redirect_uri(client_id, code, redirect_uri, client, *args, **kwargs):
            return True
        # RFC 6749 section 5.2 calls this invalid_grant; oauthlib would say invalid_request.
        raise InvalidGrantError(description="redirect_uri differs from the authorization request.")

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        oidc_authorized_record(
            account=request.user, application=request.client, scopes=request.scopes
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        code_replay_revoke(code=code, client_id=client_id)
        return False

    def _save_bearer_token(self, token, request, *args, **kwargs):
        super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and token.get("refresh_token"):
            code_redeemed_record(code=request.code, refresh_token=token["refresh_token"])

    def validate_silent_login(self, request):
        """Always true: the authorization view has answered ``login_required`` for a signed-out
        user before oauthlib validates (oauthlib's request does not carry the session user)."""
        return True

    def validate_silent_authorization(self, request):
        """Always true: whether consent is needed is decided by ``AuthorizationView``, which
        knows the session user and answers ``consent_required`` instead of the consent page."""
        return True


def _prompt_is_none(request) -> bool:
    return set(request.GET.get("prompt", "").split()) == {"none"}


class AuthorizationView(DOTAuthorizationView):
    """DOT's authorization endpoint, with ``consent_required`` where ``prompt=none`` would
    otherwise show the consent page."""

    def render_to_response(self, context, **response_kwargs):
        if self.request.method == "GET" and "form" in context and _prompt_is_none(self.request):
            error = ConsentRequired(state=context["state"])
            return self.error_response(
                OAuthToolkitError(error=error, redirect_uri=context["redirect_uri"]),
                context["application"],
            )
        return super().render_to_response(context, **response_kwargs)


class UserInfoView(DOTUserInfoView):
    """DOT's userinfo endpoint, taking the access token from the Authorization header or the
    form body only (RFC 6750 section 2, RFC 9700 section 4.3.2), never from the query string."""

    def create_userinfo_response(self, request):
        if "access_token" in request.GET:
            error = {
                "error": "invalid_request",
                "error_description": "Send the access token in the Authorization header.",
            }
            headers = {
                "Content-Type": "application/json",
                "WWW-Authenticate": 'Bearer error="invalid_request"',
            }
            return None, headers, json.dumps(error), 401
        return super().create_userinfo_response(request)


class LogoutView(RPInitiatedLogoutView):
    """RP-initiated logout that is audit-logged like a logout from our own pages."""

    def do_logout(
        self, application=None, post_logout_redirect_uri=None, state=None, token_user=None
    ):
        if self.request.user.is_authenticated:
            services.logout_recorded(account=self.request.user)
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)


def _client_redirect_uris(request) -> list[str]:
    """The registered addresses that a form posted from this page may end up redirected to:
    the redirect URIs of the client an authorization request is for (this page's own request,
    or the one its ``next`` returns to after a login step), or the post-logout URIs of a client
    logging out here (``client_id`` parameter). Registered by platform admins: a request cannot
    widen the policy to an address of its own."""
    authorize = reverse("oauth2_provider:authorize")
    if request.path == reverse("oauth2_provider:rp-initiated-logout"):
        return _registered(request.GET.get("client_id", ""), "post_logout_redirect_uris")
    own = request.path == authorize
    target = urlparse(request.get_full_path() if own else request.GET.get("next", ""))
    if target.netloc or target.path != authorize:
        return []
    return _registered(parse_qs(target.query).get("client_id", [""])[0], "redirect_uris")


def _registered(client_id: str, field: str) -> list[str]:
    if not client_id:
        return []
    Application = get_application_model()
    uris = Application.objects.filter(client_id=client_id).values_list(field, flat=True).first()
    return (uris or "").split()


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, letting the forms of a login into a client system (login, TOTP
    step, consent, logout confirmation) redirect to that client's registered origins."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            origins = sorted(
                {
                    f"{uri.scheme}://{uri.netloc}"
                    for uri in map(urlparse, _client_redirect_uris(request))
                }
            )
            if origins:
                parts.update = {**(parts.update or {}), "form-action": origins}
        return parts

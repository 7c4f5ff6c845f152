"""The OpenID Connect provider (django-oauth-toolkit): departmental systems log in through us.

The issuer is the site root (``https://host``): discovery lives at
``/.well-known/openid-configuration`` and the endpoints under ``/oidc/`` (see
``tongban.identity.oidc_urls``). By default it is derived from the request's host, which
``ALLOWED_HOSTS`` bounds; production behind several host names sets ``TONGBAN_OIDC_ISSUER``
(e.g. ``https://zwfw.example.gov.cn``, no trailing slash) so that every token carries one issuer.
Claims and scopes: see ``tongban.identity.oidc``.
"""

import os

from .env import flag, rsa_private_key_pem, secret

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": os.environ.get("TONGBAN_OIDC_ISSUER", "").rstrip("/"),
    "OIDC_RSA_PRIVATE_KEY": secret("TONGBAN_OIDC_KEY", generate=rsa_private_key_pem),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    # Only the authorization code flow (with PKCE, S256) is offered and advertised.
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    # Behind TLS (TONGBAN_HTTPS=1) client systems must use https redirect URIs too.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if flag("TONGBAN_HTTPS") else ["http", "https"],
    "PKCE_REQUIRED": True,
    # Random 128-character secrets need no slow hash (see identity.hashers.ClientSecretHasher).
    "CLIENT_SECRET_HASHER": "pbkdf2_sha256_client_secret",
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, no "plain" PKCE,
    # no access tokens in query strings, `iss` in authorization responses (mix-up defence),
    # and only checksums of access/refresh tokens stored at rest.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "OAUTH2_VALIDATOR_CLASS": "tongban.identity.oidc.TongbanOIDCValidator",
    "SCOPES": {
        "openid": "登录身份",
        "profile": "姓名",
        "id_number": "完整公民身份号码",
        "enterprise": "代办企业的统一社会信用代码",
        "staff": "工作人员的部门与角色",
        "exchange": "调用数据共享交换接口（客户端凭证）",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # A refresh token lives no longer than a browser session here (SESSION_COOKIE_AGE), and a
    # replayed one revokes its whole family.
    "REFRESH_TOKEN_EXPIRE_SECONDS": 2 * 60 * 60,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}
